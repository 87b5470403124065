"""Celery tasks of the elections (thin: the service does the work)."""

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def elections_schedule_run_task() -> dict:
    """Every minute (CELERY_BEAT_SCHEDULE): open and close elections at their times."""
    from .services import elections_schedule_run

    return elections_schedule_run()
