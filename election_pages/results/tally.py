"""Seat assignment from vote counts (SPEC R1): pure functions, no database.

Seats of a position go to the candidates with the most votes. When candidates with equal
votes straddle the last seat, the tie is reported, never broken silently: the tied
candidates are listed and those seats stay open until the association's rule decides
(a documented lot with a recorded seed, `lot_draw`, or the admin's choice).
"""

import hashlib
import random
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SeatAssignment:
    seats: int
    elected: tuple[int, ...]
    tied: tuple[int, ...] = ()
    seats_in_tie: int = 0
    ranking: tuple[tuple[int, int], ...] = field(default=())

    @property
    def has_tie(self) -> bool:
        return bool(self.tied)


def seats_assign(*, votes: dict[int, int], seats: int) -> SeatAssignment:
    """Assign `seats` among candidates by `votes` ({candidate_id: count}).

    Candidates whose count ties across the seat boundary are returned in `tied`, with
    `seats_in_tie` seats left for them; everyone strictly above the boundary is elected.
    Candidates with no votes are never elected by default.
    """
    if seats < 0:
        raise ValueError("seats must not be negative")
    ranking = tuple(sorted(votes.items(), key=lambda item: (-item[1], item[0])))
    eligible = [(cid, count) for cid, count in ranking if count > 0]
    if len(eligible) <= seats:
        return SeatAssignment(seats, tuple(cid for cid, _ in eligible), ranking=ranking)
    if seats == 0:
        return SeatAssignment(0, (), ranking=ranking)
    boundary = eligible[seats - 1][1]
    above = [cid for cid, count in eligible if count > boundary]
    at_boundary = [cid for cid, count in eligible if count == boundary]
    if len(above) + len(at_boundary) == seats:
        return SeatAssignment(seats, tuple(above + at_boundary), ranking=ranking)
    return SeatAssignment(
        seats, tuple(above), tied=tuple(at_boundary), seats_in_tie=seats - len(above), ranking=ranking
    )


def lot_draw(*, tied: tuple[int, ...], seats: int, seed: str) -> tuple[int, ...]:
    """A reproducible lot: anyone holding the recorded `seed` gets the same winners.

    The seed is hashed to seed Python's Mersenne Twister; candidates are sorted first so
    the outcome does not depend on the order they were given in.
    """
    if not 0 <= seats <= len(tied):
        raise ValueError("cannot draw more seats than tied candidates")
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    rng = random.Random(int(digest, 16))  # noqa: S311 - reproducibility, not secrecy, is the point
    return tuple(sorted(rng.sample(sorted(tied), seats)))
