"""Celery tasks of the election notices (thin: the service does the work)."""

from celery import shared_task
from django.db import OperationalError

from .services import notification_chunk_send, notification_run_start


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def notification_run_start_task(election_id: int, kind: str) -> None:
    """Plan an election notice (announcement, reminder, results) and queue its chunks.
    Idempotent: the run is unique per (election, kind)."""
    notification_run_start(election_id=election_id, kind=kind)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    max_retries=8,
)
def notification_chunk_send_task(run_id: int, member_ids: list[int]) -> None:
    """Send one chunk of a run (member ids only). A retry or a duplicate skips every member
    who already has a recipient row: each member gets the notice once."""
    notification_chunk_send(run_id=run_id, member_ids=member_ids)
