"""Celery tasks of the member workflow. IDs only; the password is made inside the service."""

from celery import shared_task

from otp_delivery.sms import SmsDeliveryError


@shared_task(
    name="member_workflow.password_random_send",
    acks_late=True,
    autoretry_for=(SmsDeliveryError,),
    retry_backoff=30,
    max_retries=3,
)
def password_random_send_task(member_id: int) -> None:
    """M4 option 1: a new random password to the member's mobile and email."""
    from .services.passwords import password_random_send

    password_random_send(member_id=member_id)
