"""Counting the sealed ballots (SPEC R1, R2): DB aggregation, the ballots = participations
check, the tally per position, and the anonymous export anyone can recount.

Counting happens in the database (JSON functions of PostgreSQL or SQLite), never as a
Python loop over ballot rows, so a million ballots count in seconds (see bench/).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cms_site.audit.models import AuditHead
from cms_site.audit.services import audit_record
from cms_site.common.digits import persian_digits
from cms_site.common.queueing import task_enqueue
from election_pages.lifecycle.models import Election, ElectionState
from election_pages.lifecycle.selectors import election_ballot_positions
from election_pages.lifecycle.services import ElectionTransitionError, election_transition
from election_pages.voting.models import AnonymousBallot, Participation
from member_workflow.selectors import association_approved_member_count

from .models import TALLY_RUN_ACTIVE_STATES, ElectionResult, TallyRun, TallyRunState
from .tally import SeatAssignment, seats_assign

logger = logging.getLogger(__name__)

# progress(step=, done=, total=): how far a tally run has got (shown in the admin).
Progress = Callable[..., None]


class TallyMismatchError(Exception):
    """The unsealed plus spoiled ballots and the participations differ: counting must not
    go on (issue 12, item 7)."""

    def __init__(self, *, sealed: int, participations: int, spoiled: int = 0):
        self.sealed, self.participations, self.spoiled = sealed, participations, spoiled
        super().__init__(
            f"unsealed ballots ({sealed}) plus spoiled ballots ({spoiled}) differ from participations"
            f" ({participations}) by {sealed + spoiled - participations}"
        )


class TallyNotUnsealedError(Exception):
    """The supervisors have not unsealed the ballots yet: there is nothing to count."""

    def __init__(self):
        super().__init__("the ballots have not been unsealed by the supervisors yet")


_COUNT_SQL = {
    "postgresql": """
        SELECT p.key::bigint, c.value::bigint, COUNT(*)
        FROM {table} b
        CROSS JOIN LATERAL jsonb_each(b.choices) AS p
        CROSS JOIN LATERAL jsonb_array_elements_text(p.value) AS c
        WHERE b.election_id = %s
        GROUP BY 1, 2
    """,
    "sqlite": """
        SELECT CAST(p.key AS INTEGER), CAST(c.value AS INTEGER), COUNT(*)
        FROM {table} b, json_each(b.choices) AS p, json_each(p.value) AS c
        WHERE b.election_id = %s
        GROUP BY 1, 2
    """,
}
_BLANK_SQL = {
    "postgresql": """
        SELECT p.key::bigint, COUNT(*) FROM {table} b CROSS JOIN LATERAL jsonb_each(b.choices) AS p
        WHERE b.election_id = %s AND jsonb_array_length(p.value) = 0 GROUP BY 1
    """,
    "sqlite": """
        SELECT CAST(p.key AS INTEGER), COUNT(*) FROM {table} b, json_each(b.choices) AS p
        WHERE b.election_id = %s AND json_array_length(p.value) = 0 GROUP BY 1
    """,
}


def _run(sql_by_vendor: dict, election_id: int) -> list[tuple]:
    sql = sql_by_vendor[connection.vendor].format(table=connection.ops.quote_name(AnonymousBallot._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, [election_id])
        return cursor.fetchall()


def election_vote_counts(*, election_id: int) -> dict[int, dict[int, int]]:
    """{position id: {candidate id: votes}} over the election's sealed ballots."""
    counts: dict[int, dict[int, int]] = {}
    for position_id, candidate_id, votes in _run(_COUNT_SQL, election_id):
        counts.setdefault(position_id, {})[candidate_id] = votes
    return counts


def election_blank_counts(*, election_id: int) -> dict[int, int]:
    """{position id: ballots that chose nobody for that position}."""
    return dict(_run(_BLANK_SQL, election_id))


