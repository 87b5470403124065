"""Issue 6, «Notifications»: the announcement when voting opens, the reminder before close to
approved members who have not voted, the results notice — each by email and/or SMS as the
association chose, in Celery chunks, once per member, switchable per election, with its
progress in the admin and an audit entry per run (SPEC R3: kind and counts, no contents)."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cms_site.audit.models import AuditEntry
from cms_site.common.digits import persian_digits
from election_pages.lifecycle import services
from election_pages.lifecycle.models import ElectionState
from election_pages.notices.models import (
    NotificationKind,
    NotificationRecipient,
    NotificationRun,
    NotificationRunState,
    RecipientOutcome,
)
from election_pages.notices.services import notice_text, notification_chunk_send
from election_pages.results.models import ElectionResult
from election_pages.voting.models import Participation
from member_workflow.models import MembershipState
from member_workflow.services.associations import association_notification_channels_set
from otp_delivery.gateways import sms
from otp_delivery.models import Delivery
from tests.factories import (
    AssociationFactory,
    CandidateFactory,
    ElectionFactory,
    MemberFactory,
    MembershipFactory,
    PositionFactory,
    StaffFactory,
    announced_election,
    approved_member,
    association_admin,
    election_page_for,
)
from tests.notification_helpers import ChunkQueue, emails_to, plan, sms_to
from tests.secrecy_helpers import TEST_SELECTIONS_KEY

pytestmark = pytest.mark.django_db

ANNOUNCEMENT, REMINDER, RESULTS = NotificationKind.ANNOUNCEMENT, NotificationKind.REMINDER, NotificationKind.RESULTS


@pytest.fixture
def queue(monkeypatch):
    return ChunkQueue(monkeypatch)


def _association(channels="both"):
    association = AssociationFactory()
    association.notification_channels = channels
    association.save(update_fields=["notification_channels"])
    return association


def _open_election(association=None, *, ends_in_hours=48, **fields):
    return ElectionFactory(
        association=association or _association(),
        state=ElectionState.OPEN,
        voting_starts_at=timezone.now() - datetime.timedelta(hours=1),
        voting_ends_at=timezone.now() + datetime.timedelta(hours=ends_in_hours),
        **fields,
    )


# ------------------------------------------------------------------ triggers


def test_announcement_starts_when_staff_open_the_election_in_the_admin(
    client, portal, queue, django_capture_on_commit_callbacks
):
    """Manual open (the admin button) → announcement run, after commit; only approved
    members of this association, never another's, never pending ones."""
    election = announced_election(association=_association("both"), voting_starts_at=timezone.now())
    election.voting_starts_at = timezone.now() - datetime.timedelta(minutes=1)
    election.save(update_fields=["voting_starts_at"])
    position = PositionFactory(election=election)
    CandidateFactory(position=position)
    voter = approved_member(election.association, mobile="09121110001")
    pending = MemberFactory()
    MembershipFactory(member=pending, association=election.association, state=MembershipState.PENDING)
    stranger = approved_member(AssociationFactory())  # another association's member
    client.force_login(StaffFactory())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("election_pages_transition", args=[election.pk, "open"]))
    assert response.status_code == 302
    election.refresh_from_db()
    assert election.state == ElectionState.OPEN
    assert queue.starts == [(election.pk, ANNOUNCEMENT)]  # queued after the commit
    plan(django_capture_on_commit_callbacks, election=election, kind=ANNOUNCEMENT)  # the worker's part
    queue.drain()
    assert len(emails_to(voter.email)) == 1 and len(sms_to(voter.mobile)) == 1
    assert not emails_to(pending.email) and not emails_to(stranger.email)
    assert not sms_to(stranger.mobile)
    run = NotificationRun.objects.get(election=election)
    assert run.kind == ANNOUNCEMENT and run.planned == 1 and run.state == NotificationRunState.DONE


