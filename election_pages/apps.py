from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElectionPagesConfig(AppConfig):
    name = "election_pages"
    verbose_name = _("صفحات سامانه")