def election_tally_check(*, election_id: int) -> int:
    """The unsealed ballots plus the spoiled ones (ciphertexts that did not open) must equal
    the participations exactly; returns the number of unsealed ballots, which are counted."""
    unsealed_at, spoiled = Election.objects.values_list("unsealed_at", "spoiled_ballots").get(pk=election_id)
    if unsealed_at is None:
        raise TallyNotUnsealedError()
    sealed = AnonymousBallot.objects.filter(election_id=election_id).count()
    participations = Participation.objects.filter(election_id=election_id).count()
    if sealed + spoiled != participations:
        raise TallyMismatchError(sealed=sealed, participations=participations, spoiled=spoiled)
    return sealed


@dataclass(frozen=True)
class CandidateResult:
    id: int
    name: str
    election_code: str
    votes: int
    is_elected: bool
    is_tied: bool


@dataclass(frozen=True)
class PositionResult:
    id: int
    name: str
    seats: int
    blank_ballots: int
    candidates: tuple[CandidateResult, ...]
    assignment: SeatAssignment


@dataclass(frozen=True)
class ElectionTally:
    election_id: int
    ballots: int
    approved_members: int
    positions: tuple[PositionResult, ...] = field(default=())

    @property
    def turnout_percent(self) -> float:
        return round(100 * self.ballots / self.approved_members, 1) if self.approved_members else 0.0

    @property
    def has_ties(self) -> bool:
        return any(position.assignment.has_tie for position in self.positions)


def _no_progress(**_kwargs) -> None:
    return None


def election_tally_compute(*, election_id: int, progress: Progress = _no_progress) -> ElectionTally:
    """Count, check and assign seats. Read-only and deterministic: the same ballots always
    give the same tally. Raises TallyMismatchError when ballots ≠ participations."""
    election = Election.objects.select_related("association").get(pk=election_id)
    progress(step="check", done=0, total=0)
    ballots = election_tally_check(election_id=election_id)
    progress(step="count", done=0, total=0)
    counts = election_vote_counts(election_id=election_id)
    blanks = election_blank_counts(election_id=election_id)
    ballot_positions = election_ballot_positions(election=election)
    positions = []
    progress(step="positions", done=0, total=len(ballot_positions))
    for position in ballot_positions:
        votes = {
            candidate.pk: counts.get(position.pk, {}).get(candidate.pk, 0) for candidate in position.ballot_candidates
        }
        assignment = seats_assign(votes=votes, seats=position.seats)
        by_id = {candidate.pk: candidate for candidate in position.ballot_candidates}
        candidates = tuple(
            CandidateResult(
                id=cid,
                name=f"{by_id[cid].first_name} {by_id[cid].last_name}",
                election_code=by_id[cid].election_code,
                votes=count,
                is_elected=cid in assignment.elected,
                is_tied=cid in assignment.tied,
            )
            for cid, count in assignment.ranking
        )
        positions.append(
            PositionResult(
                id=position.pk,
                name=position.name,
                seats=position.seats,
                blank_ballots=blanks.get(position.pk, 0),
                candidates=candidates,
                assignment=assignment,
            )
        )
        progress(step="positions", done=len(positions), total=len(ballot_positions))
    return ElectionTally(
        election_id=election_id,
        ballots=ballots,
        # R1: turnout against the approved members at close (counted by the close transition;
        # an election closed before that count existed falls back to today's number).
        approved_members=(
            election.approved_members_at_close
            if election.approved_members_at_close is not None
            else association_approved_member_count(association=election.association)
        ),
        positions=tuple(positions),
    )


def tally_totals(tally: ElectionTally) -> dict[str, dict[str, int]]:
    """The totals in the published, comparable form: {position id: {candidate id: votes}}."""
    return {
        str(position.id): {str(candidate.id): candidate.votes for candidate in position.candidates}
        for position in tally.positions
    }


def anonymous_ballots_export(*, election_id: int) -> dict:
    """The anonymous ballots (choices only) in a random order — ordered by their random
    UUIDs — with the ballot structure, for anyone to recount (R2). No trackers, no ids: a
    tracker printed beside its choices would let a voter prove their vote to a buyer."""
    election = Election.objects.get(pk=election_id)
    positions = [
        {
            "id": position.pk,
            "name": position.name,
            "seats": position.seats,
            "candidates": [
                {"id": c.pk, "name": f"{c.first_name} {c.last_name}", "election_code": c.election_code}
                for c in position.ballot_candidates
            ],
        }
        for position in election_ballot_positions(election=election)
    ]
    ballots = list(
        AnonymousBallot.objects.filter(election_id=election_id).order_by("id").values_list("choices", flat=True)
    )
    return {"election": election_id, "positions": positions, "ballots": ballots}


