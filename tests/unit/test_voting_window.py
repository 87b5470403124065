"""The voting-window rule other workflows consult (SPEC M4, M5, M7, V1)."""

import datetime

import pytest
from django.utils import timezone

from election_pages.lifecycle.models import ElectionState
from election_pages.lifecycle.selectors import member_has_election_in_voting_window
from member_workflow.models import MembershipState
from tests.factories import AssociationFactory, ElectionFactory, MemberFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_open_election_of_own_association_counts_whatever_the_membership_state():
    member = MemberFactory()
    association = AssociationFactory()
    MembershipFactory(member=member, association=association, state=MembershipState.PENDING)
    ElectionFactory(association=association, state=ElectionState.OPEN)
    assert member_has_election_in_voting_window(member=member)


def test_other_associations_and_other_states_do_not_count():
    member = MemberFactory()
    own = AssociationFactory()
    MembershipFactory(member=member, association=own, state=MembershipState.APPROVED)
    ElectionFactory(state=ElectionState.OPEN)  # someone else's association
    ElectionFactory(association=own, state=ElectionState.ANNOUNCED)
    ElectionFactory(association=own, state=ElectionState.CLOSED)
    assert not member_has_election_in_voting_window(member=member)


def test_open_state_outside_the_clock_window_does_not_count():
    member = MemberFactory()
    own = AssociationFactory()
    MembershipFactory(member=member, association=own, state=MembershipState.APPROVED)
    past = timezone.now() - datetime.timedelta(days=2)
    ElectionFactory(
        association=own,
        state=ElectionState.OPEN,
        voting_starts_at=past,
        voting_ends_at=past + datetime.timedelta(hours=3),
    )
    assert not member_has_election_in_voting_window(member=member)


def test_members_app_asks_the_elections_app_through_its_registered_hook(monkeypatch):
    """The members app never imports election_pages: the voting-window rule (M4, M5, M7)
    reaches it through the check election_pages registers in AppConfig.ready()."""
    from member_workflow import voting_window

    assert voting_window._CHECKS["elections"] is member_has_election_in_voting_window
    monkeypatch.setattr(voting_window, "_CHECKS", {})
    assert voting_window.member_in_voting_window(member=object()) is False
    voting_window.voting_window_check_register(name="always", check=lambda *, member: True)
    assert voting_window.member_in_voting_window(member=object()) is True
