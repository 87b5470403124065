"""Issue 12 on PostgreSQL: an attacker who reads the whole database (`pg_dump`, row order,
`ctid`, `xmin`, the table's file) links no voter to a choice.

The attacker knows who voted in which order: `Participation.created_at` and the audit
entries «ballot.confirm» (by `seq`) give it away, and these tests check that they do. So
the only thing between that order and the choices is what the ballot box stores:
- while the election is open: ciphertexts only, no readable choice anywhere;
- after the unsealing: anonymous ballots in an order that says nothing about the voting
  order (shuffled with the OS's CSPRNG, random ids, written in one transaction);
- after the publication: the ciphertexts gone from the rows, the dump and the table's file.

The order attack, kept simple: every voter chose a different ballot, so a ballot *is* its
voter for whoever can line the rows up with the voting order. The attacker guesses «the
i-th row is the ballot of the i-th voter» (or of the i-th voter from the end); the number
of positions where that guess is right is compared with what chance gives.
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import uuid
from fractions import Fraction
from itertools import combinations
from math import comb, factorial

import pytest
from django.db import connection

from cms_site.audit.models import AuditEntry
from election_pages.lifecycle.services import election_transition
from election_pages.results.services import election_tally
from election_pages.secrecy import crypto
from election_pages.voting import services
from election_pages.voting.models import AnonymousBallot, BallotSession, CastBallot, Participation
from tests import services as real_services
from tests.factories import StaffFactory
from tests.secrecy_helpers import TEST_SELECTIONS_KEY, unseal
from tests.voting_helpers import open_election_with_ballot, sms_code, voter_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ANONYMOUS = AnonymousBallot._meta.db_table
CAST = CastBallot._meta.db_table

VOTERS = 16  # each with a ballot of their own (45 different ballots are possible)
ROUNDS = 2  # unsealings before the tally; each one shuffles the ballots afresh


# --- How much chance allows ------------------------------------------------------------
# For a uniformly random order of n ballots, the number of positions where the guess «row i
# is voter i's ballot» is right is the number of fixed points of a random permutation:
# P(k) = C(n, k) · D(n − k) / n!, D(m) the derangements of m items. The mean is 1 whatever n.
def _fixed_points(n: int) -> list[Fraction]:
    def derangements(m: int) -> int:
        return int(factorial(m) * sum(Fraction((-1) ** j, factorial(j)) for j in range(m + 1)))

    return [Fraction(comb(n, k) * derangements(n - k), factorial(n)) for k in range(n + 1)]


def _sum_of(distribution: list[Fraction], times: int) -> list[Fraction]:
    """The distribution of the sum of `times` independent draws."""
    total = [Fraction(1)]
    for _ in range(times):
        step = [Fraction(0)] * (len(total) + len(distribution) - 1)
        for i, p in enumerate(total):
            for j, q in enumerate(distribution):
                step[i + j] += p * q
        total = step
    return total


def _tail(distribution: list[Fraction], at_least: int) -> float:
    return float(sum(distribution[at_least:]))


# The random orders the attack reads. Per unsealing two independent ones: the physical order
# (pg_dump's COPY order = ctid order; xmin and election_id are one value for all the
# ballots, so sorting by them gives the physical order back: asserted) and the order of the
# random ids. Once: the order by choices, random only because the voters' ballots were
# dealt to them at random (a sort by content can never say more than how the voters were
# lined up). Each is read forwards and backwards.
PERMUTATIONS = 2 * ROUNDS + 1
ALIGNMENTS = 2 * PERMUTATIONS
# One alignment may hit at most half the voters by chance: P(≥ 9 of 16) ≈ 1.1e-6 each.
ONE_ORDER_MAX = 8
# All forward (or all backward) alignments together: mean 5; P(sum ≥ 18) ≈ 5.4e-6.
ALL_ORDERS_MAX = 17
FALSE_ALARM = ALIGNMENTS * _tail(_fixed_points(VOTERS), ONE_ORDER_MAX + 1) + 2 * _tail(
    _sum_of(_fixed_points(VOTERS), PERMUTATIONS), ALL_ORDERS_MAX + 1
)
assert FALSE_ALARM < 1e-4, FALSE_ALARM  # ≈ 2.2e-5: this test fails by bad luck 1 run in ~45,000


# --- The attacker's tools --------------------------------------------------------------
def _pg_dump() -> str:
    """The whole test database as `pg_dump --data-only` text (COPY blocks)."""
    binary = shutil.which("pg_dump")
    real_services.require("pg_dump", binary is not None, "apt-get install postgresql-client")
    db = connection.settings_dict
    command = [binary, "--data-only", "--no-owner", "-d", db["NAME"]]
    command += ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432)]
    command += ["-U", db.get("USER") or "postgres"]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return subprocess.run(command, capture_output=True, text=True, check=True, env=env, timeout=120).stdout


def _copy_rows(dump: str, table: str) -> list[dict]:
    """The rows of `table` in the dump, in its COPY order (the order pg_dump read them)."""
    match = re.search(rf"^COPY public\.{table} \(([^)]*)\) FROM stdin;\n(.*?)^\\\.$", dump, re.M | re.S)
    assert match, f"{table} is not in the dump"
    columns = match.group(1).split(", ")
    return [dict(zip(columns, line.split("\t"), strict=True)) for line in match.group(2).splitlines()]


def _key(choices: dict) -> bytes:
    """A ballot, comparable whatever its key order or spacing: the canonical JSON."""
    return crypto.ballot_json(choices)


def _rows(sql: str, params=()) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _anonymous_orders(election) -> dict[str, list[bytes]]:
    """The anonymous ballots as the attacker can line them up: dump order, ctid order,
    xmin order and sorted by each column."""
    orders = {
        "pg_dump": [
            _key(json.loads(row["choices"]))
            for row in _copy_rows(_pg_dump(), ANONYMOUS)
            if row["election_id"] == str(election.pk)
        ]
    }
    by = {
        "ctid": "ctid",
        "xmin": "xmin::text::bigint",
        "id": "id",
        "choices": "choices",
        "election_id": "election_id",
    }
    for name, expression in by.items():
        sql = f"SELECT choices::text FROM {ANONYMOUS} WHERE election_id = %s ORDER BY {expression}"  # noqa: S608
        orders[name] = [_key(json.loads(text)) for (text,) in _rows(sql, [election.pk])]
    return orders


def _matches(order: list[bytes], voted: list[bytes]) -> int:
    """How often the guess «the i-th row is the ballot of the i-th voter» is right."""
    return sum(row == ballot for row, ballot in zip(order, voted, strict=True))


def _order_attacks(election, voted: list[bytes]) -> tuple[dict, dict[str, tuple[int, int]]]:
    """Every order attack on the anonymous ballots; each alignment (forwards, backwards)
    must do no better than chance. Returns the orders and {name: (forwards, backwards)}."""
    orders = _anonymous_orders(election)
    for name, order in orders.items():
        assert sorted(order) == sorted(voted), f"{name}: the anonymous ballots are not the cast ones"
    # One transaction wrote them all, so xmin tells them apart no more than election_id.
    xmins = _rows(f"SELECT DISTINCT xmin::text FROM {ANONYMOUS} WHERE election_id = %s", [election.pk])  # noqa: S608
    assert len(xmins) == 1, "the anonymous ballots were not written in one transaction"
    # Hence the physical order is one permutation, however it is read.
    for name in ("ctid", "xmin", "election_id"):
        assert orders[name] == orders["pg_dump"], name
    hits = {name: (_matches(order, voted), _matches(order[::-1], voted)) for name, order in orders.items()}
    for name, (forwards, backwards) in hits.items():
        assert forwards <= ONE_ORDER_MAX and backwards <= ONE_ORDER_MAX, (name, hits)
    return orders, hits


def _jsonb_text(choices: dict) -> str:
    """PostgreSQL's own text of the choices as jsonb: what a jsonb column dumps."""
    return _rows("SELECT %s::jsonb::text", [json.dumps(choices)])[0][0]


