"""A3: every election transition — allowed, guarded, without permission, idempotent, audited."""

import datetime

import pytest
from django.utils import timezone

from cms_site.audit.models import AuditEntry
from election_pages.lifecycle import services
from election_pages.lifecycle.models import ElectionState
from election_pages.lifecycle.services import ElectionTransitionError, ElectionTransitionForbidden
from election_pages.results.services import election_tally
from member_workflow.models import MembershipState
from tests.factories import (
    AssociationFactory,
    CandidateFactory,
    ElectionFactory,
    MemberFactory,
    MembershipFactory,
    PositionFactory,
    StaffFactory,
    approved_member,
    election_page_for,
)
from tests.secrecy_helpers import unseal

pytestmark = pytest.mark.django_db

NOW = timezone.now


def _ready_to_open(**fields):
    """An announced election whose start has come, with a filled ballot and a voter."""
    association = AssociationFactory()
    approved_member(association)
    fields.setdefault("voting_starts_at", NOW() - datetime.timedelta(minutes=1))
    fields.setdefault("voting_ends_at", NOW() + datetime.timedelta(hours=2))
    election = ElectionFactory(association=association, state=ElectionState.ANNOUNCED, **fields)
    board = PositionFactory(election=election, name="هیات مدیره", seats=3, selection_limit=3)
    CandidateFactory.create_batch(3, position=board)
    inspector = PositionFactory(election=election, name="بازرس")
    CandidateFactory(position=inspector)
    return election


def _audits(action):
    return AuditEntry.objects.filter(action=action)


# --- announce ------------------------------------------------------------------------


def test_a3_announce_needs_a_published_page(portal):
    staff = StaffFactory()
    election = ElectionFactory(
        voting_starts_at=NOW() + datetime.timedelta(days=1), voting_ends_at=NOW() + datetime.timedelta(days=2)
    )
    with pytest.raises(ElectionTransitionError) as refused:
        services.election_announce(election_id=election.pk, actor=staff)
    assert "صفحه این انتخابات باید منتشر شده باشد" in str(refused.value)
    page = election_page_for(election, publish=False)
    with pytest.raises(ElectionTransitionError):
        services.election_announce(election_id=election.pk, actor=staff)

    page.save_revision().publish()
    announced = services.election_announce(election_id=election.pk, actor=staff)
    assert announced.state == ElectionState.ANNOUNCED
    assert announced.state_changed_by == staff and announced.state_changed_at is not None
    entry = _audits("election.announce").get()
    assert entry.actor == staff and entry.target_id == str(election.pk)
    assert entry.payload["from"] == "draft" and entry.payload["to"] == "announced"


def test_a3_announce_refused_without_permission(portal):
    election = ElectionFactory()
    election_page_for(election)
    with pytest.raises(ElectionTransitionForbidden):
        services.election_announce(election_id=election.pk, actor=MemberFactory())
    election.refresh_from_db()
    assert election.state == ElectionState.DRAFT
    assert not _audits("election.announce").exists()


def test_a3_the_scheduler_cannot_announce(portal):
    election = ElectionFactory()
    election_page_for(election)
    with pytest.raises(ElectionTransitionForbidden):
        services.election_transition(election_id=election.pk, transition="announce", actor=None)


# --- open ------------------------------------------------------------------------------


def test_a3_open_when_start_reached_ballot_filled_and_members_approved():
    staff = StaffFactory()
    election = _ready_to_open()
    opened = services.election_open(election_id=election.pk, actor=staff)
    assert opened.state == ElectionState.OPEN
    assert _audits("election.open").get().actor == staff


def test_a3_open_refused_before_the_start_time():
    election = _ready_to_open(voting_starts_at=NOW() + datetime.timedelta(hours=1))
    with pytest.raises(ElectionTransitionError) as refused:
        services.election_open(election_id=election.pk, actor=StaffFactory())
    assert "زمان شروع رای‌گیری هنوز نرسیده است" in str(refused.value)


def test_a3_open_refused_when_a_position_has_fewer_candidates_than_seats():
    election = _ready_to_open()
    board = election.positions.get(name="هیات مدیره")
    board.candidates.first().delete()
    CandidateFactory(position=board, live=False)  # a draft candidate does not count
    with pytest.raises(ElectionTransitionError) as refused:
        services.election_open(election_id=election.pk, actor=StaffFactory())
    assert "به تعداد کرسی‌هایش" in str(refused.value)


