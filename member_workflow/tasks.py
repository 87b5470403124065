"""Celery tasks of the member workflow. IDs only; the password is made inside the service."""

from celery import shared_task


@shared_task(name="member_workflow.password_random_send", acks_late=True)
def password_random_send_task(member_id: int) -> None:
    """M4 option 1: a new random password to the member's mobile and email (queued through
    otp_delivery, whose own tasks send and retry)."""
    from .services.passwords import password_random_send

    password_random_send(member_id=member_id)
