"""Writes for elections (SPEC A3): the lifecycle transitions and the scheduler.

Each transition service locks the election row, returns early when the change is already
done, checks permission and guards (each failing guard has its own Persian message), applies
the FSM transition, saves, audits in the same transaction and invalidates the public caches
after commit.
"""

import logging

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition
from wagtail.models import WorkflowState

from cms_site.audit.services import audit_record
from cms_site.common.fsm import fsm_guard_message, fsm_target, fsm_transition_from_here, fsm_transitions_named
from member_workflow.selectors import association_approved_member_count
from member_workflow.services.associations import association_collection_ensure

from .cache import election_cache_invalidate
from .hooks import minute_jobs, transition_effect
from .models import Candidate, Election, ElectionState, Position
from .selectors import candidate_files_of, elections_due_to_close, elections_due_to_open

logger = logging.getLogger(__name__)


class ElectionTransitionError(Exception):
    """A transition was refused; `messages` say why, in Persian."""

    def __init__(self, messages):
        self.messages = [str(message) for message in messages]
        super().__init__("; ".join(self.messages))


class ElectionTransitionForbidden(ElectionTransitionError):
    pass


def election_guard_failures(*, election: Election, transition: str, requested: bool = False) -> list[str]:
    """The Persian reasons `transition` cannot happen now (empty when it can). With
    `requested` (a user's button), the guards its queued work satisfies do not count."""
    found = fsm_transition_from_here(election, transition)
    if found is None:
        return [str(_("این تغییر از وضعیت «%(state)s» ممکن نیست.") % {"state": election.get_state_display()})]
    satisfied_later = found.custom.get("queue_satisfies", ()) if requested else ()
    return [
        fsm_guard_message(condition)
        for condition in found.conditions
        if condition not in satisfied_later and not condition(election)
    ]


def election_transition_request(*, election_id: int, transition: str, actor, reason: str = "") -> bool:
    """A user's press of a lifecycle button: queue the tally (R1: counting can take seconds,
    a Celery task does it and the admin shows its progress; a second press queues nothing)
    or apply any other transition now. Returns True when the work was queued."""
    queue = next(
        (t.custom["queue"] for t in fsm_transitions_named(Election(), transition) if "queue" in t.custom), None
    )
    if queue is not None:
        transition_effect(queue)(election_id=election_id, actor=actor)
        return True
    election_transition(election_id=election_id, transition=transition, actor=actor, reason=reason)
    return False


@transaction.atomic
def election_transition(*, election_id: int, transition: str, actor, reason: str = "") -> Election:
    """Apply `transition` ("announce", "open", "close", "force_close", "tally",
    "publish_results", "archive", "cancel") to the election. `actor=None` is the scheduler,
    allowed to open and close, and to archive after the retention period."""
    election = Election.objects.select_for_update().select_related("association").get(pk=election_id)
    target = fsm_target(election, transition)
    if target is None:
        raise ElectionTransitionError([_("تغییر ناشناخته.")])
    if election.state == target:
        return election  # already done (a second beat run, a double click): nothing to do
    found = fsm_transition_from_here(election, transition)
    if actor is None and not (found or fsm_transitions_named(election, transition)[0]).custom.get("scheduler"):
        raise ElectionTransitionForbidden([_("این تغییر فقط با اقدام یک کاربر مجاز انجام می‌شود.")])
    if found is None:
        raise ElectionTransitionError(election_guard_failures(election=election, transition=transition))
    if actor is not None and not found.has_perm(election, actor):
        raise ElectionTransitionForbidden([_("شما اجازه این تغییر را ندارید.")])
    reason = (reason or "").strip()
    if found.custom.get("needs_reason") and not reason:
        raise ElectionTransitionError([_("برای این تغییر، نوشتن دلیل الزامی است.")])
    failures = election_guard_failures(election=election, transition=transition)
    if failures:
        raise ElectionTransitionError(failures)
    source = election.state
    getattr(election, transition)(by=actor, reason=reason)
    payload = {"from": source, "to": election.state, "reason": reason, "by_scheduler": actor is None}
    # The transition's own side effects, declared in its `custom` dict (election_pages.lifecycle.hooks).
    for name in found.custom.get("effects", ()):
        _payload_merge(payload, transition_effect(name)(election=election, actor=actor) or {})
    election.save()
    for name in found.custom.get("after_commit", ()):
        effect = transition_effect(name)
        transaction.on_commit(lambda effect=effect: effect(election_id=election.pk), robust=True)
    audit_record(actor=actor, action=f"election.{transition}", target=election, payload=payload)
    transaction.on_commit(election_cache_invalidate)
    return election


