"""Celery tasks of the delivery layer: thin, IDs only (never a code or a message text),
`acks_late` so a message taken by a worker that dies is redelivered, idempotent because
the services they call are. The services queue them by name (`task_enqueue`), so only
this module imports the other way."""

from celery import shared_task

from .services import DeliveryRetry, delivery_send, delivery_sweep, otp_fallback_check
from .services.deliveries import FALLBACK_CHECK_TASK, SEND_TASK, SWEEP_TASK


@shared_task(
    bind=True,
    name=SEND_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # bounded by DELIVERY_MAX_ATTEMPTS on the record
)
def delivery_send_task(self, delivery_id: int) -> None:
    try:
        delivery_send(delivery_id=delivery_id)
    except DeliveryRetry as exc:
        raise self.retry(countdown=exc.countdown) from None


@shared_task(name=FALLBACK_CHECK_TASK, acks_late=True, reject_on_worker_lost=True)
def otp_fallback_check_task(delivery_id: int) -> int | None:
    fallback = otp_fallback_check(delivery_id=delivery_id)
    return fallback.pk if fallback is not None else None


@shared_task(name=SWEEP_TASK, acks_late=True)
def delivery_sweep_task() -> dict:
    return delivery_sweep()
