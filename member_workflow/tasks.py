"""Celery tasks of the member workflow. IDs only; the password is made inside the service.

Services queue these by name (`cms_site.common.queueing.task_enqueue`), so this module
imports the services and never the other way round.
"""

from celery import shared_task

from .services.logins import login_throttle_purge
from .services.passwords import password_random_send


# The registered name is the import path, which task_enqueue resolves.
@shared_task(name="member_workflow.tasks.password_random_send_task", acks_late=True)
def password_random_send_task(member_id: int) -> None:
    """M4 option 1: a new random password to the member's mobile and email (queued through
    otp_delivery, whose own tasks send and retry)."""
    password_random_send(member_id=member_id)


@shared_task(name="member_workflow.tasks.login_throttle_purge_task", acks_late=True)
def login_throttle_purge_task() -> int:
    """Daily: delete login counters with nothing left to remember (issue 13)."""
    return login_throttle_purge()
