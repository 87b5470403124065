"""Issue 6, «Notifications», with a real Celery worker process and a real broker (the
filesystem transport; Redis too in the PostgreSQL/Redis pass), the fake Kavenegar server
and a real SMTP server, on PostgreSQL (the worker must see the test's committed rows):
the announcement planned by the worker goes out in chunks, by email and SMS, once per
member — and a second trigger plus a redelivered chunk send nothing more."""

import datetime

import pytest
from django.utils import timezone

from election_pages.lifecycle.models import ElectionState
from election_pages.notices.models import NotificationRun, NotificationRunState
from tests.factories import AssociationFactory, ElectionFactory, MemberFactory, MembershipFactory, approved_member
from tests.integration.test_otp_worker import BROKERS, Stack
from tests.waiting import wait_until

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

START_TASK = "election_pages.notices.tasks.notification_run_start_task"
CHUNK_TASK = "election_pages.notices.tasks.notification_chunk_send_task"


@pytest.fixture(params=BROKERS)
def stack(request, tmp_path, monkeypatch):
    built = Stack(request.param, tmp_path)
    built.env["NOTIFICATION_CHUNK_SIZE"] = "2"  # five members: three chunks
    monkeypatch.setenv("CELERY_BROKER_URL", built.env["CELERY_BROKER_URL"])
    yield built
    built.stop()


def test_announcement_goes_out_in_chunks_once_per_member_with_a_real_worker(stack):
    association = AssociationFactory()
    association.notification_channels = "both"
    association.save(update_fields=["notification_channels"])
    election = ElectionFactory(
        association=association,
        state=ElectionState.OPEN,
        voting_starts_at=timezone.now() - datetime.timedelta(hours=1),
        voting_ends_at=timezone.now() + datetime.timedelta(hours=5),
    )
    members = [approved_member(association, mobile=f"0912555000{i}") for i in range(5)]
    outsider = MemberFactory(mobile="09125559999")
    MembershipFactory(member=outsider, association=association)  # pending: not notified

    stack.start_worker()
    stack.send_task(START_TASK, [election.pk, "announcement"])
    wait_until(
        lambda: len(stack.smtp.messages) == 5 and len(stack.fake.sends()) == 5, timeout=90, message="10 messages"
    )
    run = NotificationRun.objects.get(election=election)
    assert run.chunks == 3 and run.planned == 5
    wait_until(
        lambda: NotificationRun.objects.get(pk=run.pk).state == NotificationRunState.DONE,
        message="the run to finish",
    )
    assert sorted(m["To"] for m in stack.smtp.messages) == sorted(m.email for m in members)
    assert sorted(s["receptor"] for s in stack.fake.sends()) == sorted(m.mobile for m in members)

    # A second trigger and a redelivered chunk: nothing more goes out.
    stack.send_task(START_TASK, [election.pk, "announcement"])
    stack.send_task(CHUNK_TASK, [run.pk, [m.pk for m in members]])
    stack.wait_idle()  # both tasks, and everything they queued, have run
    assert len(stack.smtp.messages) == 5 and len(stack.fake.sends()) == 5
    assert NotificationRun.objects.filter(election=election).count() == 1