def _choice_texts(choices: dict) -> list[str]:
    """How a voter's choices would read if they were stored in the clear: the canonical
    JSON (what is sealed), Python's compact JSON in either key order (what the selections
    hold before sealing) and PostgreSQL's own jsonb text (what a jsonb column dumps)."""
    items = list(choices.items())
    texts = {crypto.ballot_json(choices).decode()}
    for order in (items, items[::-1]):
        texts.add(json.dumps(dict(order), separators=(",", ":")))
        texts.add(json.dumps(dict(order)))
    texts.add(_jsonb_text(choices))
    return sorted(texts)


def _any_ballot(board) -> re.Pattern:
    """Any JSON list of candidates under the board position's id, in any spacing."""
    return re.compile(rf'"{board.pk}"\s*:\s*\[[\d,\s]*\]')


def _heap_file(table: str) -> bytes | None:
    """The table's main file on disk (dead row versions included), after a checkpoint has
    written every changed page out; None when the test's database user is no superuser."""
    if not _rows("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")[0][0]:
        return None
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
    return bytes(_rows("SELECT pg_read_binary_file(pg_relation_filepath(%s))", [table])[0][0])


# --- Voting ----------------------------------------------------------------------------
def _all_ballots(board, inspector, board_candidates, inspector_candidates) -> list[dict]:
    """Every different ballot: up to 3 of the 4 board candidates, none or one inspector."""
    boards = [list(c) for size in range(4) for c in combinations(sorted(c.pk for c in board_candidates), size)]
    inspectors = [[]] + [[c.pk] for c in inspector_candidates]
    return [{str(board.pk): b, str(inspector.pk): i} for b in boards for i in inspectors]


