"""Unsealing and purging the ballot box (issue 12, SPEC V7, R1).

Unsealing: after the close, k supervisors bring their share phrases together, in one
request of the admin's unseal page or one `manage.py election_unseal` session; never
through Celery or any queue. The key is rebuilt in memory, every ciphertext is opened (on
all cores for a large box), the ballots are shuffled with the OS's CSPRNG and written as
anonymous ballots with random ids, in that random order, in one transaction; then the key
is dropped. A ciphertext that does not open, or opens to something that is not a ballot of
this election, is a spoiled ballot: counted in the minutes, never blocking the tally.

Running it again before the tally replaces the anonymous ballots with the same multiset in
a new random order, so the result is the same.

Purging: when the results are published the ciphertexts are deleted (the trackers stay),
and the table is rewritten so that not even dead row versions remain.
"""

import gc
import logging
import multiprocessing
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from cms_site.audit.services import audit_record
from cms_site.common.digits import persian_digits
from election_pages.lifecycle.models import Election, ElectionState
from election_pages.lifecycle.selectors import election_ballot_positions
from election_pages.secrecy import crypto
from election_pages.secrecy.errors import UnsealError

from .models import AnonymousBallot, CastBallot, Participation

logger = logging.getLogger(__name__)

# Below this many ballots one process opens them all; above, a pool of one per core.
PARALLEL_FROM = 2000
CHUNK = 500

Progress = Callable[[int, int], None]

_SHARE_REASONS = {
    crypto.ShareError.MALFORMED: UnsealError.MALFORMED,
    crypto.ShareError.OTHER_ELECTION: UnsealError.OTHER_ELECTION,
    crypto.ShareError.TOO_FEW: UnsealError.TOO_FEW,
    crypto.ShareError.DUPLICATE: UnsealError.DUPLICATE,
    crypto.ShareError.WRONG_KEY: UnsealError.WRONG_KEY,
}

# The worker processes' copy of the keys: set before the fork, never sent over a pipe.
_POOL_KEYS: tuple[bytes, bytes] | None = None


def _open_chunk(ciphertexts: list[bytes]) -> list:
    private, public = _POOL_KEYS
    return [crypto.ballot_open(c, private=private, public=public) for c in ciphertexts]


@sensitive_variables()
def ballots_open(ciphertexts: list[bytes], *, private: bytes, public: bytes, progress: Progress | None = None) -> list:
    """Open every ciphertext (None for one that does not open), in the given order. Uses a
    fork pool of one process per core for large boxes; the key reaches the workers through
    the fork's copy of memory, not a pipe."""
    global _POOL_KEYS
    total = len(ciphertexts)
    chunks = [ciphertexts[i : i + CHUNK] for i in range(0, total, CHUNK)]
    cores = os.cpu_count() or 1
    opened: list = []
    if total < PARALLEL_FROM or cores == 1:
        for chunk in chunks:
            opened.extend(crypto.ballot_open(c, private=private, public=public) for c in chunk)
            if progress:
                progress(len(opened), total)
        return opened
    _POOL_KEYS = (private, public)
    # The collector would walk every object Django loaded, again and again, while the
    # results stream in (measured in bench/unseal_bench.py): off for the pool's lifetime.
    gc.freeze()
    gc.disable()
    try:
        with multiprocessing.get_context("fork").Pool(cores) as pool:
            for result in pool.imap(_open_chunk, chunks):
                opened.extend(result)
                if progress:
                    progress(len(opened), total)
    finally:
        _POOL_KEYS = None
        gc.enable()
        gc.unfreeze()
    return opened


def _valid_ballot(choices: dict | None, limits: dict[str, tuple[int, set[int]]]) -> dict | None:
    """The choices as the tally expects them, or None if they are not a ballot of this
    election (a position missing or unknown, a candidate not on it, over the limit)."""
    if choices is None or set(choices) != set(limits):
        return None
    clean = {}
    for key, ids in choices.items():
        limit, allowed = limits[key]
        if len(ids) > limit or len(set(ids)) != len(ids) or not set(ids) <= allowed:
            return None
        clean[key] = sorted(ids)
    return clean