def test_a3_open_refused_without_positions():
    election = _ready_to_open()
    for position in election.positions.all():
        position.candidates.all().delete()
        position.delete()
    with pytest.raises(ElectionTransitionError):
        services.election_open(election_id=election.pk, actor=StaffFactory())


def test_a3_open_refused_when_the_association_has_no_approved_member():
    election = _ready_to_open()
    election.association.memberships.update(state=MembershipState.SUSPENDED)
    MembershipFactory(association=election.association, state=MembershipState.PENDING)
    with pytest.raises(ElectionTransitionError) as refused:
        services.election_open(election_id=election.pk, actor=StaffFactory())
    assert "هیچ عضو تأیید شده‌ای ندارد" in str(refused.value)


def test_a3_open_from_draft_is_not_a_transition():
    election = ElectionFactory()
    with pytest.raises(ElectionTransitionError) as refused:
        services.election_open(election_id=election.pk, actor=StaffFactory())
    assert "ممکن نیست" in str(refused.value)


def test_a3_open_twice_is_a_no_op():
    staff = StaffFactory()
    election = _ready_to_open()
    services.election_open(election_id=election.pk, actor=staff)
    services.election_open(election_id=election.pk, actor=staff)
    assert _audits("election.open").count() == 1


# --- close -----------------------------------------------------------------------------


def test_a3_close_only_at_or_after_the_end_time():
    staff = StaffFactory()
    election = ElectionFactory(state=ElectionState.OPEN)
    with pytest.raises(ElectionTransitionError) as refused:
        services.election_close(election_id=election.pk, actor=staff)
        unseal(election)
    assert "پایان رای‌گیری هنوز نرسیده" in str(refused.value)
    ended = ElectionFactory(
        state=ElectionState.OPEN,
        voting_starts_at=NOW() - datetime.timedelta(hours=2),
        voting_ends_at=NOW() - datetime.timedelta(seconds=1),
    )
    assert services.election_close(election_id=ended.pk, actor=staff).state == ElectionState.CLOSED


def test_a3_superuser_can_force_close_early_with_a_recorded_reason():
    superuser = StaffFactory()
    election = ElectionFactory(state=ElectionState.OPEN)
    with pytest.raises(ElectionTransitionError) as refused:
        services.election_force_close(election_id=election.pk, actor=superuser, reason="  ")
    assert "دلیل" in str(refused.value)
    closed = services.election_force_close(election_id=election.pk, actor=superuser, reason="اختلال سراسری اینترنت")
    assert closed.state == ElectionState.CLOSED
    assert closed.state_change_reason == "اختلال سراسری اینترنت"
    assert _audits("election.force_close").get().payload["reason"] == "اختلال سراسری اینترنت"


def test_a3_an_editor_who_is_not_superuser_cannot_force_close():
    from django.contrib.auth.models import Permission

    editor = MemberFactory(is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="change_election"))
    election = ElectionFactory(state=ElectionState.OPEN)
    with pytest.raises(ElectionTransitionForbidden):
        services.election_force_close(election_id=election.pk, actor=editor, reason="زودتر")
    election.refresh_from_db()
    assert election.state == ElectionState.OPEN


# --- later states and cancel -----------------------------------------------------------


def test_a3_tally_publish_archive_follow_in_order(settings):
    settings.ELECTION_RETENTION_DAYS = 0  # archiving waits for the retention period (tests/integration/test_archive.py)
    staff = StaffFactory()
    ended = timezone.now() - datetime.timedelta(minutes=1)
    election = ElectionFactory(
        state=ElectionState.CLOSED, voting_starts_at=ended - datetime.timedelta(hours=1), voting_ends_at=ended
    )
    with pytest.raises(ElectionTransitionError):
        services.election_archive(election_id=election.pk, actor=staff)
    # The supervisors unseal, then the tally goes through the results service: count,
    # store, then the transition.
    unseal(election, actor=staff)
    election_tally(election_id=election.pk, actor=staff)
    services.election_transition(election_id=election.pk, transition="publish_results", actor=staff)
    assert services.election_archive(election_id=election.pk, actor=staff).state == ElectionState.ARCHIVED
    assert [e.action for e in AuditEntry.objects.all()] == [
        "election.unseal",
        "election.tally",
        "election.result_stored",
        "election.publish_results",
        "election.archive",
    ]


@pytest.mark.parametrize("state", [ElectionState.DRAFT, ElectionState.ANNOUNCED, ElectionState.OPEN])
def test_a3_cancel_is_possible_before_closed_with_a_reason(state):
    election = ElectionFactory(state=state)
    cancelled = services.election_cancel(election_id=election.pk, actor=StaffFactory(), reason="تصمیم مجمع")
    assert cancelled.state == ElectionState.CANCELLED


