"""Tally benchmark (SPEC R1): count N sealed ballots on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/tally_bench.py 1000000

Builds (once) an election with two positions (3 seats of 6, 1 seat of 2), N approved
members, N participations and N sealed ballots with random choices, written by SQL for
speed. Then times, in the same run, the full tally service (`election_tally_compute`:
ballots = participations check, DB aggregation, seats) against a baseline of one
sequential scan of the same ballots table (`SELECT count(*)` with JSON parsing forced off),
and prints the figure as a ratio to that baseline, since this machine is shared and noisy.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms_site.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from election_pages.lifecycle.models import ElectionState  # noqa: E402
from election_pages.results.services import election_tally_compute  # noqa: E402
from election_pages.voting.models import Participation, SealedBallot  # noqa: E402
from member_workflow.models import Association, Member, Membership  # noqa: E402
from tests.factories import CandidateFactory, ElectionFactory, PositionFactory  # noqa: E402


def build(n: int):
    association, _ = Association.objects.get_or_create(slug="bench", defaults={"name": "انجمن محک"})
    election = association.elections.filter(state=ElectionState.CLOSED).first()
    if election and SealedBallot.objects.filter(election=election).count() == n:
        return election
    election = ElectionFactory(association=association, state=ElectionState.CLOSED)
    board = PositionFactory(election=election, name="هیات مدیره", selection_limit=3, seats=3)
    inspector = PositionFactory(election=election, name="بازرس", selection_limit=1, seats=1)
    b = [CandidateFactory(position=board).pk for _ in range(6)]
    i = [CandidateFactory(position=inspector).pk for _ in range(2)]
    tables = {m: connection.ops.quote_name(m._meta.db_table) for m in (Member, Membership, Participation, SealedBallot)}
    with connection.cursor() as cur:
        start = Member.objects.count()
        cur.execute(
            f"""INSERT INTO {tables[Member]} (username, password, first_name, last_name, email, is_staff,
                    is_active, is_superuser, date_joined)
                SELECT lpad((9000000000 + g)::text, 10, '0'), '!', '', '', '', false, true, false, now()
                FROM generate_series(%s, %s) g ON CONFLICT DO NOTHING""",
            [start + 1, start + n],
        )
        cur.execute(
            f"""INSERT INTO {tables[Membership]} (member_id, association_id, state, created_at)
                SELECT id, %s, 'approved', now() FROM {tables[Member]} WHERE username LIKE '9%%'
                ORDER BY id DESC LIMIT %s ON CONFLICT DO NOTHING""",
            [association.pk, n],
        )
        cur.execute(
            f"""INSERT INTO {tables[Participation]} (election_id, member_id, created_at)
                SELECT %s, member_id, now() FROM {tables[Membership]} WHERE association_id = %s LIMIT %s""",
            [election.pk, association.pk, n],
        )
        # Random choices: 0–3 board candidates, 0–1 inspector, as the ballot's JSON.
        cur.execute(
            f"""INSERT INTO {tables[SealedBallot]} (id, election_id, choices, receipt)
                SELECT gen_random_uuid(), %s,
                  jsonb_build_object(
                    %s, (SELECT coalesce(jsonb_agg(c), '[]'::jsonb) FROM (
                          SELECT c FROM unnest(%s::bigint[]) c WHERE random() < 0.5 + 0 * g LIMIT 3) s),
                    %s, CASE WHEN random() < 0.9 + 0 * g THEN jsonb_build_array((%s::bigint[])[1 + (g %% 2)])
                             ELSE '[]'::jsonb END),
                  upper(substr(md5(g::text || random()::text), 1, 14))
                FROM generate_series(1, %s) g""",
            [election.pk, str(board.pk), b, str(inspector.pk), i, n],
        )
    return election


def timed(fn, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main():
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL: set DATABASE_URL=postgres://...")
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    election = build(n)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"data ready ({n} ballots) in {time.perf_counter() - started:.1f} s")
    table = connection.ops.quote_name(SealedBallot._meta.db_table)

    def baseline():
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {table} WHERE election_id = %s", [election.pk])

    def tally():
        election_tally_compute(election_id=election.pk)

    base, full = timed(baseline), timed(tally)
    result = election_tally_compute(election_id=election.pk)
    print(f"ballots counted           {result.ballots}")
    print(f"baseline scan (count(*))  {base:.3f} s")
    print(f"full tally                {full:.3f} s")
    print(f"ratio tally / scan        {full / base:.1f}x")


if __name__ == "__main__":
    main()
