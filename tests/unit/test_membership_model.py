"""The membership state machine's shape (SPEC M10, A2). Services and their audit come with
the members work; here: transitions, permission rule, protected state."""

import pytest
from django_fsm import TransitionNotAllowed, has_transition_perm

from member_workflow.models import MembershipState
from member_workflow.selectors import association_approved_member_count
from tests.factories import AssociationFactory, MemberFactory, MembershipFactory, StaffFactory, approved_member

pytestmark = pytest.mark.django_db


def test_pending_membership_can_be_approved_by_its_association_admin():
    membership = MembershipFactory()
    admin = MemberFactory()
    membership.association.admins.add(admin)
    assert has_transition_perm(membership.approve, admin)
    membership.approve(by=admin)
    membership.save()
    membership.refresh_from_db()
    assert membership.state == MembershipState.APPROVED
    assert membership.state_changed_by == admin and membership.state_changed_at is not None


def test_admin_of_another_association_has_no_permission():
    membership = MembershipFactory()
    other = AssociationFactory()
    outsider = MemberFactory()
    other.admins.add(outsider)
    assert not has_transition_perm(membership.approve, outsider)
    assert has_transition_perm(membership.approve, StaffFactory())


def test_wrong_source_is_refused():
    membership = MembershipFactory(state=MembershipState.REJECTED)
    with pytest.raises(TransitionNotAllowed):
        membership.suspend(by=None)


def test_state_cannot_be_assigned_directly():
    membership = MembershipFactory()
    with pytest.raises(AttributeError):
        membership.state = MembershipState.APPROVED


def test_m10_approved_count_counts_only_approved():
    association = AssociationFactory()
    for _ in range(3):
        approved_member(association)
    MembershipFactory(association=association, state=MembershipState.PENDING)
    MembershipFactory(association=association, state=MembershipState.SUSPENDED)
    assert association_approved_member_count(association=association) == 3
