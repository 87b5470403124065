"""The Membership FSM is the one place its transition data lives (M10, A2): every
transition carries its label and says whether the admins' area offers it, and every
offered transition is a button on a membership in its source state."""

import pytest

from member_workflow.models import Membership, MembershipState
from member_workflow.selectors import membership_admin_actions, membership_bulk_actions


def _transitions():
    return list(Membership().get_all_state_transitions())


def _sources(transition) -> list[str]:
    return list(MembershipState.values) if transition.source in ("*", "+") else [transition.source]


def test_m10_every_membership_transition_has_a_label_and_declares_admin():
    assert _transitions()
    for transition in _transitions():
        assert transition.custom.get("label"), f"{transition.name} has no label"
        assert isinstance(transition.custom.get("admin"), bool), f"{transition.name} does not say admin True/False"


def test_a2_every_admin_transition_is_a_button_in_each_of_its_source_states():
    for transition in _transitions():
        if not transition.custom["admin"]:
            continue
        for source in _sources(transition):
            buttons = membership_admin_actions(membership=Membership(state=source))
            assert (transition.name, transition.custom["label"]) in buttons, f"{transition.name} from {source}"


def test_a2_no_button_leads_out_of_a_state_it_cannot_leave():
    for state in MembershipState.values:
        membership = Membership(state=state)
        for name, _label in membership_admin_actions(membership=membership):
            found = [t for t in _transitions() if t.name == name and t.source in (state, "*", "+")]
            assert found and all(t.custom["admin"] for t in found), f"{name} offered in {state}"


@pytest.mark.parametrize("state", MembershipState.values)
def test_a2_leaving_is_never_an_admin_button(state):
    assert "leave" not in dict(membership_admin_actions(membership=Membership(state=state)))


def test_a2_bulk_actions_are_the_admin_transitions_once_each_in_declared_order():
    assert [name for name, _label in membership_bulk_actions()] == ["approve", "reject", "suspend", "reinstate"]


def test_i13_the_members_answers_to_an_invitation_are_accept_and_decline_never_admin_buttons():
    from member_workflow.selectors import membership_member_actions

    assert [name for name, _label in membership_member_actions()] == ["accept", "decline"]
    assert membership_admin_actions(membership=Membership(state=MembershipState.INVITED)) == []
