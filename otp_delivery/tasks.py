"""Celery tasks of the delivery layer: thin, IDs only (never a code or a message text),
`acks_late` so a message taken by a worker that dies is redelivered, idempotent because
the services they call are."""

from celery import shared_task


@shared_task(
    bind=True,
    name="otp_delivery.delivery_send",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # bounded by DELIVERY_MAX_ATTEMPTS on the record
)
def delivery_send_task(self, delivery_id: int) -> None:
    from .services import DeliveryRetry, delivery_send

    try:
        delivery_send(delivery_id=delivery_id)
    except DeliveryRetry as exc:
        raise self.retry(countdown=exc.countdown) from None


@shared_task(name="otp_delivery.otp_fallback_check", acks_late=True, reject_on_worker_lost=True)
def otp_fallback_check_task(delivery_id: int) -> int | None:
    from .services import otp_fallback_check

    fallback = otp_fallback_check(delivery_id=delivery_id)
    return fallback.pk if fallback is not None else None


@shared_task(name="otp_delivery.delivery_sweep", acks_late=True)
def delivery_sweep_task() -> dict:
    from .services import delivery_sweep

    return delivery_sweep()
