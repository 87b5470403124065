"""Is an election of this member's associations in its voting window? (SPEC M4, M5, M7.)

The members app must not import the elections app (it is the lower layer), yet several of
its rules depend on that one fact: option-2 resets, personal-page edits and the M5 login
rule are refused while voting is open. The elections app registers its check here from
`AppConfig.ready()`, the way `inbound_sms_handler_register` works. With no check
registered (the members app alone), no election is ever open.
"""

from collections.abc import Callable

VotingWindowCheck = Callable[..., bool]
_CHECKS: dict[str, VotingWindowCheck] = {}


def voting_window_check_register(*, name: str, check: VotingWindowCheck) -> None:
    """Add (or replace) a check, called as `check(member=member)`."""
    _CHECKS[name] = check


def member_in_voting_window(*, member) -> bool:
    """True when any registered check says an election of the member's associations is open."""
    return any(check(member=member) for check in _CHECKS.values())
