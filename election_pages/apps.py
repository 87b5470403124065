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

        from . import signals  # noqa: F401 - connects the cache invalidation receivers
        from .selectors import member_has_election_in_voting_window
        from .voting import tasks  # noqa: F401 - registers the voting beat task
        from .voting.inbound import vote_confirmation_handler

        # The lower members app asks through these hooks; it never imports this app.
        voting_window_check_register(name="elections", check=member_has_election_in_voting_window)
        inbound_sms_handler_register(name="vote_confirmation", handler=vote_confirmation_handler)
