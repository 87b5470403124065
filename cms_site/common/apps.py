from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "cms_site.common"
    label = "common"
    verbose_name = "Common"
