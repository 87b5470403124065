"""Celery tasks of the elections (thin: the service does the work)."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import OperationalError

from .archive import retention_sweep
from .notifications import notification_chunk_send, notification_run_start
from .results import election_tally, election_tally_run
from .services import elections_schedule_run


@shared_task(acks_late=True, ignore_result=True)
def elections_schedule_run_task() -> dict:
    """Every minute (CELERY_BEAT_SCHEDULE): open and close elections at their times."""
    return elections_schedule_run()


@shared_task(acks_late=True, ignore_result=True)
def election_tally_task(election_id: int, actor_id: int | None, run_id: int | None = None) -> None:
    """Count a closed election and store its result (R1). With `run_id` (the admin's
    «شمارش آرا»), the run records progress and the outcome. Idempotent like the service."""
    if run_id is not None:
        election_tally_run(run_id=run_id)
        return
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    election_tally(election_id=election_id, actor=actor)


@shared_task(acks_late=True, ignore_result=True)
def retention_sweep_task() -> dict:
    """Daily (CELERY_BEAT_SCHEDULE): archive elections past their retention period and
    erase old message records (election_pages.archive)."""
    return retention_sweep()


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