def recount_from_export(data: dict) -> dict[str, dict[str, int]]:
    """Recompute every total from an exported file, independently of the database."""
    totals = {
        str(position["id"]): {str(candidate["id"]): 0 for candidate in position["candidates"]}
        for position in data["positions"]
    }
    for number, ballot in enumerate(data["ballots"], start=1):
        for position_id, chosen in ballot.items():
            if position_id not in totals:
                raise ValueError(f"ballot {number}: unknown position {position_id}")
            for candidate_id in chosen:
                key = str(candidate_id)
                if key not in totals[position_id]:
                    raise ValueError(f"ballot {number}: candidate {candidate_id} is not on position {position_id}")
                totals[position_id][key] += 1
    return totals


def _positions_json(tally: ElectionTally) -> dict:
    return {
        str(position.id): {
            "name": position.name,
            "seats": position.seats,
            "blank": position.blank_ballots,
            "tied_seats": position.assignment.seats_in_tie,
            "candidates": [
                {
                    "id": c.id,
                    "name": c.name,
                    "election_code": c.election_code,
                    "votes": c.votes,
                    "is_elected": c.is_elected,
                    "is_tied": c.is_tied,
                }
                for c in position.candidates
            ],
        }
        for position in tally.positions
    }


TALLIED_STATES = (ElectionState.TALLIED, ElectionState.PUBLISHED, ElectionState.ARCHIVED)


def election_tally(*, election_id: int, actor, progress: Progress = _no_progress) -> ElectionResult:
    """Count a closed election, store the result and move it to `tallied` (R1, A3).
    Idempotent: an election already tallied returns its stored result unchanged.

    The counting runs before the storing transaction, so the progress a tally run writes
    is visible to the admin while it counts; the ballots cannot change meanwhile (voting
    is closed, V1), and the store step re-checks their number under the row lock.
    """
    stored = ElectionResult.objects.filter(election_id=election_id, election__state__in=TALLIED_STATES).first()
    if stored is not None:
        return stored
    tally = election_tally_compute(election_id=election_id, progress=progress)  # refuses when ballots != participations
    progress(step="store", done=len(tally.positions), total=len(tally.positions))
    return _election_tally_store(election_id=election_id, actor=actor, tally=tally)


@transaction.atomic
def _election_tally_store(*, election_id: int, actor, tally: ElectionTally) -> ElectionResult:
    election = Election.objects.select_for_update().get(pk=election_id)
    if election.state in TALLIED_STATES:
        return election.result
    if AnonymousBallot.objects.filter(election_id=election_id).count() != tally.ballots:
        tally = election_tally_compute(election_id=election_id)  # only if something moved under us
    head = AuditHead.objects.filter(pk=1).values_list("entry_hash", flat=True).first() or ""
    result, _created = ElectionResult.objects.update_or_create(
        election=election,
        defaults={
            "tallied_at": timezone.now(),
            "ballots": tally.ballots,
            "approved_members": tally.approved_members,
            "positions": _positions_json(tally),
            "has_ties": tally.has_ties,
            "audit_head_hash": head,
        },
    )
    election_transition(election_id=election_id, transition="tally", actor=actor)
    audit_record(
        actor=actor,
        action="election.result_stored",
        target=election,
        payload={"election_id": election_id, "ballots": tally.ballots, "has_ties": tally.has_ties},
    )
    return result


# --- Tally runs: the admin's «شمارش آرا» as a queued, observable job (R1).


def _run_is_stale(run: TallyRun) -> bool:
    """A run the worker never finished (lost message, killed worker) must not block a new one."""
    limit = timedelta(seconds=getattr(settings, "TALLY_RUN_STALE_SECONDS", 15 * 60))
    return timezone.now() - (run.started_at or run.queued_at) > limit


