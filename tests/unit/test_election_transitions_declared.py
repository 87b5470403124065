"""The Election FSM is the one place its transition data lives: labels, the scheduler's
rights, and each transition's side effects by name (election_pages.hooks), A3."""

from election_pages.lifecycle import hooks
from election_pages.lifecycle.models import Election


def _transitions():
    return list(Election().get_all_state_transitions())


def test_a3_every_election_transition_has_a_label_and_an_admin_button():
    for transition in _transitions():
        assert transition.custom.get("label"), f"{transition.name} has no label"
        assert transition.custom.get("admin") is True, f"{transition.name} has no admin button"


def test_a3_every_effect_a_transition_names_is_registered():
    for transition in _transitions():
        names = [*transition.custom.get("effects", ()), *transition.custom.get("after_commit", ())]
        if "queue" in transition.custom:
            names.append(transition.custom["queue"])
        for name in names:
            assert callable(hooks.transition_effect(name)), f"{transition.name}: {name} not registered"


def test_a3_only_open_close_and_archive_run_without_a_user():
    scheduled = {t.name for t in _transitions() if t.custom.get("scheduler")}
    assert scheduled == {"open", "close", "archive"}
