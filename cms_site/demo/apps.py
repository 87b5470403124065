from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "cms_site.demo"
    label = "demo"
    verbose_name = "Demo (development only)"
