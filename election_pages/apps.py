from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElectionPagesConfig(AppConfig):
    name = "election_pages"
    verbose_name = _("صفحات سامانه")

    def ready(self):
        # Imported here, not at module top: these modules import models, which exist only
        # once the app registry is ready (Django's documented place for hook registration).
        from member_workflow.services.inbound_sms import inbound_sms_handler_register
        from member_workflow.voting_window import voting_window_check_register

        from .lifecycle import services as lifecycle
        from .lifecycle.hooks import minute_job_register, transition_effect_register
        from .lifecycle.selectors import member_has_election_in_voting_window
        from .notices import services as notices
        from .pages import context as page_context
        from .pages import selectors as page_selectors
        from .pages import signals  # noqa: F401 - connects the cache invalidation receivers
        from .pages.hooks import page_builder_register
        from .results import services as results
        from .secrecy import services as secrecy
        from .voting import archive as voting_archive
        from .voting import unsealing
        from .voting.inbound import vote_confirmation_handler

        # The lower members app asks through these hooks; it never imports this app.
        voting_window_check_register(name="elections", check=member_has_election_in_voting_window)
        inbound_sms_handler_register(name="vote_confirmation", handler=vote_confirmation_handler)

        # Each transition names its effects in its `custom` dict (election_pages.lifecycle.models);
        # here each concern supplies them. The lifecycle imports none of the concerns above it.
        effects = {
            "candidate_moderation_cancel": lifecycle.election_candidate_moderation_cancel,
            "turnout_freeze": lifecycle.election_turnout_freeze,
            "ballot_sessions_erase": voting_archive.ballot_sessions_erase,
            "notice_recipients_erase": notices.notice_recipients_erase,
            "notice_announcement": notices.notice_announcement_start,
            "notice_results": notices.notice_results_start,
            "tally_request": results.election_tally_request,
            "ciphertexts_purge": unsealing.ciphertexts_purge,
            "ballot_box_rewrite": unsealing.ballot_box_rewrite,
        }
        for name, effect in effects.items():
            transition_effect_register(name=name, effect=effect)
        minute_job_register(name="reminded", job=notices.notifications_reminders_start)
        minute_job_register(name="key_warned", job=secrecy.key_ceremony_warnings_send)

        # What the page types render (they never import the context or selectors modules).
        builders = {
            "home_menus": page_selectors.home_menu_hrefs_resolve,
            "upcoming": page_context.upcoming_context,
            "history": page_context.history_context,
            "election_intro": page_context.election_intro,
            "election_candidates": page_context.election_candidates,
            "election_participate": page_context.election_participate,
        }
        for name, builder in builders.items():
            page_builder_register(name=name, builder=builder)
