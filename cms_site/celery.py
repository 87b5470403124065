"""The Celery application. The broker is chosen by `CELERY_BROKER_URL`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms_site.settings.dev")

app = Celery("cms_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
