from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElectionPagesConfig(AppConfig):
    name = "election_pages"
    verbose_name = _("صفحات سامانه")

    def ready(self):
        from . import signals  # noqa: F401 - connects the cache invalidation receivers
