"""Celery tasks of the lifecycle: the scheduler and the retention sweep (thin: the service does the work)."""

from celery import shared_task

from .archive import retention_sweep
from .services import elections_schedule_run


@shared_task(acks_late=True, ignore_result=True)
def elections_schedule_run_task() -> dict:
    """Every minute (CELERY_BEAT_SCHEDULE): open and close elections at their times."""
    return elections_schedule_run()


@shared_task(acks_late=True, ignore_result=True)
def retention_sweep_task() -> dict:
    """Daily (CELERY_BEAT_SCHEDULE): archive elections past their retention period and
    erase old message records (election_pages.archive)."""
    return retention_sweep()
