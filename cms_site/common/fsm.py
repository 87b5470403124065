"""Reading a django-fsm state machine: the transitions themselves are the data (labels,
permissions, effects in their `custom` dict), so services and admins look them up here
instead of keeping tables of their own."""


def fsm_transitions_named(instance, name: str, field: str = "state") -> list:
    """Every declared transition called `name` on `instance`'s machine, whatever its source."""
    found = getattr(instance, f"get_all_{field}_transitions")()
    return [transition for transition in found if transition.name == name]


def fsm_transition_from_here(instance, name: str, field: str = "state"):
    """The transition `name` that leaves `instance`'s current state (conditions not checked), or None."""
    state = getattr(instance, field)
    for transition in fsm_transitions_named(instance, name, field):
        if transition.source in (state, "*"):
            return transition
    return None


def fsm_target(instance, name: str, field: str = "state"):
    """Where transition `name` leads (None when the machine has no such transition)."""
    targets = {transition.target for transition in fsm_transitions_named(instance, name, field)}
    return targets.pop() if len(targets) == 1 else None


def fsm_guard(message):
    """Give a transition condition the reason shown when it fails (admins read it, in
    Persian): `@fsm_guard(_("..."))` above the condition. The message lives with the guard,
    so no service keeps a table of guards."""

    def decorate(condition):
        condition.message = message
        return condition

    return decorate


def fsm_guard_message(condition) -> str:
    """What a failing condition says (its name when it has no message)."""
    return str(getattr(condition, "message", condition.__name__))