def test_announcement_starts_when_the_scheduler_opens_the_election(queue, django_capture_on_commit_callbacks):
    """Scheduled open (beat, SPEC A3) → announcement run queued on commit."""
    election = ElectionFactory(
        association=_association(),
        state=ElectionState.ANNOUNCED,
        voting_starts_at=timezone.now() - datetime.timedelta(minutes=1),
        voting_ends_at=timezone.now() + datetime.timedelta(days=1),
    )
    CandidateFactory(position=PositionFactory(election=election))
    approved_member(election.association)
    with django_capture_on_commit_callbacks(execute=True):
        done = services.elections_schedule_run()
    assert done["opened"] == [election.pk]
    assert queue.starts == [(election.pk, ANNOUNCEMENT)]


def test_results_notice_starts_when_results_are_published(queue, django_capture_on_commit_callbacks):
    election = ElectionFactory(association=_association(), state=ElectionState.TALLIED)
    ElectionResult.objects.create(
        election=election, tallied_at=timezone.now(), ballots=0, approved_members=1, positions={}, audit_head_hash=""
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.election_transition(election_id=election.pk, transition="publish_results", actor=StaffFactory())
    assert queue.starts == [(election.pk, RESULTS)]


def test_a_failed_transition_starts_no_notice(queue, django_capture_on_commit_callbacks):
    election = ElectionFactory(
        association=_association(),
        state=ElectionState.ANNOUNCED,
        voting_starts_at=timezone.now() + datetime.timedelta(hours=1),
        voting_ends_at=timezone.now() + datetime.timedelta(days=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(services.ElectionTransitionError):
            services.election_transition(election_id=election.pk, transition="open", actor=StaffFactory())
    assert queue.starts == []


def test_reminder_is_started_by_the_beat_at_close_minus_lead_time(queue, django_capture_on_commit_callbacks):
    """The reminder goes when close − `reminder_hours_before_close` is reached, once."""
    due = _open_election(ends_in_hours=3, reminder_hours_before_close=4)
    not_yet = _open_election(ends_in_hours=30, reminder_hours_before_close=24)
    switched_off = _open_election(ends_in_hours=1, has_reminder_notice=False)
    for election in (due, not_yet, switched_off):
        approved_member(election.association)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.elections_schedule_run()
    assert first["reminded"] == [due.pk]
    assert services.elections_schedule_run()["reminded"] == []  # a second beat: nothing new
    later = timezone.now() + datetime.timedelta(hours=7)
    assert services.elections_schedule_run(now=later)["reminded"] == [not_yet.pk]
    assert NotificationRun.objects.filter(kind=REMINDER).count() == 2
    assert not NotificationRun.objects.filter(election=switched_off).exists()


# ------------------------------------------------------------------ delivery rules


def test_reminder_skips_members_who_voted(queue, django_capture_on_commit_callbacks):
    election = _open_election()
    voted = approved_member(election.association)
    not_voted = approved_member(election.association)
    Participation.objects.create(election=election, member=voted)
    run = plan(django_capture_on_commit_callbacks, election=election, kind=REMINDER)
    queue.drain()
    assert run.planned == 1  # the voter is not even planned
    assert not emails_to(voted.email) and not sms_to(voted.mobile)
    assert len(emails_to(not_voted.email)) == 1 and len(sms_to(not_voted.mobile)) == 1


def test_reminder_skips_someone_who_votes_between_planning_and_the_chunk(queue, django_capture_on_commit_callbacks):
    """Checked at the send time of each chunk, not only when the run is planned."""
    from tests.voting_helpers import open_election_with_ballot, sms_code

    election, board, _inspector, board_candidates, _ = open_election_with_ballot(association=_association("email"))
    late_voter = approved_member(election.association)
    other = approved_member(election.association)
    run = plan(django_capture_on_commit_callbacks, election=election, kind=REMINDER)
    assert run.planned == 2
    # The late voter votes through the real voting services before the chunk runs.
    from election_pages.voting import services as voting

    session = voting.ballot_session_start(election_id=election.pk, member=late_voter)
    voting.ballot_channel_choose(session_id=session.pk, member=late_voter, channel="sms")
    voting.ballot_select(
        session_id=session.pk, member=late_voter, selections={str(board.pk): [str(board_candidates[0].pk)]}, key=TEST_SELECTIONS_KEY
    )
    voting.ballot_code_request(session_id=session.pk, member=late_voter)
    voting.ballot_confirm(session_id=session.pk, member=late_voter, code=sms_code(), key=TEST_SELECTIONS_KEY)
    mail.outbox.clear()
    queue.drain()
    assert not emails_to(late_voter.email)
    assert len(emails_to(other.email)) == 1
    outcomes = dict(NotificationRecipient.objects.filter(run=run).values_list("member_id", "outcome"))
    assert outcomes == {late_voter.pk: RecipientOutcome.SKIPPED_VOTED, other.pk: RecipientOutcome.QUEUED}


def test_each_member_gets_the_notice_once_under_retry_and_double_trigger(queue, django_capture_on_commit_callbacks):
    election = _open_election()
    members = [approved_member(election.association) for _ in range(3)]
    first = plan(django_capture_on_commit_callbacks, election=election, kind=ANNOUNCEMENT)
    second = plan(django_capture_on_commit_callbacks, election=election, kind=ANNOUNCEMENT)  # double trigger
    assert first.pk == second.pk and NotificationRun.objects.count() == 1
    assert len(queue.chunks) == 1  # the second start queued nothing
    chunk = queue.chunks[0]
    queue.chunks.append(chunk)  # the broker redelivers the chunk (acks_late, worker died)
    queue.drain()
    notification_chunk_send(run_id=chunk[0], member_ids=chunk[1])  # and a manual retry
    for member in members:
        assert len(emails_to(member.email)) == 1
        assert len(sms_to(member.mobile)) == 1
    assert NotificationRecipient.objects.count() == 3
    assert Delivery.objects.count() == 6


def test_a_retry_after_a_partial_chunk_sends_only_the_rest(queue, django_capture_on_commit_callbacks, monkeypatch):
    """A chunk that died half-way (the second member's transaction failed) is retried:
    the first member is skipped, the others are sent once."""
    from election_pages.notices import services as notifications

    election = _open_election(_association("email"))
    members = [approved_member(election.association) for _ in range(3)]
    run = plan(django_capture_on_commit_callbacks, election=election, kind=ANNOUNCEMENT)
    real = notifications._messages_queue
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(notifications, "_messages_queue", flaky)
    run_id, ids = queue.chunks[0]
    with pytest.raises(ConnectionError):
        notification_chunk_send(run_id=run_id, member_ids=ids)
    assert NotificationRecipient.objects.filter(run=run).count() == 1  # the failed member's row rolled back
    notification_chunk_send(run_id=run_id, member_ids=ids)  # Celery's retry
    queue.chunks.clear()
    queue.drain()
    assert [len(emails_to(m.email)) for m in members] == [1, 1, 1]
    run.refresh_from_db()
    assert run.state == NotificationRunState.DONE


def test_per_election_switch_off_sends_nothing(queue, django_capture_on_commit_callbacks):
    election = _open_election(has_announcement_notice=False, has_reminder_notice=False, has_results_notice=False)
    approved_member(election.association)
    assert plan(django_capture_on_commit_callbacks, election=election, kind=ANNOUNCEMENT) is None
    assert plan(django_capture_on_commit_callbacks, election=election, kind=REMINDER) is None
    assert NotificationRun.objects.count() == 0 and queue.chunks == []


def test_switching_off_after_planning_stops_the_remaining_chunks(queue, django_capture_on_commit_callbacks):
    election = _open_election()
    member = approved_member(election.association)
    run = plan(django_capture_on_commit_callbacks, election=election, kind=REMINDER)
    election.has_reminder_notice = False
    election.save(update_fields=["has_reminder_notice"])
    queue.drain()
    assert not emails_to(member.email) and not sms_to(member.mobile)
    assert NotificationRecipient.objects.get(run=run).outcome == RecipientOutcome.SKIPPED_OFF


@pytest.mark.parametrize(("channels", "email_count", "sms_count"), [("email", 1, 0), ("sms", 0, 1), ("both", 1, 1)])
def test_association_channel_choice(queue, django_capture_on_commit_callbacks, channels, email_count, sms_count):
    election = _open_election(_association(channels))
    member = approved_member(election.association)
    plan(django_capture_on_commit_callbacks, election=election, kind=ANNOUNCEMENT)
    queue.drain()
    assert len(emails_to(member.email)) == email_count
    assert len(sms_to(member.mobile)) == sms_count


def test_members_without_a_usable_channel_are_counted_as_skipped(queue, django_capture_on_commit_callbacks):
    election = _open_election(_association("sms"))
    no_mobile = approved_member(election.association, mobile=None)
    with_mobile = approved_member(election.association)
    run = plan(django_capture_on_commit_callbacks, election=election, kind=ANNOUNCEMENT)
    queue.drain()
    outcomes = dict(NotificationRecipient.objects.filter(run=run).values_list("member_id", "outcome"))
    assert outcomes == {no_mobile.pk: RecipientOutcome.SKIPPED_NO_CHANNEL, with_mobile.pk: RecipientOutcome.QUEUED}
    assert len(sms.outbox) == 1 and mail.outbox == []


def test_chunks_follow_the_chunk_size_setting(queue, django_capture_on_commit_callbacks, settings):
    settings.NOTIFICATION_CHUNK_SIZE = 2
    election = _open_election(_association("email"))
    members = [approved_member(election.association) for _ in range(5)]
    run = plan(django_capture_on_commit_callbacks, election=election, kind=ANNOUNCEMENT)
    assert run.chunks == 3
    assert [len(ids) for _run, ids in queue.chunks] == [2, 2, 1]
    assert sorted(i for _run, ids in queue.chunks for i in ids) == sorted(m.pk for m in members)
    first = queue.chunks.pop(0)
    notification_chunk_send(run_id=first[0], member_ids=first[1])
    run.refresh_from_db()
    assert run.state == NotificationRunState.SENDING  # 2 of 5: not done yet
    queue.drain()
    run.refresh_from_db()
    assert run.state == NotificationRunState.DONE and len(mail.outbox) == 5


# ------------------------------------------------------------------ texts, audit, admin


def test_texts_are_persian_with_title_jalali_end_and_link_and_no_secret(portal):
    election = _open_election(title="انتخابات هیات مدیره ۱۴۰۵")
    page = election_page_for(election, slug="board-1405")
    subject, body = notice_text(election=election, kind=REMINDER, channel="sms")
    assert "انتخابات هیات مدیره ۱۴۰۵" in body and "یادآوری" in body
    from cms_site.common.jalali import format_date

    assert format_date(election.voting_ends_at) in body  # Jalali, Persian digits
    assert f"{page.url.rstrip('/')}/participate/" in body and body.count("http://127.0.0.1:8000/") == 1
    _subject, results_body = notice_text(election=election, kind=RESULTS, channel="email")
    assert f"/results/{election.pk}/" in results_body
    for text in (subject, body, results_body):
        assert "password" not in text.lower() and "کلمه عبور" not in text and "کد تایید" not in text


def test_each_run_is_audited_with_kind_and_counts_only(queue, django_capture_on_commit_callbacks):
    election = _open_election(_association("email"))
    approved_member(election.association)
    approved_member(election.association, email="")
    plan(django_capture_on_commit_callbacks, election=election, kind=ANNOUNCEMENT)
    queue.drain()
    start = AuditEntry.objects.get(action="notification.run_start")
    done = AuditEntry.objects.get(action="notification.run_done")
    assert start.payload["kind"] == "announcement" and start.payload["planned"] == 2
    assert done.payload["queued"] == 1 and done.payload["skipped_no_channel"] == 1 and done.payload["messages"] == 1
    for entry in AuditEntry.objects.filter(action__startswith="notification."):
        assert election.title not in str(entry.payload) and "@" not in str(entry.payload)


def test_progress_counts_on_the_election_admin_page_and_listing(client, queue, django_capture_on_commit_callbacks):
    """Queued x of y, sent, failed — on the election's inspect page and in the listing."""
    election = _open_election(_association("email"), has_results_notice=False)
    members = [approved_member(election.association) for _ in range(3)]
    Participation.objects.create(election=election, member=members[0])
    plan(django_capture_on_commit_callbacks, election=election, kind=REMINDER)
    run_id, ids = queue.chunks.pop()
    notification_chunk_send(run_id=run_id, member_ids=ids[:1])  # 1 of 2 processed, nothing sent yet
    client.force_login(StaffFactory())
    html = client.get(reverse("elections:inspect", args=[election.pk])).content.decode()
    assert 'data-notification="reminder"' in html
    assert persian_digits("1 از 2") in html
    assert "هنوز آغاز نشده است" in html  # the announcement: on, no run
    assert "برای این انتخابات خاموش است" in html  # the results notice: off
    notification_chunk_send(run_id=run_id, member_ids=ids)
    from tests.otp_helpers import run_deliveries

    # One message cannot be opened any more (as after a SECRET_KEY rotation): it fails.
    Delivery.objects.filter(recipient=members[2].email).update(sealed_body="not-a-token")
    run_deliveries()
    html = client.get(reverse("elections:inspect", args=[election.pk])).content.decode()
    assert persian_digits("2 از 2") in html
    sent = Delivery.objects.filter(state__in=["sent", "delivered"]).count()
    failed = Delivery.objects.filter(state="failed").count()
    assert f'data-count="sent">{persian_digits(sent)}<' in html
    assert f'data-count="failed">{persian_digits(failed)}<' in html
    listing = client.get(reverse("elections:index")).content.decode()
    assert "یادآوری پیش از پایان رای‌گیری: 2 از 2" in listing


# ------------------------------------------------------------------ association settings


def test_association_admin_sets_the_channel_choice_of_their_own_association_only(client):
    from member_workflow.services.admins import association_admin_grant

    mine, theirs = _association("email"), _association("email")
    admin = MemberFactory()
    association_admin_grant(association=mine, member=admin, actor=None)
    client.force_login(admin)
    listing = client.get(reverse("member_admin:association_settings_index")).content.decode()
    assert mine.name in listing and theirs.name not in listing
    url = reverse("member_admin:association_settings", args=[mine.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"notification_channels": "both"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.notification_channels == "both"
    assert AuditEntry.objects.filter(action="association.notification_channels_set").count() == 1
    other = client.post(
        reverse("member_admin:association_settings", args=[theirs.pk]), {"notification_channels": "sms"}
    )
    assert other.status_code == 404
    theirs.refresh_from_db()
    assert theirs.notification_channels == "email"


def test_association_channel_service_refuses_other_admins():
    from member_workflow.errors import PermissionDenied

    mine, theirs = _association("email"), _association("email")
    admin = association_admin(mine)
    with pytest.raises(PermissionDenied):
        association_notification_channels_set(association_id=theirs.pk, channels="sms", actor=admin)
    with pytest.raises(PermissionDenied):
        association_notification_channels_set(association_id=mine.pk, channels="sms", actor=None)


def test_notice_switches_are_in_the_election_admin_form(client):
    election = _open_election()
    client.force_login(StaffFactory())
    html = client.get(reverse("elections:edit", args=[election.pk])).content.decode()
    for name in ("has_announcement_notice", "has_reminder_notice", "reminder_hours_before_close", "has_results_notice"):
        assert f'name="{name}"' in html
