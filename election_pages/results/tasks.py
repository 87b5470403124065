"""Celery tasks of counting (thin: the service does the work)."""

from celery import shared_task
from django.contrib.auth import get_user_model

from .services import election_tally, election_tally_run


@shared_task(acks_late=True, ignore_result=True)
def election_tally_task(election_id: int, actor_id: int | None, run_id: int | None = None) -> None:
    """Count a closed election and store its result (R1). With `run_id` (the admin's
    «شمارش آرا»), the run records progress and the outcome. Idempotent like the service."""
    if run_id is not None:
        election_tally_run(run_id=run_id)
        return
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    election_tally(election_id=election_id, actor=actor)
