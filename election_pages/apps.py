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

        from . import (
            archive,
            notifications,
            page_context,
            results,
            selectors,
            services,
            signals,  # noqa: F401 - connects the cache invalidation receivers
        )
        from .hooks import minute_job_register, transition_effect_register
        from .page_hooks import page_builder_register
        from .selectors import member_has_election_in_voting_window
        from .voting import tasks  # noqa: F401 - registers the voting beat task
        from .voting.inbound import vote_confirmation_handler

        # The lower members app asks through these hooks; it never imports this app.
        voting_window_check_register(name="elections", check=member_has_election_in_voting_window)
        inbound_sms_handler_register(name="vote_confirmation", handler=vote_confirmation_handler)

        # Each transition names its effects in its `custom` dict (election_pages.models);
        # here each concern supplies them. The lifecycle service imports none of these.
        transition_effect_register(name="candidate_moderation_cancel", effect=services.election_candidate_moderation_cancel)
        transition_effect_register(name="turnout_freeze", effect=services.election_turnout_freeze)
        transition_effect_register(name="voter_data_erase", effect=archive.election_voter_data_erase)
        transition_effect_register(name="notice_announcement", effect=notifications.notice_announcement_start)
        transition_effect_register(name="notice_results", effect=notifications.notice_results_start)
        transition_effect_register(name="tally_request", effect=results.election_tally_request)
        minute_job_register(name="reminded", job=notifications.notifications_reminders_start)

        # What the page types render (they never import page_context or selectors).
        page_builder_register(name="home_menus", builder=selectors.home_menu_hrefs_resolve)
        page_builder_register(name="upcoming", builder=page_context.upcoming_context)
        page_builder_register(name="history", builder=page_context.history_context)
        page_builder_register(name="election_intro", builder=page_context.election_intro)
        page_builder_register(name="election_candidates", builder=page_context.election_candidates)
        page_builder_register(name="election_participate", builder=page_context.election_participate)
