"""Reads for the supervisors' pages and the election admin (issue 12)."""

from .models import ElectionSupervisor, SupervisorKey


def supervisor_key_for(*, user) -> SupervisorKey | None:
    return SupervisorKey.objects.filter(user=user).first()


def supervised_elections(*, user) -> list[ElectionSupervisor]:
    """The seats this person holds, newest election first, with each sealed share."""
    return list(
        ElectionSupervisor.objects.filter(user=user).select_related("election", "election__association").order_by(
            "-election__voting_starts_at"
        )
    )


def election_supervision(*, election) -> dict:
    """The election's supervisors, whether each registered a key and holds a sealed share,
    and the ceremony's state, for the admin page."""
    seats = list(
        ElectionSupervisor.objects.filter(election=election).select_related("user", "user__supervisor_key").order_by(
            "added_at", "pk"
        )
    )
    rows = [
        {
            "user": seat.user,
            "key_fingerprint": getattr(getattr(seat.user, "supervisor_key", None), "fingerprint", ""),
            "has_share": seat.sealed_share is not None,
        }
        for seat in seats
    ]
    return {
        "rows": rows,
        "threshold": election.supervisor_threshold,
        "count": len(rows),
        "is_ready": bool(election.public_key),
        "fingerprint": election.key_fingerprint,
        "missing_keys": [r["user"] for r in rows if not r["key_fingerprint"]],
        "is_single": len(rows) == 1 or election.supervisor_threshold == 1,
    }
