"""Waiting in tests without fixed sleeps: poll for the event that proves the system got
there, with a deadline. A fixed sleep is either too short on a loaded machine (a flaky
test) or longer than needed everywhere else; `tests/unit/test_no_fixed_sleeps.py` keeps
`time.sleep` out of every other test module."""

import time

DEFAULT_TIMEOUT = 30.0


class WaitTimeout(AssertionError):
    """The awaited condition did not hold before the deadline."""


def wait_until(predicate, *, timeout: float = DEFAULT_TIMEOUT, interval: float = 0.05, message: str = "condition"):
    """Call `predicate()` until it returns something truthy and return that value; fail
    with `message` once `timeout` seconds have passed. The predicate is always called at
    least once, and once more at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise WaitTimeout(f"timed out after {timeout:g}s waiting for {message}")
        time.sleep(min(interval, remaining))
