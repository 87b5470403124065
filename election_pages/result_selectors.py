"""Reads for the results pages: the stored result shaped for display, receipts, audit summary."""

from cms_site.audit.models import AuditEntry

from .models import RESULTS_PUBLIC_STATES, Election, ElectionResult, ElectionState


def election_results_visible(*, election: Election, user) -> bool:
    """R1: staff review a stored result from the tally on; everyone sees it once published."""
    staff = bool(user and user.is_authenticated and user.is_staff)
    allowed = (ElectionState.TALLIED, *RESULTS_PUBLIC_STATES) if staff else RESULTS_PUBLIC_STATES
    return election.state in allowed and ElectionResult.objects.filter(election=election).exists()


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


def receipt_is_counted(*, election: Election, receipt: str) -> bool:
    """R2: is this receipt among the election's counted (sealed) ballots? Says nothing else."""
    return election.sealed_ballots.filter(receipt=receipt).exists()


def election_audit_summary(*, election: Election) -> list[dict]:
    """R3: the election's lifecycle transitions from the audit log (no actors' identities)."""
    entries = AuditEntry.objects.filter(target_type="election_pages.election", target_id=str(election.pk)).order_by(
        "seq"
    )
    return [
        {"seq": e.seq, "action": e.action, "at": e.created_at, "hash": e.entry_hash}
        for e in entries.only("seq", "action", "created_at", "entry_hash")
    ]
