"""Issue 6, «Notifications», on PostgreSQL with real threads (each its own connection):
two runs of the same notice at the same moment still give each member one message. The
unique constraints (one run per election and kind, one recipient per run and member) and
insert-then-queue in one transaction are what hold, not the task queue."""

import datetime
import threading

import pytest
from django.utils import timezone

from election_pages.lifecycle.models import ElectionState
from election_pages.notices import services as notifications
from election_pages.notices.models import NotificationKind, NotificationRecipient, NotificationRun
from election_pages.notices.services import notification_chunk_send, notification_run_start
from otp_delivery.models import Delivery
from otp_delivery.services import deliveries as otp_deliveries
from tests.concurrency import in_threads
from tests.factories import AssociationFactory, ElectionFactory, approved_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def election_with_members(monkeypatch):
    # Deliveries stay queued in the table and chunks are collected: nothing reaches a broker.
    # The module functions are patched, not the Celery task proxies: those resolve through
    # the thread's current Celery app, which differs between threads once a test made one.
    monkeypatch.setattr(otp_deliveries, "_enqueue_send", lambda delivery_id: None)
    chunks = []
    lock = threading.Lock()

    def collect(run_id, ids):
        with lock:
            chunks.append((run_id, list(ids)))

    monkeypatch.setattr(notifications, "_chunk_enqueue", collect)
    association = AssociationFactory()
    association.notification_channels = "both"
    association.save(update_fields=["notification_channels"])
    election = ElectionFactory(
        association=association,
        state=ElectionState.OPEN,
        voting_starts_at=timezone.now() - datetime.timedelta(hours=1),
        voting_ends_at=timezone.now() + datetime.timedelta(hours=5),
    )
    members = [approved_member(association) for _ in range(12)]
    return election, members, chunks


def test_two_concurrent_starts_plan_one_run_and_queue_its_chunks_once(election_with_members, settings):
    settings.NOTIFICATION_CHUNK_SIZE = 5
    election, _members, chunks = election_with_members
    outcomes = in_threads(
        4, lambda i: notification_run_start(election_id=election.pk, kind=NotificationKind.REMINDER).pk
    )
    assert {o[0] for o in outcomes} == {"ok"}, outcomes
    assert len({o[1] for o in outcomes}) == 1
    assert NotificationRun.objects.filter(election=election).count() == 1
    assert [len(ids) for _run, ids in chunks] == [5, 5, 2]


def test_two_concurrent_runs_of_the_same_chunks_give_one_message_per_member(election_with_members):
    """The double trigger and the redelivered task at once: every member's chunk is sent
    by two workers at the same moment, several times over."""
    election, members, chunks = election_with_members
    run = notification_run_start(election_id=election.pk, kind=NotificationKind.ANNOUNCEMENT)
    assert run is not None and len(chunks) == 1
    run_id, ids = chunks[0]
    # Two workers, each going through the members in a different order.
    orders = [ids, list(reversed(ids)), ids, list(reversed(ids))]
    outcomes = in_threads(4, lambda i: notification_chunk_send(run_id=run_id, member_ids=orders[i]))
    assert {o[0] for o in outcomes} == {"ok"}, outcomes
    assert sum(o[1]["processed"] for o in outcomes) == len(members)
    assert NotificationRecipient.objects.filter(run=run).count() == len(members)
    for member in members:
        assert Delivery.objects.filter(member=member, channel="email").count() == 1
        assert Delivery.objects.filter(member=member, channel="sms").count() == 1
    run.refresh_from_db()
    assert run.state == "done"
