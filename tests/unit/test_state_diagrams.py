"""STYLE: every state machine's documented diagram is generated from its declarations."""

from pathlib import Path

from django.apps import apps

from cms_site.common.fsm_diagram import MACHINES, fsm_fields, fsm_mermaid, state_machines_doc


def test_docs_state_machines_are_generated_from_the_current_code():
    doc = Path(__file__).resolve().parents[2] / "docs" / "state-machines.md"
    assert doc.read_text(encoding="utf-8") == state_machines_doc(), "run `manage.py state_diagrams`"


def test_every_fsm_field_is_documented():
    listed = {(app, model, field) for app, model, field, _title in MACHINES}
    assert set(fsm_fields()) <= listed


def test_diagram_marks_start_ends_and_any_state():
    delivery = fsm_mermaid(apps.get_model("otp_delivery", "Delivery"), "state")
    assert "[*] --> pending" in delivery and "delivered --> [*]" in delivery and "failed --> [*]" in delivery
    assert "pending --> sending: claim" in delivery
    credential = fsm_mermaid(apps.get_model("member_workflow", "MemberCredential"), "state")
    assert 'state "any state" as any' in credential and "any --> self_set: set_by_member" in credential
    assert "--> [*]" not in credential  # from any state a transition leads on
    election = fsm_mermaid(apps.get_model("election_pages", "Election"), "state")
    assert "published --> archived: archive [retention_passed, perm: can_manage_election]" in election
