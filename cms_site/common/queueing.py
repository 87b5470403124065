"""Send Celery tasks: durably, by name, and never keeping a request waiting on the broker.

- `task_enqueue(name, *args, countdown=None)` is how services queue a task. It writes an
  `OutboxTask` row in the caller's transaction (the transactional outbox); once that commits,
  one publish is tried, bounded by `TASK_PUBLISH_TIMEOUT_SECONDS` and without retries, and the
  row is deleted when the broker took the message. A row the broker did not take waits for
  the relay (`manage.py outbox_relay`, `outbox_relay_once`), which tries again every few
  seconds until the broker is back. So a broker outage costs a request at most one short
  timeout, and loses nothing.
- `task_publish(name, *args, countdown=None, eta=None) -> bool` is that one bounded attempt.

Services queue their tasks by name, so a services module never imports its tasks module
(which imports the services): one direction of imports, no cycle. The task's module is
imported here, at call time, so the name always resolves to the registered task and
`task_always_eager` and the task's own options apply (an unregistered name would be sent
blindly with `send_task`). A name is the task's module path plus its function
(`election_pages.notices.tasks.notification_run_start_task`), or, for a task registered under a
short stable name (`otp_delivery.delivery_send`), its package plus the name, the task
living in that package's `tasks` module. It is the project's app, not `current_app`: a
test that starts a worker makes another app current.
"""

import logging
import os
import threading
import time
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import KombuError

from cms_site.celery import app

from .models import OutboxTask

logger = logging.getLogger(__name__)

# After a failed publish this process skips its own attempts for a moment (the relay sends
# those rows), so a request that queues two tasks waits on a dead broker once, not twice.
_broker_down_until = 0.0
# One publishing connection per thread, reused (a fresh one costs ~20 ms, a reused one ~2),
# dropped after any error. Keyed by process and broker, so a forked child or another broker
# never inherits it.
_local = threading.local()


def _task(name: str):
    package, _, _ = name.rpartition(".")
    import_module(package)
    if name not in app.tasks:
        import_module(f"{package}.tasks")
    return app.tasks[name]


def _publish_connection():
    """This thread's publishing connection: one connect attempt, every socket operation
    bounded by TASK_PUBLISH_TIMEOUT_SECONDS. The workers' own connections keep their
    patient settings; only publishing from the portal is hurried."""
    timeout = settings.TASK_PUBLISH_TIMEOUT_SECONDS
    key = (os.getpid(), app.conf.broker_write_url, timeout)
    if getattr(_local, "key", None) != key:
        _publish_connection_drop()
        options = {
            **app.conf.broker_transport_options,
            "max_retries": 0,
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
        }
        _local.connection = app.connection_for_write(connect_timeout=timeout, transport_options=options)
        _local.key = key
    return _local.connection


def _publish_connection_drop() -> None:
    connection, key = getattr(_local, "connection", None), getattr(_local, "key", None)
    _local.connection = _local.key = None
    if connection is not None and key[0] == os.getpid():  # a forked child leaves its parent's sockets alone
        connection.collect()  # releases the sockets without talking to the broker


def task_publish(name: str, *args, countdown: float | None = None, eta: datetime | None = None) -> bool:
    """Hand task `name` (positional `args`: IDs only, never secrets) to the broker, once,
    without retries: True if the broker took it, False (logged) if not. Results are never
    stored: nothing reads them, and a result backend would be one more thing to wait on."""
    task = _task(name)
    connection = _publish_connection()
    # AttributeError too: kombu's Redis transport raises it (in `_connparams`) when the
    # connection under a channel went away mid-use, the failure issue 13 saw.
    errors = (KombuError, OSError, AttributeError, *connection.connection_errors, *connection.channel_errors)
    try:
        task.apply_async(args, countdown=countdown, eta=eta, connection=connection, retry=False, ignore_result=True)
    except errors as exc:
        _publish_connection_drop()  # the next publish connects afresh
        logger.warning("task not handed to the broker", extra={"task": name, "error": type(exc).__name__})
        return False
    return True


def task_enqueue(name: str, *args, countdown: float | None = None) -> None:
    """Queue task `name` with positional `args` (IDs only, never secrets), to run after
    `countdown` seconds when given. Durable: the task exists if and only if the caller's
    transaction commits, and a broker outage only delays it."""
    eta = timezone.now() + timedelta(seconds=countdown) if countdown else None
    row_id = OutboxTask.objects.create(name=name, args=list(args), eta=eta, created_at=timezone.now()).pk
    transaction.on_commit(lambda: _outbox_publish(row_id, name, args, countdown), robust=True)


def _outbox_publish(row_id: int, name: str, args: tuple, countdown: float | None) -> None:
    """After the commit: claim the row (the relay may have it already), publish, delete."""
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return
    claim = timezone.now() + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS)
    if not OutboxTask.objects.filter(pk=row_id, claimed_until__isnull=True).update(claimed_until=claim):
        return
    if task_publish(name, *args, countdown=countdown):
        OutboxTask.objects.filter(pk=row_id).delete()
        return
    _broker_down_until = time.monotonic() + settings.OUTBOX_RELAY_INTERVAL_SECONDS
    _outbox_release([row_id], error="broker unavailable")


def _future(eta: datetime | None) -> datetime | None:
    return eta if eta is not None and eta > timezone.now() else None


def _outbox_release(row_ids: list[int], *, error: str) -> None:
    OutboxTask.objects.filter(pk__in=row_ids).update(
        claimed_until=None, attempts=F("attempts") + 1, last_error=error[:200]
    )


def outbox_relay_once(*, limit: int = 200) -> dict:
    """One round of the relay: claim the waiting rows older than OUTBOX_RELAY_GRACE_SECONDS
    (younger ones are still being published by their own request), oldest first, and
    publish them. The first failure ends the round (the broker is down); those rows wait
    for the next round. Returns {"published": n, "waiting": m}."""
    now = timezone.now()
    claimable = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    with transaction.atomic():
        rows = list(
            OutboxTask.objects.select_for_update(skip_locked=True)
            .filter(claimable, created_at__lte=now - timedelta(seconds=settings.OUTBOX_RELAY_GRACE_SECONDS))
            .order_by("created_at", "pk")[:limit]
        )
        claim = now + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS)
        OutboxTask.objects.filter(pk__in=[row.pk for row in rows]).update(claimed_until=claim)
    published = 0
    for index, row in enumerate(rows):
        try:
            is_published = task_publish(row.name, *row.args, eta=_future(row.eta))
        except (LookupError, ImportError):
            # No such task any more (renamed in a release): set aside for an operator, so it
            # neither blocks the rows behind it nor is lost.
            logger.error("outbox row names no task", extra={"outbox_id": row.pk, "task": row.name})
            OutboxTask.objects.filter(pk=row.pk).update(
                claimed_until=now + timedelta(days=365), last_error="no such task"
            )
            continue
        if not is_published:
            _outbox_release([r.pk for r in rows[index:]], error="broker unavailable")
            break
        row.delete()
        published += 1
    if published:
        logger.info("outbox relayed", extra={"published": published})
    return {"published": published, "waiting": len(rows) - published}