@sensitive_variables()
def _shares_check(*, election: Election, phrases: list[str]) -> bytes:
    """The election's private key from the phrases, or the `UnsealError` naming the problem."""
    if election.state in (ElectionState.TALLIED, ElectionState.PUBLISHED, ElectionState.ARCHIVED):
        raise UnsealError(UnsealError.ALREADY_COUNTED)
    if election.state != ElectionState.CLOSED:
        raise UnsealError(UnsealError.NOT_CLOSED)
    try:
        return crypto.key_combine(
            [p for p in phrases if p.strip()],
            identifier=election.key_share_set,
            threshold=election.supervisor_threshold,
            public=crypto.unb64(election.public_key),
        )
    except crypto.ShareError as exc:
        numbers = {"index": persian_digits((exc.index or 0) + 1)} if exc.index is not None else {}
        if exc.reason == crypto.ShareError.TOO_FEW:
            numbers = {"threshold": persian_digits(election.supervisor_threshold)}
        raise UnsealError(_SHARE_REASONS[exc.reason], **numbers) from None


@sensitive_variables()  # error reports never show the phrases or the key
def election_unseal(*, election_id: int, phrases: list[str], actor, progress: Progress | None = None) -> Election:
    """Rebuild the key from the supervisors' phrases and unseal the ballot box.

    Refusals (`UnsealError`, nothing written): a phrase that is not a share, a share of
    another election, a share twice, fewer than k shares, shares that do not make this
    election's key, an election not closed or already counted, and a ballot box whose size
    differs from the number of voters."""
    election = Election.objects.get(pk=election_id)
    phrases = [p for p in phrases if p.strip()]
    public = crypto.unb64(election.public_key)
    private = _shares_check(election=election, phrases=phrases)
    rows = list(CastBallot.objects.filter(election_id=election_id).values_list("ciphertext", flat=True))
    participations = Participation.objects.filter(election_id=election_id).count()
    if len(rows) != participations:
        raise UnsealError(
            UnsealError.COUNT_MISMATCH, cast=persian_digits(len(rows)), participations=persian_digits(participations)
        )
    opened = ballots_open([bytes(r) for r in rows if r is not None], private=private, public=public, progress=progress)
    del private
    limits = {
        str(p.pk): (p.selection_limit, {c.pk for c in p.ballot_candidates})
        for p in election_ballot_positions(election=election)
    }
    ballots = [b for b in (_valid_ballot(c, limits) for c in opened) if b is not None]
    spoiled = len(rows) - len(ballots)
    secrets.SystemRandom().shuffle(ballots)
    with transaction.atomic():
        locked = Election.objects.select_for_update().get(pk=election_id)
        if locked.state != ElectionState.CLOSED:
            raise UnsealError(UnsealError.NOT_CLOSED)
        AnonymousBallot.objects.filter(election_id=election_id).delete()
        AnonymousBallot.objects.bulk_create(
            [
                AnonymousBallot(
                    id=uuid.UUID(bytes=secrets.token_bytes(16), version=4), election_id=election_id, choices=b
                )
                for b in ballots
            ],
            batch_size=1000,
        )
        locked.unsealed_at = timezone.now()
        locked.unsealed_ballots = len(ballots)
        locked.spoiled_ballots = spoiled
        locked.save(update_fields=["unsealed_at", "unsealed_ballots", "spoiled_ballots"])
        audit_record(
            actor=actor,
            action="election.unseal",
            target=locked,
            payload={"ballots": len(ballots), "spoiled": spoiled, "shares": len(phrases)},
        )
    logger.info("ballot box unsealed", extra={"election_id": election_id})
    return locked