def _start(election, member, choices: dict, key: bytes):
    """Through the services up to the review page: channel, selections stored, code sent."""
    session = services.ballot_session_start(election_id=election.pk, member=member)
    services.ballot_channel_choose(session_id=session.pk, member=member, channel="sms")
    services.ballot_select(session_id=session.pk, member=member, selections=choices, key=key)
    services.ballot_code_request(session_id=session.pk, member=member)
    return session


def _vote(election, choices: dict, key: bytes = TEST_SELECTIONS_KEY) -> tuple:
    member = voter_for(election)
    session = _start(election, member, choices, key)
    tracker = services.ballot_confirm(session_id=session.pk, member=member, code=sms_code(), key=key)
    return member, tracker


def test_dump_attacks_link_no_voter_to_a_choice(django_capture_on_commit_callbacks):
    election, board, inspector, board_candidates, inspector_candidates = open_election_with_ballot()
    # The ballots are dealt to the voters at random, so the voting order is independent of
    # anything in the ballots themselves (see PERMUTATIONS on sorting by choices).
    dealt = secrets.SystemRandom().sample(
        _all_ballots(board, inspector, board_candidates, inspector_candidates), VOTERS
    )
    ballot_of, trackers = {}, []  # member id → the ballot they cast: what the attacker is after
    for choices in dealt:
        member, tracker = _vote(election, choices)
        ballot_of[member.pk] = _key(choices)
        trackers.append(tracker)
    assert len(set(ballot_of.values())) == VOTERS

    # The voting order is no secret: the participations and the audit trail both give it.
    by_participation = list(
        Participation.objects.filter(election=election).order_by("created_at", "pk").values_list("member_id", flat=True)
    )
    confirmed_sessions = (
        AuditEntry.objects.filter(action="ballot.confirm").order_by("seq").values_list("target_id", flat=True)
    )
    member_of_session = dict(BallotSession.objects.filter(election=election).values_list("pk", "member_id"))
    by_audit = [member_of_session[uuid.UUID(s)] for s in confirmed_sessions]
    assert by_participation == by_audit == list(ballot_of), "the attacker knows the voting order"
    voted = [ballot_of[member_id] for member_id in by_participation]  # the i-th voter's ballot

    # (a) Open: the dump holds the ballot box, sealed, and no readable choice anywhere.
    dump = _pg_dump()
    ciphertexts = [bytes(c) for c in CastBallot.objects.filter(election=election).values_list("ciphertext", flat=True)]
    assert len(ciphertexts) == VOTERS
    for ciphertext in ciphertexts:
        assert "\\\\x" + ciphertext.hex() in dump, "the dump holds the ciphertexts (bytea as hex)"
    assert _copy_rows(dump, ANONYMOUS) == [] and not AnonymousBallot.objects.exists()
    assert not _any_ballot(board).search(dump), "a readable ballot in the dump while the election is open"
    for choices in dealt:
        for text in _choice_texts(choices):
            assert text not in dump, text
    assert not BallotSession.objects.filter(election=election, selections_sealed__isnull=False).exists()
    heap = _heap_file(CAST)
    if heap is not None:  # positive control for (c): the table's file holds the ciphertexts
        assert all(ciphertext in heap for ciphertext in ciphertexts)

    # (b) Closed and unsealed (twice: a second unsealing replaces the ballots, reshuffled).
    staff = StaffFactory()
    election_transition(election_id=election.pk, transition="force_close", actor=staff, reason="آزمون")
    forwards_total = backwards_total = 0
    for _ in range(ROUNDS):
        unseal(election, actor=staff)
        orders, hits = _order_attacks(election, voted)
        forwards_total += hits["pg_dump"][0] + hits["id"][0]
        backwards_total += hits["pg_dump"][1] + hits["id"][1]
    forwards_total += hits["choices"][0]  # the same each round: counted once
    backwards_total += hits["choices"][1]
    assert forwards_total <= ALL_ORDERS_MAX and backwards_total <= ALL_ORDERS_MAX, (forwards_total, backwards_total)
    # Positive control for (a): now that the ballots are readable, the same greps find each.
    dump = _pg_dump()
    assert len(_any_ballot(board).findall(dump)) == VOTERS
    for choices in dealt:
        assert dump.count(_jsonb_text(choices)) == 1

    # (c) Tallied and published: the ciphertexts are purged and the table rewritten.
    election_tally(election_id=election.pk, actor=staff)
    # transaction=True: the after-commit rewrite (VACUUM FULL) runs at the commit itself,
    # outside any transaction; capturing changes nothing but keeps the intent visible.
    file_before = _rows("SELECT pg_relation_filepath(%s)", [CAST])[0][0]
    with django_capture_on_commit_callbacks(execute=True):
        election_transition(election_id=election.pk, transition="publish_results", actor=staff)
    assert _rows("SELECT pg_relation_filepath(%s)", [CAST])[0][0] != file_before, "the ballot box was not rewritten"
    assert list(CastBallot.objects.filter(election=election).values_list("ciphertext", flat=True)) == [None] * VOTERS
    assert sorted(CastBallot.objects.filter(election=election).values_list("tracker", flat=True)) == sorted(trackers)
    assert sorted(trackers) == sorted(crypto.tracker(c) for c in ciphertexts)
    dump = _pg_dump()
    for ciphertext in ciphertexts:
        assert ciphertext.hex() not in dump, "a purged ciphertext is still in the dump"
    for tracker in trackers:
        assert tracker in dump
    heap = _heap_file(CAST)
    if heap is not None:
        assert not any(ciphertext in heap for ciphertext in ciphertexts), "dead row versions kept a ciphertext"
    # The anonymous ballots were not touched: the same orders, the same (chance) hits.
    assert _order_attacks(election, voted) == (orders, hits)


