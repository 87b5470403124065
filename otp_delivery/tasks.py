"""Celery tasks of the delivery layer: thin, IDs only (never a code or a message text),
`acks_late` so a message taken by a worker that dies is redelivered, idempotent because
the services they call are. The services queue them by name (`task_enqueue`), so only
this module imports the other way."""

from celery import shared_task

from cms_site.common.queueing import task_enqueue

from .services import DeliveryRetry, delivery_send, delivery_sweep, otp_fallback_check
from .services.deliveries import FALLBACK_CHECK_TASK, SEND_TASK, SWEEP_TASK


@shared_task(name=SEND_TASK, acks_late=True, reject_on_worker_lost=True)
def delivery_send_task(delivery_id: int) -> None:
    try:
        delivery_send(delivery_id=delivery_id)
    except DeliveryRetry as exc:
        # The next try goes through the task outbox like any other: if the broker is away
        # at this moment, the relay sends it. Bounded by DELIVERY_MAX_ATTEMPTS on the record.
        task_enqueue(SEND_TASK, delivery_id, countdown=exc.countdown)


@shared_task(name=FALLBACK_CHECK_TASK, acks_late=True, reject_on_worker_lost=True)
def otp_fallback_check_task(delivery_id: int) -> int | None:
    fallback = otp_fallback_check(delivery_id=delivery_id)
    return fallback.pk if fallback is not None else None


@shared_task(name=SWEEP_TASK, acks_late=True)
def delivery_sweep_task() -> dict:
    return delivery_sweep()
