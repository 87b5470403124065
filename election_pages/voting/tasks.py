"""Celery tasks of the voting journey (thin; IDs only, never choices or codes)."""

from celery import shared_task

from .services import ballot_sessions_expire


@shared_task(acks_late=True, ignore_result=True)
def ballot_sessions_expire_task() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): erase the selections of ballot sessions that
    were never confirmed (past their deadline, or their election's window closed)."""
    return ballot_sessions_expire()
