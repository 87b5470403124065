from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "cms_site.audit"
    label = "audit"
    verbose_name = _("گزارش رخدادها")
