"""Named hooks of the election lifecycle, filled by each concern in `AppConfig.ready()`.

A transition declares its side effects once, by name, in its `custom` dict
(`election_pages.lifecycle.models.Election`):
- `effects`: run by `election_transition` inside the transition's transaction, after the
  FSM method and before the save. Each is called as `effect(election=..., actor=...)` and
  may return a dict that joins the audit entry's payload;
- `after_commit`: run once the transaction has committed, as `effect(election_id=...)`
  (queueing work on the broker; a broker outage must not undo the transition);
- `queue`: the transition a user's button queues rather than applies (the tally), called
  as `queue(election_id=..., actor=...)`; `queue_satisfies` lists the guards the queued
  work satisfies itself.

The minute jobs are what Celery beat's scheduler run does besides opening and closing
(the reminders before close). The lifecycle service imports none of the concerns that
implement these, so the results, notices and archive modules can import it.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_EFFECTS: dict[str, Callable] = {}
_MINUTE_JOBS: dict[str, Callable] = {}


def transition_effect_register(*, name: str, effect: Callable) -> None:
    """Add (or replace) the implementation of the effect a transition names."""
    _EFFECTS[name] = effect


def transition_effect(name: str) -> Callable:
    try:
        return _EFFECTS[name]
    except KeyError:
        raise ImproperlyConfigured(f"no election transition effect registered as {name!r}") from None


def minute_job_register(*, name: str, job: Callable) -> None:
    """Add a job that the scheduler's minute run calls as `job(now=...)`; its return value
    is reported under `name`."""
    _MINUTE_JOBS[name] = job


def minute_jobs() -> dict[str, Callable]:
    return dict(_MINUTE_JOBS)