# --- The admin page's unsealing of a large box, with a progress bar --------------------
def _progress_key(election_id: int) -> str:
    return f"unseal-progress:{election_id}"


def unseal_progress(*, election_id: int) -> dict | None:
    """{"state": "running"|"failed", "done", "total", "message"} of a background unsealing
    (numbers and a refusal's words only; never a share), or None."""
    return cache.get(_progress_key(election_id))


def unseal_runs_in_background(*, election_id: int) -> bool:
    """A box this large is opened behind the admin's page, which shows a progress bar."""
    return CastBallot.objects.filter(election_id=election_id).count() >= settings.UNSEAL_BACKGROUND_FROM


@sensitive_variables()
def election_unseal_start(*, election_id: int, phrases: list[str], actor) -> None:
    """Check the shares now (a refusal is raised at once, as `UnsealError`), then unseal in a
    thread of this web process: the phrases never leave its memory (no queue, no broker).
    The thread writes its progress to the cache for the page to show; the result itself is
    the election's `unsealed_at` (one transaction, so an interrupted run writes nothing and
    the supervisors simply start again)."""
    election = Election.objects.get(pk=election_id)
    _shares_check(election=election, phrases=phrases)
    cache.set(_progress_key(election_id), {"state": "running", "done": 0, "total": 0, "message": ""}, 3600)

    def report(done: int, total: int) -> None:
        cache.set(_progress_key(election_id), {"state": "running", "done": done, "total": total, "message": ""}, 3600)

    def run() -> None:
        try:
            election_unseal(election_id=election_id, phrases=phrases, actor=actor, progress=report)
        except UnsealError as error:
            cache.set(
                _progress_key(election_id), {"state": "failed", "done": 0, "total": 0, "message": str(error)}, 3600
            )
        except Exception:
            logger.exception("background unsealing failed", extra={"election_id": election_id})
            cache.set(_progress_key(election_id), {"state": "failed", "done": 0, "total": 0, "message": ""}, 3600)
        else:
            cache.delete(_progress_key(election_id))
        finally:
            phrases.clear()
            connections.close_all()

    threading.Thread(target=run, name=f"unseal-{election_id}", daemon=True).start()


def ciphertexts_purge(*, election, actor) -> dict:
    """Transition effect of `publish_results`: delete the ciphertexts, keep the trackers."""
    purged = CastBallot.objects.filter(election_id=election.pk, ciphertext__isnull=False).update(ciphertext=None)
    election.ciphertexts_purged_at = timezone.now()  # saved with the transition
    return {"ciphertexts_purged": purged}


def ballot_box_rewrite(*, election_id: int) -> None:
    """After the purge has committed: rewrite the ballot box table, so that the deleted
    ciphertexts' old row versions are gone from the live database files too.

    PostgreSQL keeps a dead row version that a snapshot older than the purge might still
    see (an autovacuum ANALYZE, a report left running), even through VACUUM FULL. So on
    PostgreSQL the rewrite first waits, up to `BALLOT_BOX_REWRITE_WAIT_SECONDS`, for every
    other transaction of this database that began before it to end; one still open then
    is logged (the operator runs `VACUUM FULL` on the table again; docs/operations.md)."""
    if connection.in_atomic_block:  # neither database rewrites a table inside a transaction
        return
    table = connection.ops.quote_name(CastBallot._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("VACUUM")
            return
        deadline = time.monotonic() + settings.BALLOT_BOX_REWRITE_WAIT_SECONDS
        older = 1
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL AND xact_start < statement_timestamp()"
            )
            older = cursor.fetchone()[0]
            if not older or time.monotonic() >= deadline:
                break
            time.sleep(0.1)
        cursor.execute(f"VACUUM FULL {table}")  # noqa: S608 - a model's own table name
    if older:
        logger.warning(
            "ballot box rewritten while %s older transaction(s) were open: run VACUUM FULL on it again",
            older,
            extra={"election_id": election_id},
        )