def _payload_merge(payload: dict, extra: dict) -> None:
    """Add an effect's audit payload: counts under the same key (e.g. "erased", which each
    concern's erase effect fills) are summed, anything else is set."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(payload.get(key), dict):
            payload[key] = {k: payload[key].get(k, 0) + value.get(k, 0) for k in {*payload[key], *value}}
        else:
            payload[key] = value


def election_turnout_freeze(*, election: Election, actor) -> None:
    """R1: turnout is measured against the approved members at the close (the effect of
    both close transitions)."""
    election.approved_members_at_close = association_approved_member_count(association=election.association)


def election_candidate_moderation_cancel(*, election: Election, actor) -> None:
    """The lock (A3): a candidate change submitted for moderation before voting opened must
    not be approved into the ballot afterwards, so its workflow is cancelled at opening."""
    candidate_ids = [
        str(pk) for pk in Candidate.objects.filter(position__election=election).values_list("pk", flat=True)
    ]
    if not candidate_ids:
        return
    states = WorkflowState.objects.active().filter(
        base_content_type=ContentType.objects.get_for_model(Candidate), object_id__in=candidate_ids
    )
    for state in states:
        state.cancel(user=actor)


def election_announce(*, election_id: int, actor) -> Election:
    return election_transition(election_id=election_id, transition="announce", actor=actor)


def election_open(*, election_id: int, actor) -> Election:
    return election_transition(election_id=election_id, transition="open", actor=actor)


def election_close(*, election_id: int, actor) -> Election:
    return election_transition(election_id=election_id, transition="close", actor=actor)


def election_force_close(*, election_id: int, actor, reason: str) -> Election:
    return election_transition(election_id=election_id, transition="force_close", actor=actor, reason=reason)


def election_cancel(*, election_id: int, actor, reason: str) -> Election:
    return election_transition(election_id=election_id, transition="cancel", actor=actor, reason=reason)


def election_archive(*, election_id: int, actor) -> Election:
    return election_transition(election_id=election_id, transition="archive", actor=actor)


def elections_schedule_run(*, now=None) -> dict:
    """Celery beat's minute job: open announced elections whose start has come, close open
    ones whose end has passed, start the reminders that are due (issue 6). Catches up missed runs (it looks at the clock, not at the
    previous run) and is safe twice or concurrently (each service locks and re-checks).
    An election whose guards fail stays announced and is logged for the staff."""
    now = now or timezone.now()
    done = {"opened": [], "closed": [], "refused": [], "reminded": []}
    for name, queryset, bucket in (
        ("close", elections_due_to_close(now=now), "closed"),
        ("open", elections_due_to_open(now=now), "opened"),
    ):
        for election_id in list(queryset.values_list("pk", flat=True)):
            try:
                election_transition(election_id=election_id, transition=name, actor=None)
            except ElectionTransitionError as error:
                logger.warning(
                    "election.schedule_refused",
                    extra={"election_id": election_id, "transition": name, "why": str(error)},
                )
                done["refused"].append(election_id)
                continue
            except ConcurrentTransition:
                continue  # another worker moved it first
            done[bucket].append(election_id)
    # The registered minute jobs (issue 6: reminders to members who have not voted yet).
    for name, job in minute_jobs().items():
        done[name] = job(now=now)
    return done


__all__ = [
    "ElectionState",
    "ElectionTransitionError",
    "ElectionTransitionForbidden",
    "election_announce",
    "election_archive",
    "election_cancel",
    "election_close",
    "election_force_close",
    "election_guard_failures",
    "election_open",
    "election_transition",
    "elections_schedule_run",
]


@transaction.atomic
def candidate_files_collect(*, candidate: Candidate, actor=None) -> int:
    """Issue 13: move the candidate's photo, résumé and programme into the collection of the
    association that organises its election (made on first need), where only that
    association's admins and federation editors see them, and where documents stay private
    until the election is public (`selectors.document_is_private`). Takes the candidate as
    the admin's form left it, saved or a draft. Returns how many files moved."""
    association_id = (
        Position.objects.filter(pk=candidate.position_id).values_list("election__association_id", flat=True).first()
    )
    if association_id is None:
        return 0
    collection = association_collection_ensure(association_id=association_id)
    moved = []
    for file in candidate_files_of(candidate=candidate):
        if file.collection_id != collection.pk:
            type(file).objects.filter(pk=file.pk).update(collection=collection)
            file.collection = collection
            moved.append(f"{file._meta.model_name}:{file.pk}")
    if moved and candidate.pk:
        audit_record(
            actor=actor,
            action="candidate.files_collect",
            target=candidate,
            payload={"collection_id": collection.pk, "files": moved},
        )
    return len(moved)