@transaction.atomic
def election_tally_request(*, election_id: int, actor) -> TallyRun:
    """Queue a tally of a closed election (the admin's «شمارش آرا»). A second press while a
    run is queued or running returns that run and queues nothing (double click, two tabs)."""
    election = Election.objects.select_for_update().get(pk=election_id)
    active = election.tally_runs.filter(state__in=TALLY_RUN_ACTIVE_STATES).first()
    if active is not None and not _run_is_stale(active):
        return active
    if election.state in TALLIED_STATES:
        done = election.tally_runs.filter(state=TallyRunState.DONE).first()
        if done is not None:
            return done
    elif election.state != ElectionState.CLOSED:
        raise ElectionTransitionError(
            [_("این تغییر از وضعیت «%(state)s» ممکن نیست.") % {"state": election.get_state_display()}]
        )
    run = TallyRun.objects.create(election=election, requested_by=actor if actor and actor.pk else None)
    audit_record(actor=actor, action="election.tally_requested", target=election, payload={"run_id": run.pk})
    # Queued by name with the run (the task outbox, published after commit): the tasks module
    # imports this one, never the reverse.
    task_enqueue("election_pages.results.tasks.election_tally_task", election.pk, actor.pk if actor else None, run.pk)
    return run


def _run_progress(run_id: int):
    def write(*, step: str, done: int, total: int) -> None:
        # Outside the counting transaction: each write commits at once so the admin sees it.
        TallyRun.objects.filter(pk=run_id).update(step=step, positions_done=done, positions_total=total)

    return write


def _run_move(run_id: int, move: str, **kwargs) -> TallyRun:
    with transaction.atomic():
        run = TallyRun.objects.select_for_update().select_related("election").get(pk=run_id)
        getattr(run, move)(**kwargs)
        run.save()
        if move == "fail":  # a refused count (e.g. ballots ≠ participations) belongs in the audit trail
            audit_record(actor=None, action="election.tally_failed", target=run.election, payload={"run_id": run.pk})
        return run


def tally_mismatch_report(error: TallyMismatchError) -> str:
    """The admin's Persian explanation of a refused count (stored as it was written)."""
    numbers = {
        "sealed": persian_digits(error.sealed),
        "participations": persian_digits(error.participations),
        "spoiled": persian_digits(error.spoiled),
        "difference": persian_digits(error.sealed + error.spoiled - error.participations),
    }
    with translation.override(settings.LANGUAGE_CODE):
        return (
            _(
                "شمارش انجام نشد: تعداد برگه‌های رای گشوده (%(sealed)s) به اضافه برگه‌های باطل (%(spoiled)s) با "
                "تعداد مشارکت‌های ثبت شده (%(participations)s) برابر نیست (اختلاف: %(difference)s). هیچ نتیجه‌ای "
                "ذخیره نشد؛ پیش از شمارش دوباره، این اختلاف را بررسی کنید."
            )
            % numbers
        )


def election_tally_run(*, run_id: int) -> TallyRun:
    """Execute a queued tally run: count with progress, store, and record done or failed
    with a Persian report. Idempotent: a finished run is returned as it is; a run left
    running by a killed worker is counted again (the tally itself is idempotent)."""
    run = TallyRun.objects.select_related("requested_by").get(pk=run_id)
    if run.state in (TallyRunState.DONE, TallyRunState.FAILED):
        return run
    if run.state == TallyRunState.QUEUED:
        run = _run_move(run_id, "start")
    try:
        election_tally(election_id=run.election_id, actor=run.requested_by, progress=_run_progress(run_id))
    except TallyMismatchError as error:
        return _run_move(run_id, "fail", report=tally_mismatch_report(error))
    except TallyNotUnsealedError:
        with translation.override(settings.LANGUAGE_CODE):
            report = _("آرا هنوز با حضور هیئت نظارت گشوده نشده است.")
        return _run_move(run_id, "fail", report=report)
    except ElectionTransitionError as error:
        return _run_move(run_id, "fail", report=" ".join(error.messages))
    except Exception:
        # Unexpected (database gone, bug): record it for the admin, then let Celery log it.
        logger.exception("tally run %s failed", run_id)
        with translation.override(settings.LANGUAGE_CODE):
            report = _("شمارش به دلیل خطای پیش‌بینی نشده متوقف شد. گزارش فنی در لاگ سرور است.")
        _run_move(run_id, "fail", report=report)
        raise
    return _run_move(run_id, "finish")