@pytest.mark.parametrize("state", [ElectionState.CLOSED, ElectionState.TALLIED, ElectionState.PUBLISHED])
def test_a3_cancel_is_refused_once_closed(state):
    election = ElectionFactory(state=state)
    with pytest.raises(ElectionTransitionError):
        services.election_cancel(election_id=election.pk, actor=StaffFactory(), reason="دیر است")


def test_a3_the_state_field_cannot_be_assigned_directly():
    election = ElectionFactory()
    with pytest.raises(AttributeError):
        election.state = ElectionState.OPEN


# --- the scheduler (Celery beat) ---------------------------------------------------------


def test_a3_scheduler_opens_and_closes_at_their_times_and_is_idempotent():
    due = _ready_to_open()
    not_yet = _ready_to_open(voting_starts_at=NOW() + datetime.timedelta(minutes=5))
    ended = ElectionFactory(
        state=ElectionState.OPEN,
        voting_starts_at=NOW() - datetime.timedelta(days=1),
        voting_ends_at=NOW() - datetime.timedelta(minutes=1),
    )
    first = services.elections_schedule_run()
    assert first["opened"] == [due.pk] and first["closed"] == [ended.pk]
    second = services.elections_schedule_run()
    assert second == {"opened": [], "closed": [], "refused": [], "reminded": [], "key_warned": []}
    due.refresh_from_db()
    not_yet.refresh_from_db()
    ended.refresh_from_db()
    assert (due.state, not_yet.state, ended.state) == (
        ElectionState.OPEN,
        ElectionState.ANNOUNCED,
        ElectionState.CLOSED,
    )
    assert _audits("election.open").get().actor is None
    assert _audits("election.open").get().payload["by_scheduler"] is True


def test_a3_scheduler_catches_up_a_missed_run():
    """The worker was down at the start time (12:30); the next run still opens it, and an
    election whose end also passed meanwhile closes on the run after."""
    late = _ready_to_open(voting_starts_at=NOW() - datetime.timedelta(minutes=17))
    assert services.elections_schedule_run()["opened"] == [late.pk]
    later = NOW() + datetime.timedelta(hours=3)
    assert services.elections_schedule_run(now=later)["closed"] == []  # the guard uses the real clock
    late.refresh_from_db()
    assert late.state == ElectionState.OPEN


def test_a3_scheduler_leaves_an_election_with_failing_guards_announced():
    election = _ready_to_open()
    election.association.memberships.update(state=MembershipState.SUSPENDED)
    assert services.elections_schedule_run()["refused"] == [election.pk]
    election.refresh_from_db()
    assert election.state == ElectionState.ANNOUNCED


def test_a3_beat_runs_the_scheduler_every_minute():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["elections-schedule-run"]
    assert entry["task"] == "election_pages.lifecycle.tasks.elections_schedule_run_task"
    assert entry["schedule"] <= 60
    from election_pages.lifecycle.tasks import elections_schedule_run_task

    due = _ready_to_open()
    elections_schedule_run_task.apply()
    due.refresh_from_db()
    assert due.state == ElectionState.OPEN


def test_a1_a3_opening_cancels_pending_candidate_moderation():
    """A1 moderation works for candidates; a change submitted before opening cannot be
    approved into the ballot after it (the A3 lock)."""
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import GroupApprovalTask, Workflow, WorkflowContentType, WorkflowState, WorkflowTask

    from election_pages.lifecycle.models import Candidate

    moderators = Group.objects.create(name="ناظران انتخابات")
    workflow = Workflow.objects.create(name="بازبینی نامزدها")
    task = GroupApprovalTask.objects.create(name="تأیید ناظر")
    task.groups.set([moderators])
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowContentType.objects.create(workflow=workflow, content_type=ContentType.objects.get_for_model(Candidate))

    staff = StaffFactory()
    election = _ready_to_open()
    candidate = election.positions.get(name="بازرس").candidates.get()
    candidate.first_name = "نام تازه"
    candidate.save_revision(user=staff)
    assert candidate.get_workflow() == workflow
    workflow.start(candidate, staff)
    assert WorkflowState.objects.active().count() == 1

    services.election_open(election_id=election.pk, actor=staff)
    assert WorkflowState.objects.active().count() == 0
    candidate.refresh_from_db()
    assert candidate.first_name == "علی"  # the live ballot entry did not change
