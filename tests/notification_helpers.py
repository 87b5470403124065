"""Helpers for the election-notice tests (issue 6): run a notice's planning and chunks
in-process, as the Celery worker would, and read what reached the outboxes."""

from django.core import mail

from election_pages.notices import services as notifications
from election_pages.notices.services import notification_chunk_send, notification_run_start
from otp_delivery.gateways import sms
from tests.otp_helpers import run_deliveries


class ChunkQueue:
    """Stands in for the broker: collects the chunk tasks a run queues (run id, member ids)."""

    def __init__(self, monkeypatch):
        # The service's own enqueue functions, not the Celery task objects: a task proxy
        # resolves through Celery's *current* app, which another test may have changed.
        self.chunks: list[tuple[int, list[int]]] = []
        monkeypatch.setattr(
            notifications, "_chunk_enqueue", lambda run_id, ids: self.chunks.append((run_id, list(ids)))
        )
        self.starts: list[tuple[int, str]] = []
        monkeypatch.setattr(
            notifications, "_run_start_enqueue", lambda election_id, kind: self.starts.append((election_id, kind))
        )

    def drain(self) -> None:
        """What the worker does: send every queued chunk once, then every queued message."""
        chunks, self.chunks = self.chunks, []
        for run_id, member_ids in chunks:
            notification_chunk_send(run_id=run_id, member_ids=member_ids)
        run_deliveries()


def plan(django_capture_on_commit_callbacks, *, election, kind, now=None):
    """Plan a run and let its commit callbacks queue the chunks."""
    with django_capture_on_commit_callbacks(execute=True):
        return notification_run_start(election_id=election.pk, kind=kind, now=now)


def emails_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def sms_to(mobile: str) -> list:
    return [m for m in sms.outbox if m.to == mobile]
