from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MemberWorkflowConfig(AppConfig):
    name = "member_workflow"
    verbose_name = _("اعضا")
