"""Benchmark: import 100,000 members from a CSV file (SPEC M3).

    .venv/bin/python bench/import_members_bench.py [ROWS]

Runs on a fresh SQLite database in a temporary folder (or on DATABASE_URL if set — use a
throwaway database: the tables are emptied). In the same run it measures a baseline: a
raw `bulk_create` of the same Member rows with no parsing, validation, duplicate checks,
password-lifecycle rows or memberships. Prints both times and their ratio.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def national_code(seq: int) -> str:
    base = f"{(seq * 7919 + 10_000_000) % 1_000_000_000:09d}"
    total = sum(int(base[i]) * (10 - i) for i in range(9)) % 11
    return base + str(total if total < 2 else 11 - total)


def _empty(model) -> None:
    """Plain DELETE (the ORM's cascade collector is slow on 100,000 rows)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    tmp = Path(tempfile.mkdtemp(prefix="import-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms_site.settings.test"
    import django

    django.setup()
    import secrets

    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.core.management import call_command

    from member_workflow.models import Association, Member, MemberCredential, Membership
    from member_workflow.services.importing import members_import, rows_from_file

    call_command("migrate", verbosity=0)
    for model in (Membership, MemberCredential, Member):
        _empty(model)
    association, _ = Association.objects.get_or_create(slug="bench", defaults={"name": "Bench association"})

    lines = ["national_code,first_name,last_name,mobile,email"]
    for i in range(rows):
        lines.append(f"{national_code(i)},نام{i},خانوادگی{i},0912{i:07d},member{i}@example.org")
    content = ("\n".join(lines) + "\n").encode("utf-8")

    # Baseline: the same rows straight into the member table.
    started, cpu = time.perf_counter(), time.process_time()
    Member.objects.bulk_create(
        [
            Member(
                username=national_code(i),
                first_name=f"نام{i}",
                last_name=f"خانوادگی{i}",
                mobile=f"0912{i:07d}",
                email=f"member{i}@example.org",
                password=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30),
            )
            for i in range(rows)
        ],
        batch_size=1000,
    )
    baseline, baseline_cpu = time.perf_counter() - started, time.process_time() - cpu
    _empty(Member)

    started, cpu = time.perf_counter(), time.process_time()
    report = members_import(association=association, rows=rows_from_file(name="bench.csv", content=content), actor=None)
    elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert report.created == rows and report.error_count == 0, (report.created, report.errors[:3])
    assert Membership.objects.filter(association=association).count() == rows

    engine = django.db.connection.vendor
    print(f"rows={rows} database={engine}")
    print(f"baseline raw bulk insert: {baseline:.2f} s wall, {baseline_cpu:.2f} s CPU")
    print(
        f"import (parse, validate, dedupe, members + credentials + memberships): {elapsed:.2f} s wall, {elapsed_cpu:.2f} s CPU"
    )
    print(f"ratio import/baseline (wall): {elapsed / baseline:.2f}")


if __name__ == "__main__":
    main()
