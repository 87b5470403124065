"""Issue 6, archive (SPEC A3 published → archived): archiving keeps the results, receipts,
participations and audit, and erases the voter-linked session data and message records
after the documented retention period (docs/operations.md «Retention»)."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from cms_site.audit.models import AuditEntry
from cms_site.audit.selectors import audit_chain_verify
from election_pages.lifecycle import services as election_services
from election_pages.lifecycle.archive import retention_sweep
from election_pages.lifecycle.models import Election, ElectionState
from election_pages.lifecycle.services import ElectionTransitionError
from election_pages.notices.models import NotificationRecipient, NotificationRun
from election_pages.notices.services import notification_chunk_send, notification_run_start
from election_pages.results.models import ElectionResult
from election_pages.results.selectors import tracker_is_cast
from election_pages.results.services import election_tally
from election_pages.voting import services
from election_pages.voting.models import AnonymousBallot, BallotSession, CastBallot, Participation
from otp_delivery.models import Challenge, Delivery
from tests.factories import StaffFactory
from tests.otp_helpers import run_deliveries
from tests.secrecy_helpers import TEST_SELECTIONS_KEY, unseal
from tests.voting_helpers import open_election_with_ballot, sms_code, voter_for

pytestmark = pytest.mark.django_db


def _vote(election, board, candidate):
    member = voter_for(election)
    session = services.ballot_session_start(election_id=election.pk, member=member)
    services.ballot_channel_choose(session_id=session.pk, member=member, channel="sms")
    services.ballot_select(session_id=session.pk, member=member, selections={str(board.pk): [str(candidate.pk)]}, key=TEST_SELECTIONS_KEY)
    services.ballot_code_request(session_id=session.pk, member=member)
    return services.ballot_confirm(session_id=session.pk, member=member, code=sms_code(), key=TEST_SELECTIONS_KEY)


def _abandoned_session(election):
    member = voter_for(election)
    session = services.ballot_session_start(election_id=election.pk, member=member)
    services.ballot_channel_choose(session_id=session.pk, member=member, channel="sms")
    return session


def _published(*, ended_days_ago: int, staff):
    """An election voted through the services, then closed `ended_days_ago` days ago,
    tallied and published. Returns it with its receipts."""
    election, board, _inspector, candidates, _ = open_election_with_ballot()
    receipts = [_vote(election, board, candidates[i % 2]) for i in range(3)]
    _abandoned_session(election)
    ended = timezone.now() - datetime.timedelta(days=ended_days_ago)
    Election.objects.filter(pk=election.pk).update(
        voting_starts_at=ended - datetime.timedelta(days=1), voting_ends_at=ended
    )
    election_services.election_close(election_id=election.pk, actor=staff)
    unseal(election)
    election_tally(election_id=election.pk, actor=staff)
    election_services.election_transition(election_id=election.pk, transition="publish_results", actor=staff)
    return election, receipts


def test_archive_waits_for_the_retention_period(settings):
    settings.ELECTION_RETENTION_DAYS = 30
    staff = StaffFactory()
    election, _ = _published(ended_days_ago=10, staff=staff)
    with pytest.raises(ElectionTransitionError) as refused:
        election_services.election_archive(election_id=election.pk, actor=staff)
    assert "دوره نگهداری" in str(refused.value)
    assert BallotSession.objects.filter(election=election).exists()
    settings.ELECTION_RETENTION_DAYS = 7
    assert election_services.election_archive(election_id=election.pk, actor=staff).state == ElectionState.ARCHIVED


def test_archive_keeps_results_receipts_and_audit_and_erases_session_data(settings, client):
    settings.ELECTION_RETENTION_DAYS = 30
    staff = StaffFactory()
    election, receipts = _published(ended_days_ago=31, staff=staff)
    other, _board, *_ = open_election_with_ballot()
    other_session = _abandoned_session(other)
    refs = [f"ballot:{pk}" for pk in BallotSession.objects.filter(election=election).values_list("pk", flat=True)]
    assert len(refs) == 4 and Challenge.objects.filter(purpose_ref__in=refs).count() == 3
    assert Delivery.objects.filter(challenge__purpose_ref__in=refs).count() == 3
    # The results notice went to the association's 4 approved members (by email, the default).
    run = notification_run_start(election_id=election.pk, kind="results")
    voters = list(Participation.objects.filter(election=election).values_list("member_id", flat=True))
    others = list(BallotSession.objects.filter(election=election).values_list("member_id", flat=True))
    notification_chunk_send(run_id=run.pk, member_ids=sorted(set(voters + others)))
    run_deliveries()
    notices = list(Delivery.objects.filter(kind="notice").values_list("pk", flat=True))
    assert len(notices) == 4 and NotificationRecipient.objects.filter(run=run).count() == 4
    result_before = ElectionResult.objects.get(election=election).positions

    election_services.election_archive(election_id=election.pk, actor=staff)

    # Erased: who started voting when and how, their code requests and code messages.
    assert not BallotSession.objects.filter(election=election).exists()
    assert not Challenge.objects.filter(purpose_ref__in=refs).exists()
    assert not Delivery.objects.filter(challenge__isnull=True, kind="otp").exists()
    # Another election's live session is untouched.
    assert BallotSession.objects.filter(pk=other_session.pk).exists()
    # Kept: result, anonymous ballots, the trackers (ciphertexts went at publication),
    # participations, audit (chain intact).
    assert ElectionResult.objects.get(election=election).positions == result_before
    assert AnonymousBallot.objects.filter(election=election).count() == 3
    assert sorted(CastBallot.objects.filter(election=election).values_list("tracker", flat=True)) == sorted(receipts)
    assert not CastBallot.objects.filter(election=election, ciphertext__isnull=False).exists()
    assert Participation.objects.filter(election=election).count() == 3
    entry = AuditEntry.objects.filter(action="election.archive").get()
    assert entry.payload["erased"] == {
        "ballot_sessions": 4,
        "challenges": 3,
        "deliveries": 3 + 4,
        "notice_recipients": 4,
    }
    # Who was sent which notice is gone with its messages; the run keeps its plan.
    assert not NotificationRecipient.objects.filter(run=run).exists()
    assert not Delivery.objects.filter(pk__in=notices).exists()
    assert NotificationRun.objects.get(pk=run.pk).planned == 4
    assert audit_chain_verify().is_intact
    # The results and the receipts board stay public.
    assert client.get(f"/results/{election.pk}/").status_code == 200
    assert client.get(f"/results/{election.pk}/receipts/").status_code == 200
    assert tracker_is_cast(election=election, tracker=receipts[0])
    listed = client.get(f"/results/{election.pk}/receipts.txt").content.decode().split()
    assert sorted(listed) == sorted(receipts)


def test_retention_sweep_archives_due_elections_and_erases_old_records(settings):
    settings.ELECTION_RETENTION_DAYS = 30
    settings.DELIVERY_RETENTION_DAYS = 30
    staff = StaffFactory()
    due, _ = _published(ended_days_ago=40, staff=staff)
    recent, _ = _published(ended_days_ago=5, staff=staff)
    recent_sessions = BallotSession.objects.filter(election=recent).count()
    old = timezone.now() - datetime.timedelta(days=45)
    kept_message = Delivery.objects.create(channel="email", recipient="a@example.org", state="sent")
    old_sent = Delivery.objects.create(channel="sms", recipient="09120000000", state="sent")
    old_pending = Delivery.objects.create(channel="sms", recipient="09120000001")
    Delivery.objects.filter(pk__in=[old_sent.pk, old_pending.pk]).update(created_at=old)
    Session.objects.create(session_key="x" * 32, session_data="", expire_date=old)

    done = retention_sweep()

    assert done["archived"] == [due.pk]
    assert Election.objects.get(pk=due.pk).state == ElectionState.ARCHIVED
    assert Election.objects.get(pk=recent.pk).state == ElectionState.PUBLISHED
    assert BallotSession.objects.filter(election=recent).count() == recent_sessions
    assert not Delivery.objects.filter(pk=old_sent.pk).exists()
    assert Delivery.objects.filter(pk=old_pending.pk).exists()  # never erase a message not yet sent
    assert Delivery.objects.filter(pk=kept_message.pk).exists()  # younger than the retention
    assert not Session.objects.filter(session_key="x" * 32).exists()
    archive = AuditEntry.objects.get(action="election.archive")
    assert archive.actor is None and archive.payload["by_scheduler"] is True
    # A second run finds nothing more to do.
    again = retention_sweep()
    assert again["archived"] == [] and again["deliveries"] == 0
