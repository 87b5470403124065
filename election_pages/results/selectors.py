"""Reads for the results pages: the stored result shaped for display, receipts, audit summary."""

from django.utils.translation import gettext_lazy as _

from cms_site.audit.models import AuditEntry
from election_pages.lifecycle.models import RESULTS_PUBLIC_STATES, Election, ElectionState, can_manage_election

from .models import ElectionResult, TallyRun


def election_results_visible(*, election: Election, user) -> bool:
    """R1: those who can manage the election review a stored result from the tally on;
    everyone sees it once published. The results page and every export use this one rule."""
    staff = bool(user and user.is_authenticated and can_manage_election(election, user))
    allowed = (ElectionState.TALLIED, *RESULTS_PUBLIC_STATES) if staff else RESULTS_PUBLIC_STATES
    return election.state in allowed and ElectionResult.objects.filter(election=election).exists()


TALLY_STEP_LABELS = {
    "check": _("بررسی برابری برگه‌های رای و مشارکت‌ها"),
    "count": _("شمارش آرا در پایگاه داده"),
    "positions": _("واگذاری کرسی‌های هر سمت"),
    "store": _("ذخیره نتیجه"),
}


def election_tally_run_latest(*, election: Election) -> TallyRun | None:
    """The admin's view of the last «شمارش آرا»: state, times, step and progress, failure."""
    run = election.tally_runs.select_related("requested_by").first()
    if run is not None:
        run.step_label = TALLY_STEP_LABELS.get(run.step, "")
    return run


def result_for_display(*, result: ElectionResult) -> dict:
    """Positions with candidates ordered by votes, each with its share of the ballots as a
    percentage (for the bar charts) and the turnout."""
    ballots = result.ballots
    positions = []
    for position in result.positions.values():
        top = max((c["votes"] for c in position["candidates"]), default=0) or 1
        candidates = [
            {
                **c,
                "percent": round(100 * c["votes"] / ballots, 1) if ballots else 0.0,
                "bar": round(100 * c["votes"] / top),
                "bar_offset": 100 - round(100 * c["votes"] / top),  # RTL bars grow from the right
            }
            for c in position["candidates"]
        ]
        positions.append({**position, "candidates": candidates, "elected": [c for c in candidates if c["is_elected"]]})
    turnout = round(100 * ballots / result.approved_members, 1) if result.approved_members else 0.0
    return {
        "positions": positions,
        "ballots": ballots,
        "approved_members": result.approved_members,
        "turnout": turnout,
        "turnout_offset": round(100 - turnout, 1),
        "has_ties": result.has_ties,
        "audit_head_hash": result.audit_head_hash,
        "tallied_at": result.tallied_at,
    }


# Issue 12: the trackers board is public from the opening of the vote on.
TRACKER_BOARD_STATES = (
    ElectionState.OPEN,
    ElectionState.CLOSED,
    ElectionState.TALLIED,
    ElectionState.PUBLISHED,
    ElectionState.ARCHIVED,
)
TRACKER_MIN_DIGITS = 16  # a voter may type the first 16 characters or more


def election_trackers_visible(*, election: Election) -> bool:
    return election.state in TRACKER_BOARD_STATES


def tracker_is_cast(*, election: Election, tracker: str) -> bool:
    """R2, issue 12: is a ballot with this tracker (or with a tracker starting with these
    16 or more characters) in the election's ballot box? Says nothing else."""
    if len(tracker) < TRACKER_MIN_DIGITS:
        return False
    return election.cast_ballots.filter(tracker__startswith=tracker).exists()


def election_tracker_count(*, election: Election) -> int:
    return election.cast_ballots.count()


def election_audit_summary(*, election: Election) -> list[dict]:
    """R3: the election's lifecycle transitions from the audit log (no actors' identities)."""
    entries = AuditEntry.objects.filter(target_type="election_pages.election", target_id=str(election.pk)).order_by(
        "seq"
    )
    return [
        {"seq": e.seq, "action": e.action, "at": e.created_at, "hash": e.entry_hash}
        for e in entries.only("seq", "action", "created_at", "entry_hash")
    ]


def election_minutes(*, election: Election) -> dict:
    """Everything the official minutes («صورتجلسه») state: the election, its window, the
    tally, each position's ranking with the elected marked, boundary ties and how they are
    resolved, blank ballots, and the audit chain's head hash at the tally."""
    result = election.result
    shown = result_for_display(result=result)
    positions = []
    for position in shown["positions"]:
        tied = [c for c in position["candidates"] if c["is_tied"]]
        lot = position.get("lot")  # {"seed", "winners": [candidate ids]} once a lot is recorded
        positions.append(
            {
                **position,
                "tied": tied,
                "lot_seed": lot.get("seed") if lot else "",
                "lot_winners": [c for c in tied if lot and c["id"] in lot.get("winners", [])],
            }
        )
    return {
        **shown,
        "election": election,
        "association": election.association,
        "positions": positions,
        "is_preview": election.state == ElectionState.TALLIED,
    }
