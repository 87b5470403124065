"""SPEC M10, A2: membership transitions through the services — allowed, wrong source,
wrong actor, concurrent save, idempotence, audit in the same transaction."""

import pytest
from django.db import transaction
from django_fsm import ConcurrentTransition

from cms_site.audit.models import AuditEntry
from member_workflow.errors import InvalidTransition, PermissionDenied
from member_workflow.models import Membership, MembershipState
from member_workflow.services import memberships as svc
from tests.factories import AssociationFactory, MemberFactory, MembershipFactory, StaffFactory, association_admin

pytestmark = pytest.mark.django_db

CASES = [
    ("approve", MembershipState.PENDING, MembershipState.APPROVED, MembershipState.REJECTED),
    ("reject", MembershipState.PENDING, MembershipState.REJECTED, MembershipState.APPROVED),
    ("suspend", MembershipState.APPROVED, MembershipState.SUSPENDED, MembershipState.PENDING),
    ("reinstate", MembershipState.SUSPENDED, MembershipState.APPROVED, MembershipState.REJECTED),
    ("leave", MembershipState.APPROVED, MembershipState.LEFT, None),
]


@pytest.mark.parametrize(("action", "source", "target", "_wrong"), CASES)
def test_m10_a2_admin_of_the_association_makes_the_transition_with_audit(action, source, target, _wrong):
    membership = MembershipFactory(state=source)
    admin = association_admin(membership.association)
    result = svc.membership_transition(membership_id=membership.pk, transition=action, actor=admin)
    membership.refresh_from_db()
    assert result.state == membership.state == target
    assert membership.state_changed_by == admin and membership.state_changed_at is not None
    entry = AuditEntry.objects.get(action=f"membership.{action}")
    assert entry.actor == admin and entry.target_id == str(membership.pk)
    assert entry.payload["from"] == source and entry.payload["to"] == target


@pytest.mark.parametrize(("action", "source", "target", "wrong"), [c for c in CASES if c[3]])
def test_m10_wrong_source_state_is_refused_and_nothing_is_written(action, source, target, wrong):
    membership = MembershipFactory(state=wrong)
    admin = association_admin(membership.association)
    with pytest.raises(InvalidTransition):
        svc.membership_transition(membership_id=membership.pk, transition=action, actor=admin)
    membership.refresh_from_db()
    assert membership.state == wrong
    assert not AuditEntry.objects.filter(action=f"membership.{action}").exists()


@pytest.mark.parametrize(("action", "source", "target", "_wrong"), CASES)
def test_a2_admin_of_another_association_and_plain_members_are_refused(action, source, target, _wrong):
    membership = MembershipFactory(state=source)
    outsider = association_admin(AssociationFactory())
    for actor in (outsider, MemberFactory(), None):
        with pytest.raises(PermissionDenied):
            svc.membership_transition(membership_id=membership.pk, transition=action, actor=actor)
    membership.refresh_from_db()
    assert membership.state == source


def test_a2_superuser_may_transition_any_association():
    membership = MembershipFactory()
    svc.membership_approve(membership_id=membership.pk, actor=StaffFactory())
    membership.refresh_from_db()
    assert membership.state == MembershipState.APPROVED


def test_m10_repeating_a_done_transition_is_a_no_op_without_a_second_audit_entry():
    membership = MembershipFactory()
    admin = association_admin(membership.association)
    svc.membership_approve(membership_id=membership.pk, actor=admin)
    svc.membership_approve(membership_id=membership.pk, actor=admin)
    assert AuditEntry.objects.filter(action="membership.approve").count() == 1


def test_m10_concurrent_save_of_a_stale_copy_is_refused():
    membership = MembershipFactory()
    admin = association_admin(membership.association)
    stale = Membership.objects.get(pk=membership.pk)
    svc.membership_reject(membership_id=membership.pk, actor=admin)
    stale.approve(by=admin)
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()
    membership.refresh_from_db()
    assert membership.state == MembershipState.REJECTED


def test_a2_bulk_action_changes_own_memberships_and_reports_the_others():
    association = AssociationFactory()
    admin = association_admin(association)
    mine = [MembershipFactory(association=association) for _ in range(3)]
    already_rejected = MembershipFactory(association=association, state=MembershipState.REJECTED)
    foreign = MembershipFactory()
    ids = [m.pk for m in mine] + [already_rejected.pk, foreign.pk, 999_999]
    result = svc.memberships_bulk_transition(membership_ids=ids, actor=admin, transition="approve")
    assert sorted(result.done) == sorted(m.pk for m in mine)
    assert set(result.refused) == {already_rejected.pk, foreign.pk, 999_999}
    foreign.refresh_from_db()
    assert foreign.state == MembershipState.PENDING
