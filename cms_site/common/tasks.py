"""Operational Celery tasks."""

from celery import shared_task


@shared_task(name="common.ping")
def ping_task() -> str:
    """Round trip through the broker and a worker; used by tests and operators."""
    return "pong"
