"""`manage.py outbox_relay`: hand the task outbox to the broker, forever.

Tasks queued by the portal wait as `OutboxTask` rows until the broker has taken them
(`cms_site.common.queueing`). A request tries once, briefly; this process takes every row
left behind, every OUTBOX_RELAY_INTERVAL_SECONDS, and keeps trying while the broker is
down. It needs only the database, so it cannot be stopped by the outage it works around
(Celery beat publishes through the broker). Run exactly one or several: rows are claimed
with SKIP LOCKED. Supervised like the workers (`manage.py rundev`, deploy/*.service).
"""

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections

from cms_site.common.queueing import outbox_relay_once

logger = logging.getLogger(__name__)
BATCH = 200


class Command(BaseCommand):
    help = "Publish the task outbox to the Celery broker every few seconds, retrying while the broker is down."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one round, then exit")

    def handle(self, *args, once=False, **options):
        stopping = threading.Event()
        if not once:
            signal.signal(signal.SIGTERM, lambda *_: stopping.set())
            signal.signal(signal.SIGINT, lambda *_: stopping.set())
            logger.info("outbox relay started", extra={"interval": settings.OUTBOX_RELAY_INTERVAL_SECONDS})
        while not stopping.is_set():
            published = self.round()
            if once:
                break
            if published < BATCH:  # a full batch means more are waiting: go on at once
                stopping.wait(settings.OUTBOX_RELAY_INTERVAL_SECONDS)
        logger.info("outbox relay stopped")

    def round(self) -> int:
        try:
            return outbox_relay_once(limit=BATCH)["published"]
        except DatabaseError as exc:
            # The database is away too: drop the broken connection and try next round.
            logger.warning("outbox relay: database unavailable", extra={"error": type(exc).__name__})
            connections.close_all()
            return 0
