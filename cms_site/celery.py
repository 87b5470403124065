"""The Celery application. The broker is chosen by `CELERY_BROKER_URL`."""

import functools
import os

from celery import Celery
from celery.worker.consumer import Consumer

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms_site.settings.dev")


class PromptReconnectConsumer(Consumer):
    """The worker's consumer (`CELERY_WORKER_CONSUMER`), retrying a lost broker every 1, 2,
    3, 4, then 5 s. Celery's own pauses grow to 30 s, so after a long Redis outage the codes
    waiting for it would sit there up to half a minute more (docs/operations.md «Faults»)."""

    def ensure_connected(self, conn):
        conn.ensure_connection = functools.partial(
            conn.ensure_connection, interval_start=1, interval_step=1, interval_max=5
        )
        return super().ensure_connected(conn)


app = Celery("cms_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