def test_no_plaintext_choice_before_unsealing():
    """Voters on the review page (selections stored), one who chose but has no code yet,
    and voters who confirmed: no row of any table holds anyone's choices in the clear,
    nor the keys their browsers hold."""
    election, board, inspector, board_candidates, inspector_candidates = open_election_with_ballot()
    ballots = secrets.SystemRandom().sample(_all_ballots(board, inspector, board_candidates, inspector_candidates), 7)
    keys = [crypto.selections_key_new() for _ in ballots]
    reviewing = []
    for choices, key in zip(ballots[:3], keys[:3], strict=True):  # on the review page, code sent
        member = voter_for(election)
        reviewing.append(_start(election, member, choices, key))
    chooser = voter_for(election)  # chose, no channel code asked yet
    session = services.ballot_session_start(election_id=election.pk, member=chooser)
    services.ballot_channel_choose(session_id=session.pk, member=chooser, channel="sms")
    services.ballot_select(session_id=session.pk, member=chooser, selections=ballots[3], key=keys[3])
    reviewing.append(session)
    for choices, key in zip(ballots[4:], keys[4:], strict=True):  # confirmed
        _vote(election, choices, key)

    dump = _pg_dump()
    assert _copy_rows(dump, ANONYMOUS) == []
    assert not _any_ballot(board).search(dump), "a readable ballot in the dump before the unsealing"
    for choices in ballots:
        for text in _choice_texts(choices):
            assert text not in dump, text
    for key in keys:
        for text in (key.hex(), crypto.b64(key), crypto.b64(key).rstrip("=")):
            assert text not in dump, "a voter's selections key is on the server"
    # Positive control: the stored selections are in the dump, sealed, and are the choices.
    for session, choices, key in zip(reviewing, ballots, keys, strict=False):
        sealed = bytes(BallotSession.objects.get(pk=session.pk).selections_sealed)
        assert "\\\\x" + sealed.hex() in dump
        assert crypto.selections_open(sealed, key=key) == {k: sorted(v) for k, v in choices.items()}
    assert BallotSession.objects.filter(election=election, selections_sealed__isnull=False).count() == 4
