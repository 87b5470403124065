"""Voting-journey benchmark (issue 5; SPEC V2–V6): many concurrent voters through the
whole journey against gunicorn, PostgreSQL, Redis and a Celery worker, driven by locust.

    .venv/bin/python bench/journey_bench.py                 # 300 voters, 30 at a time
    .venv/bin/python bench/journey_bench.py --voters 500 --users 50

What one run does, all in this process's care (every process it starts is stopped at the
end, on failure and on Ctrl-C too):

1. drops and creates the throwaway PostgreSQL database `portal_journeybench`, migrates it,
   flushes Redis DB 10 (cache, rate limits) and DB 11 (Celery broker);
2. builds the portal pages and one open election («هیات مدیره» 3 of 6, «بازرس» 1 of 2)
   with the test factories, and N approved voters with a mobile, an email and an Argon2
   password (one hash made once and shared: verifying it costs the same as N hashes);
3. measures the baseline: Argon2 `check_password` of that hash in W processes at once
   (W = gunicorn workers = cores) for a few seconds: hashes per second;
4. starts a Celery worker on Redis and gunicorn (W sync workers) with
   `bench.journey_settings` (production's settings minus TLS), SMS on the `file` backend;
5. runs locust headless (`bench/journey_locustfile.py`): U concurrent users walk the
   whole journey, one voter after another, until every voter has voted;
6. measures the baseline again, checks participations == sealed ballots == completed
   journeys == voters (and the receipts match), and prints the figure — completed
   journeys per second divided by hashes per second — the p95 of every step and where
   the CPU went (per journey: gunicorn, of it the hash, PostgreSQL backends, the worker,
   locust itself), with the time each step spent inside gunicorn (its access log);
7. before stopping the servers, walks a few more voters through the journey in this
   process with Django's test client, one at a time, for each step's web CPU alone, and
   a few under cProfile for each step's SQL queries (`profile.txt`, `queries.txt`).

Files of the run (logs, locust CSV, the SMS outbox, the report) stay under
var/bench-journey/<time>/. The run exits with 1 if any check fails.
"""

import argparse
import json
import multiprocessing
import os
import resource
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DB_HOST, DB_USER = "127.0.0.1", "postgres"
CACHE_URL = "redis://127.0.0.1:6379/10"
BROKER_URL = "redis://127.0.0.1:6379/11"
PASSWORD = "Bench2026Voter"
HASH_SECONDS = 12


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=300, help="voters, each one journey (default 300)")
    parser.add_argument("--users", type=int, default=30, help="concurrent locust users (default 30)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers (default: cores)")
    parser.add_argument("--port", type=int, default=8097)
    parser.add_argument("--database", default="portal_journeybench")
    parser.add_argument("--keep-database", action="store_true", help="do not drop the database at the end")
    parser.add_argument(
        "--one-address",
        action="store_true",
        help="every voter from 127.0.0.1, as the portal sees voters behind the reverse proxy of docs/operations.md",
    )
    return parser.parse_args()


def bench_environment(args, run_dir: Path) -> dict:
    return {
        "DJANGO_SETTINGS_MODULE": "bench.journey_settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"postgres://{DB_USER}@{DB_HOST}:5432/{args.database}",
        "CACHE_URL": CACHE_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "EMAIL_URL": f"filemail://{run_dir / 'mail'}",
        "SMS_BACKEND": "file",
        "SMS_FILE_PATH": str(run_dir / "sms.jsonl"),
        "SMS_INBOUND_TOKEN": secrets.token_urlsafe(24),
        "STATIC_ROOT": str(run_dir / "static"),
        "MEDIA_ROOT": str(run_dir / "media"),
        "PYTHONPATH": str(ROOT),
    }


# ----------------------------------------------------------------------------- data


def database_recreate(name: str) -> None:
    common = ["-h", DB_HOST, "-U", DB_USER]
    subprocess.run(["dropdb", *common, "--if-exists", "--force", name], check=True)
    subprocess.run(["createdb", *common, name], check=True)


def redis_flush() -> None:
    import redis

    for url in (CACHE_URL, BROKER_URL):
        redis.Redis.from_url(url).flushdb()


def build(voters: int, profile_voters: int) -> dict:
    """The election, its page and the voters; returns what the locust users need."""
    from django.contrib.auth.hashers import make_password
    from django.urls import reverse
    from django.utils import translation

    from cms_site.demo.elections import portal_pages_build
    from election_pages.lifecycle.models import ElectionState
    from member_workflow.models import Member, Membership, MembershipState
    from tests.factories import (
        AssociationFactory,
        CandidateFactory,
        ElectionFactory,
        PositionFactory,
        election_page_for,
        national_code_from,
    )

    portal_pages_build()
    association = AssociationFactory(name="انجمن محک رای", slug="journey-bench")
    election = ElectionFactory(association=association, state=ElectionState.OPEN, title="انتخابات محک")
    board = PositionFactory(election=election, name="هیات مدیره", selection_limit=3, seats=3, sort_order=1)
    inspector = PositionFactory(election=election, name="بازرس", selection_limit=1, seats=1, sort_order=2)
    for position, count in ((board, 6), (inspector, 2)):
        for _ in range(count):
            CandidateFactory(position=position)
    election_page_for(election)

    encoded = make_password(PASSWORD)  # Argon2, as configured
    people = [
        {
            "national_code": national_code_from(700_000 + i),
            "mobile": f"0935{i:07d}",
            "source_ip": f"127.1.{i // 250}.{i % 250 + 1}",
        }
        for i in range(voters + profile_voters)
    ]
    members = Member.objects.bulk_create(
        [
            Member(
                username=p["national_code"],
                mobile=p["mobile"],
                email=f"voter{i}@bench.example.org",
                first_name="رای‌دهنده",
                last_name=f"محک {i}",
                password=encoded,
            )
            for i, p in enumerate(people)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(member=m, association=association, state=MembershipState.APPROVED) for m in members]
    )
    with translation.override("fa"):
        start_path = reverse("voting:start", args=[election.pk])
    return {
        "election_id": election.pk,
        "start_path": start_path,
        "voters": people[:voters],
        "profile_voters": people[voters:],
        "password": PASSWORD,
        "limits": {str(board.pk): 3, str(inspector.pk): 1},
        "encoded": encoded,
    }


# ------------------------------------------------------------------------- baseline


def _hash_loop(job):
    from django.contrib.auth.hashers import check_password

    encoded, start_at, seconds = job
    while time.time() < start_at:
        time.sleep(0.001)
    started, cpu = time.time(), time.process_time()
    count = 0
    while time.time() - started < seconds:
        if not check_password(PASSWORD, encoded):
            raise RuntimeError("the benchmark password does not verify")
        count += 1
    return count, time.time() - started, time.process_time() - cpu


def hash_rate(encoded: str, processes: int) -> dict:
    """Argon2 verifications per second of `processes` processes at once (the hasher's own
    rate on the cores the web workers use), and CPU seconds per verification."""
    from django.db import connections

    connections.close_all()
    start_at = time.time() + 1.0
    # Workers end normally (no SIGTERM) and do not inherit this process's SIGTERM handler.
    with ProcessPoolExecutor(
        processes,
        mp_context=multiprocessing.get_context("fork"),
        initializer=signal.signal,
        initargs=(signal.SIGTERM, signal.SIG_DFL),
    ) as pool:
        results = list(pool.map(_hash_loop, [(encoded, start_at, HASH_SECONDS)] * processes))
    count = sum(r[0] for r in results)
    return {
        "hashes_per_second": sum(r[0] / r[1] for r in results),
        "count": count,
        "cpu_seconds_per_hash": sum(r[2] for r in results) / count,
        "wall_seconds_per_hash": sum(r[1] for r in results) / count,
    }


# -------------------------------------------------------------------------- processes


class Stack:
    """gunicorn and the Celery worker, each in its own process group, always stopped."""

    def __init__(self, args, env: dict, run_dir: Path):
        self.args, self.env, self.run_dir = args, env, run_dir
        self.children: list[subprocess.Popen] = []

    def _start(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = (self.run_dir / f"{name}.log").open("ab")
        child = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True)
        self.children.append(child)
        return child

    def start(self):
        python = sys.executable
        self.worker = self._start(
            "celery",
            [python, "-m", "celery", "-A", "cms_site", "worker", "--loglevel", "WARNING",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
        )  # fmt: skip
        self.web = self._start(
            "gunicorn",
            [python, "-m", "gunicorn", "cms_site.wsgi:application", "--workers", str(self.args.workers),
             "--bind", f"127.0.0.1:{self.args.port}", "--backlog", "2048", "--timeout", "120",
             "--access-logfile", str(self.run_dir / "access.log"), "--access-logformat", "%(m)s %(U)s %(s)s %(M)s"],
        )  # fmt: skip
        self._wait_ready()

    def _wait_ready(self):
        url = f"http://127.0.0.1:{self.args.port}/healthz"
        deadline = time.time() + 60
        while time.time() < deadline:
            if any(child.poll() is not None for child in self.children):
                raise RuntimeError(f"a server process exited; see {self.run_dir}/*.log")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("gunicorn did not answer /healthz within 60 s")
        ping = subprocess.run(
            [sys.executable, "-m", "celery", "-A", "cms_site", "inspect", "ping", "--timeout", "20"],
            cwd=ROOT, env=self.env, capture_output=True, check=False,
        )  # fmt: skip
        if ping.returncode != 0:
            raise RuntimeError(f"the Celery worker did not answer a ping; see {self.run_dir}/celery.log")

    def stop(self):
        for child in self.children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        deadline = time.time() + 20
        for child in self.children:
            try:
                child.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        self.children.clear()


def _cpu_of(pids) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def _tree(pid) -> list[int]:
    import psutil

    try:
        process = psutil.Process(pid)
    except psutil.Error:
        return []
    return [pid, *(c.pid for c in process.children(recursive=True))]


class PostgresCpu:
    """CPU seconds of the PostgreSQL backends serving the bench database during the load,
    sampled twice a second from another thread, so backends that close mid-run (a web
    worker's connection reaching CONN_MAX_AGE) still count. The locust process's own
    captcha look-ups (application_name `journey-bench-client`) are left out."""

    def __init__(self, database_url: str, database: str):
        import threading

        self.database_url, self.database = database_url, database
        self.baseline: dict[int, float] = {}
        self.latest: dict[int, float] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, conn) -> dict[int, float]:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
            "AND application_name <> 'journey-bench-client'",
            [self.database],
        ).fetchall()
        return {pid: _cpu_of([pid]) for (pid,) in rows}

    def _run(self):
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            self.baseline = self._sample(conn)
            self.latest = dict(self.baseline)
            self.started.set()
            while not self.stopping.wait(0.5):
                for pid, seconds in self._sample(conn).items():
                    if seconds > 0:
                        self.latest[pid] = seconds

    def start(self):
        import threading

        self.started = threading.Event()
        self.thread.start()
        self.started.wait(10)

    def stop(self) -> float:
        self.stopping.set()
        self.thread.join(10)
        return sum(seconds - self.baseline.get(pid, 0.0) for pid, seconds in self.latest.items())


def cpu_snapshot(stack: Stack) -> dict:
    """CPU seconds so far of the web workers, the Celery processes and the machine."""
    import psutil

    machine = psutil.cpu_times()
    return {
        "gunicorn": _cpu_of(_tree(stack.web.pid)),
        "celery": _cpu_of(_tree(stack.worker.pid)),
        # guest time is already in user time; steal is the hypervisor's, not this machine's work
        "machine_busy": machine.user + machine.nice + machine.system + machine.irq + machine.softirq,
    }


def run_locust(args, env: dict, run_dir: Path, config: dict) -> tuple[float, float]:
    """Runs locust to the end; returns (wall seconds, its CPU seconds)."""
    config_file = run_dir / "locust-config.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    with (run_dir / "locust.log").open("ab") as log:
        result = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "journey_locustfile.py"), "--headless",
             "--users", str(args.users), "--spawn-rate", str(args.users), "--host", f"http://127.0.0.1:{args.port}",
             "--csv", str(run_dir / "locust"), "--run-time", "1800s", "--only-summary", "--loglevel", "WARNING"],
            cwd=ROOT, env={**env, "BENCH_JOURNEY_CONFIG": str(config_file)}, stdout=log, stderr=log, check=False,
        )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode not in (0, 1):  # 1: some request failed; reported below
        raise RuntimeError(f"locust exited with {result.returncode}; see {run_dir}/locust.log")
    return time.time() - started, cpu


# --------------------------------------------------------------------------- profile

PROFILE_WARMUP = 2
PROFILE_VOTERS = 10
PROFILE_CPROFILE = 3


def _query_kinds(queries) -> list[str]:
    """ "VERB table" of each captured query: enough to see where a step's queries go,
    without the parameters (they may hold a session, a captcha answer or a code)."""
    import re

    kinds = []
    for query in queries.captured_queries:
        sql = query["sql"].lstrip()
        verb = sql.split(None, 1)[0].upper() if sql else "?"
        table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql, re.IGNORECASE)
        kinds.append(f"{verb} {table.group(1)}" if table else verb)
    return kinds


def _profile_journey(config: dict, voter: dict, sms_file: Path, record, *, count_queries: bool = False) -> None:
    """One voter through the journey in this process with Django's test client (CSRF
    checks on), calling `record(step, cpu seconds)` for each request. The code comes from
    the running Celery worker through the outbox file, as in the load."""
    import re
    from contextlib import nullcontext

    from captcha.models import CaptchaStore
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1", REMOTE_ADDR=voter["source_ip"])
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

    def call(step, method, url, data=None, expect=200):
        cpu = time.process_time()
        with CaptureQueriesContext(connection) if count_queries else nullcontext() as queries:
            response = method(url, data) if data is not None else method(url)
        record(step, time.process_time() - cpu, _query_kinds(queries) if count_queries else None)
        if response.status_code != expect:
            raise RuntimeError(f"profile: {step} answered {response.status_code}")
        return response

    base = config["start_path"]
    page = call("1 GET login page", client.get, base).content.decode()
    key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', page).group(1)
    image = re.search(r'<img src="([^"]+)"[^>]*class="captcha__image"', page).group(1)
    call("1 GET captcha image", client.get, image)
    answer = CaptchaStore.objects.get(hashkey=key).response
    login = {"csrfmiddlewaretoken": token.search(page).group(1), "username": voter["national_code"]}
    login |= {"password": config["password"], "captcha_0": key, "captcha_1": answer}
    call("2 POST login (password + captcha)", client.post, base, login, expect=302)
    page = call("3 GET channel page", client.get, base + "channel/").content.decode()
    channel = {"csrfmiddlewaretoken": token.search(page).group(1), "channel": "sms"}
    call("3 POST channel (SMS)", client.post, base + "channel/", channel, expect=302)
    page = call("4 GET ballot", client.get, base + "ballot/").content.decode()
    ballot = {"csrfmiddlewaretoken": token.search(page).group(1)}
    for position_id, limit in config["limits"].items():
        ballot[f"position_{position_id}"] = re.findall(rf'name="position_{position_id}" value="(\d+)"', page)[:limit]
    call("4 POST ballot (queues the code)", client.post, base + "ballot/", ballot, expect=302)
    page = call("5 GET review", client.get, base + "review/").content.decode()
    code, deadline = None, time.time() + 60
    while code is None and time.time() < deadline:
        with sms_file.open(encoding="utf-8") as handle:
            for line in handle:
                message = json.loads(line)
                if message["to"] == voter["mobile"]:
                    code = re.search(r"\b(\d{6})\b", message["text"]).group(1)
        time.sleep(0.05)
    if code is None:
        raise RuntimeError("profile: no code in the outbox")
    confirm = {"csrfmiddlewaretoken": token.search(page).group(1), "code": code}
    call("6 POST confirm code («ثبت رای»)", client.post, base + "review/", confirm, expect=302)
    page = call("6 GET thank-you + receipt", client.get, base + "done/").content.decode()
    if 'data-role="receipt"' not in page:
        raise RuntimeError("profile: no receipt")


def step_cpu_profile(config: dict, run_dir: Path) -> tuple[dict[str, float], dict[str, int]]:
    """The web process's own CPU per step, one voter at a time with nothing else queued
    in this process (median of PROFILE_VOTERS journeys after PROFILE_WARMUP); then a few
    more journeys under cProfile (hottest functions in profile.txt) that also count each
    step's SQL queries."""
    import cProfile
    import pstats
    import statistics
    from collections import Counter

    voters = list(config["profile_voters"])
    sms_file = Path(config["sms_file"])
    samples: dict[str, list[float]] = {}
    queries: dict[str, int] = {}
    query_kinds: dict[str, Counter] = {}

    def keep(step, cpu, _queries):
        samples.setdefault(step, []).append(cpu)

    def count(step, _cpu, kinds):
        queries[step] = len(kinds)
        query_kinds.setdefault(step, Counter()).update(kinds)

    for voter in voters[:PROFILE_WARMUP]:
        _profile_journey(config, voter, sms_file, lambda *_: None)
    for voter in voters[PROFILE_WARMUP : PROFILE_WARMUP + PROFILE_VOTERS]:
        _profile_journey(config, voter, sms_file, keep)
    profiler = cProfile.Profile()
    for voter in voters[PROFILE_WARMUP + PROFILE_VOTERS :]:
        profiler.enable()
        _profile_journey(config, voter, sms_file, count, count_queries=True)
        profiler.disable()
    with (run_dir / "profile.txt").open("w", encoding="utf-8") as handle:
        stats = pstats.Stats(profiler, stream=handle)
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats(80)
    with (run_dir / "queries.txt").open("w", encoding="utf-8") as handle:
        journeys = PROFILE_CPROFILE
        for step, kinds in query_kinds.items():
            handle.write(f"{step}: {sum(kinds.values()) / journeys:.0f} queries per journey\n")
            for kind, number in kinds.most_common():
                handle.write(f"  {number / journeys:5.1f}  {kind}\n")
    return {step: statistics.median(values) for step, values in samples.items()}, queries


# ----------------------------------------------------------------------------- report


def verify(election_id: int, summary: dict, voters: int) -> list[str]:
    from election_pages.voting.models import BallotSession, BallotSessionState, Participation, SealedBallot

    participations = Participation.objects.filter(election_id=election_id).count()
    receipts = list(SealedBallot.objects.filter(election_id=election_id).values_list("receipt", flat=True))
    confirmed = BallotSession.objects.filter(election_id=election_id, state=BallotSessionState.CONFIRMED).count()
    problems = []
    counts = {
        "voters": voters,
        "completed journeys": summary["completed"],
        "participations": participations,
        "sealed ballots": len(receipts),
        "distinct receipts": len(set(receipts)),
        "confirmed ballot sessions": confirmed,
    }
    if len(set(counts.values())) != 1:
        problems.append("counts differ: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if sorted(summary["receipts"]) != sorted(receipts):
        problems.append("the receipts shown on the thank-you pages are not exactly the sealed ballots' receipts")
    if summary["failed"]:
        problems.append(f"{summary['failed']} journeys failed: {sorted(set(summary['errors']))[:5]}")
    return problems


def delivery_latencies() -> dict:
    """Server-side times of the code messages: queued (request) → claimed by the worker →
    sent, from the delivery records."""
    from otp_delivery.models import Channel, Delivery

    rows = Delivery.objects.filter(channel=Channel.SMS, claimed_at__isnull=False).values_list(
        "created_at", "claimed_at", "state_changed_at", "state"
    )
    return {
        "count": len(rows),
        "states": sorted({row[3] for row in rows}),
        "to_claim": [(claimed - created).total_seconds() for created, claimed, _c, _s in rows],
        "to_sent": [(changed - created).total_seconds() for created, _c, changed, _s in rows if changed],
    }


def server_times(run_dir: Path, offset: int, start_path: str) -> dict[str, list[float]]:
    """Milliseconds gunicorn spent on each step's requests (from accepting the connection
    to the response written; the wait in the listen queue is not in it), from the access
    log lines written during the load (method, path, status, milliseconds)."""
    names = {
        ("GET", ""): "1 GET login page",
        ("POST", ""): "2 POST login (password + captcha)",
        ("GET", "channel/"): "3 GET channel page",
        ("POST", "channel/"): "3 POST channel (SMS)",
        ("GET", "ballot/"): "4 GET ballot",
        ("POST", "ballot/"): "4 POST ballot (queues the code)",
        ("GET", "review/"): "5 GET review",
        ("POST", "review/"): "6 POST confirm code («ثبت رای»)",
        ("GET", "done/"): "6 GET thank-you + receipt",
    }
    times: dict[str, list[float]] = {}
    with (run_dir / "access.log").open("rb") as handle:
        handle.seek(offset)
        for line in handle.read().decode("utf-8", "replace").splitlines():
            method, path, _status, milliseconds = line.split()
            if path.startswith("/captcha/image/"):
                name = "1 GET captcha image"
            elif path.startswith(start_path):
                name = names.get((method, path[len(start_path) :]))
            else:
                name = None
            if name:
                times.setdefault(name, []).append(float(milliseconds))
    return times


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def main():
    sys.stdout.reconfigure(line_buffering=True)
    args = parse_args()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir = ROOT / "var" / "bench-journey" / stamp
    for folder in ("mail", "static", "media"):
        (run_dir / folder).mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **bench_environment(args, run_dir)}
    os.environ.update(env)

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    database_recreate(args.database)
    redis_flush()

    import django

    django.setup()
    import logging

    logging.getLogger("wagtail").setLevel(logging.WARNING)  # page-creation lines of the set-up
    from django.core.management import call_command
    from django.db import connections

    stack = Stack(args, env, run_dir)
    try:
        started = time.time()
        call_command("migrate", verbosity=0)
        config = build(args.voters, PROFILE_WARMUP + PROFILE_VOTERS + PROFILE_CPROFILE)
        print(f"database migrated and {args.voters} voters built in {time.time() - started:.0f} s ({run_dir})")
        config.update(
            sms_file=env["SMS_FILE_PATH"],
            summary_file=str(run_dir / "journeys.json"),
            database_url=env["DATABASE_URL"],
            code_timeout_seconds=150,
        )
        encoded = config.pop("encoded")
        if args.one_address:
            for voter in config["voters"]:
                voter["source_ip"] = "127.0.0.1"

        hashes_before = hash_rate(encoded, args.workers)
        print(
            f"baseline before: {hashes_before['hashes_per_second']:.2f} Argon2 verifications/s in {args.workers} processes"
        )

        stack.start()
        for _ in range(2 * args.workers):  # load each worker's templates once
            urllib.request.urlopen(f"http://127.0.0.1:{args.port}{config['start_path']}", timeout=30).read()
        postgres_cpu = PostgresCpu(env["DATABASE_URL"], args.database)
        postgres_cpu.start()
        cpu_before = cpu_snapshot(stack)
        access_offset = (run_dir / "access.log").stat().st_size
        wall, locust_cpu = run_locust(args, env, run_dir, config)
        cpu_after = cpu_snapshot(stack)
        cpu_after["postgres"] = postgres_cpu.stop()
        summary = json.loads((run_dir / "journeys.json").read_text(encoding="utf-8"))
        problems = verify(config["election_id"], summary, args.voters)
        deliveries = delivery_latencies()
        served = server_times(run_dir, access_offset, config["start_path"])
        step_cpu, step_queries = step_cpu_profile(config, run_dir)
        connections.close_all()
        stack.stop()

        hashes_after = hash_rate(encoded, args.workers)
        print(f"baseline after:  {hashes_after['hashes_per_second']:.2f} Argon2 verifications/s")

        failed_requests = sum(step["failures"] for step in summary["steps"])
        if failed_requests:
            problems.append(f"{failed_requests} failed requests (see {run_dir}/locust.log)")
        report(
            args, run_dir, summary, wall, locust_cpu, cpu_before, cpu_after, hashes_before, hashes_after, deliveries,
            served, step_cpu, step_queries, problems,
        )  # fmt: skip
        if problems:
            sys.exit(1)
    finally:
        stack.stop()
        connections.close_all()
        redis_flush()
        if not args.keep_database:
            subprocess.run(
                ["dropdb", "-h", DB_HOST, "-U", DB_USER, "--if-exists", "--force", args.database], check=False
            )


def report(
    args, run_dir, summary, wall, locust_cpu, cpu_before, cpu_after, hashes_before, hashes_after, deliveries, served,
    step_cpu, step_queries, problems,
):  # fmt: skip
    journeys = summary["journeys"]
    n = len(journeys)
    first, last = min(j[0] for j in journeys), max(j[1] for j in journeys)
    rate = n / (last - first)
    hashes = (hashes_before["hashes_per_second"] + hashes_after["hashes_per_second"]) / 2
    hash_cpu = (hashes_before["cpu_seconds_per_hash"] + hashes_after["cpu_seconds_per_hash"]) / 2
    hash_wall = (hashes_before["wall_seconds_per_hash"] + hashes_after["wall_seconds_per_hash"]) / 2
    durations = [end - start for start, end in journeys]
    cpu = {
        "gunicorn workers": cpu_after["gunicorn"] - cpu_before["gunicorn"],
        "PostgreSQL backends": cpu_after["postgres"],
        "Celery worker": cpu_after["celery"] - cpu_before["celery"],
        "locust (the load generator)": locust_cpu,
    }
    machine = cpu_after["machine_busy"] - cpu_before["machine_busy"]
    stack_cpu = (cpu["gunicorn workers"] + cpu["PostgreSQL backends"] + cpu["Celery worker"]) / n
    steps = [step for step in summary["steps"] if step["requests"]]
    http_time = sum(step["mean"] * step["requests"] for step in steps if step["method"] != "WAIT")
    results = {
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "cores": os.cpu_count(),
        "workers": args.workers,
        "users": args.users,
        "voters": args.voters,
        "completed": n,
        "seconds": last - first,
        "journeys_per_second": rate,
        "hashes_per_second": hashes,
        "hashes_per_second_before": hashes_before["hashes_per_second"],
        "hashes_per_second_after": hashes_after["hashes_per_second"],
        "figure": rate / hashes,
        "cpu_figure": hash_cpu / stack_cpu,
        "steps": steps,
        "step_cpu_ms_alone": {k: v * 1000 for k, v in step_cpu.items()},
        "step_queries": step_queries,
        "served_ms": {k: {"p50": percentile(v, 0.5), "p95": percentile(v, 0.95)} for k, v in served.items()},
        "cpu_ms_per_journey": {k: v / n * 1000 for k, v in cpu.items()},
        "hash_cpu_ms": hash_cpu * 1000,
        "hash_wall_ms": hash_wall * 1000,
        "machine_busy_ms_per_journey": machine / n * 1000,
        "deliveries": deliveries,
        "problems": problems,
    }
    (run_dir / "report.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")

    lines = [
        f"# voting-journey benchmark, {results['date']}, {os.cpu_count()} cores, {args.workers} gunicorn workers, "
        f"{args.users} concurrent users, {args.voters} voters",
        f"run files: {run_dir}",
        "",
        f"completed journeys       {n} of {args.voters} in {last - first:.1f} s (locust ran {wall:.1f} s)",
        f"journeys per second      {rate:.3f}",
        f"Argon2 verifications/s   {hashes:.3f} in {args.workers} processes "
        f"({hashes_before['hashes_per_second']:.3f} before the load, {hashes_after['hashes_per_second']:.3f} after)",
        f"FIGURE journeys / hashes {rate / hashes:.3f}",
        f"one verification         {hash_wall * 1000:.0f} ms wall, {hash_cpu * 1000:.0f} ms CPU "
        f"({args.workers} processes hashing at once)",
        f"journey, first GET to receipt: p50 {percentile(durations, 0.5):.2f} s, p95 {percentile(durations, 0.95):.2f} s",
        f"code message, server side ({deliveries['count']} SMS, states {deliveries['states']}): "
        f"queued → claimed by the worker p50 {percentile(deliveries['to_claim'], 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(deliveries['to_claim'], 0.95) * 1000:.0f} ms; "
        f"queued → written p50 {percentile(deliveries['to_sent'], 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(deliveries['to_sent'], 0.95) * 1000:.0f} ms",
        "",
        "| step | requests | failures | p50 ms | p95 ms | p99 ms | share of HTTP time | in gunicorn p50 / p95 ms "
        "| web CPU ms, alone | SQL queries |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for step in steps:
        share = "" if step["method"] == "WAIT" else f"{step['mean'] * step['requests'] / http_time:.0%}"
        alone = f"{step_cpu[step['name']] * 1000:.0f}" if step["name"] in step_cpu else ""
        inside = served.get(step["name"])
        inside = f"{percentile(inside, 0.5):.0f} / {percentile(inside, 0.95):.0f}" if inside else ""
        lines.append(
            f"| {step['name']} | {step['requests']} | {step['failures']} | {step['p50']:.0f} | {step['p95']:.0f} "
            f"| {step['p99']:.0f} | {share} | {inside} | {alone} | {step_queries.get(step['name'], '')} |"
        )
    lines.append(
        f"| whole journey, alone | | | | | | | | {sum(step_cpu.values()) * 1000:.0f} | {sum(step_queries.values())} |"
    )
    lines += ["", "CPU per completed journey:"]
    for name, seconds in cpu.items():
        lines.append(f"  {name:<28} {seconds / n * 1000:6.0f} ms")
    lines += [
        f"  {'(one Argon2 verification)':<28} {hash_cpu * 1000:6.0f} ms, inside the gunicorn figure",
        f"  {'sum':<28} {sum(cpu.values()) / n * 1000:6.0f} ms",
        f"  {'whole machine busy':<28} {machine / n * 1000:6.0f} ms (also Redis, and other work on this machine)",
        f"  {'machine capacity':<28} {os.cpu_count() * wall / n * 1000:6.0f} ms ({os.cpu_count()} cores × "
        "locust's run time / journeys)",
        "",
        f"CPU figure (robust to neighbours): one verification's CPU / the stack's CPU per journey (web, PostgreSQL, "
        f"worker) = {hash_cpu / stack_cpu:.3f}; the web CPU measured alone gives "
        f"{hash_cpu / sum(step_cpu.values()):.3f} for the web tier",
        "",
        "checks: "
        + (
            "participations == sealed ballots == confirmed sessions == completed journeys == voters, "
            "receipts match, no failed request or journey"
            if not problems
            else "FAILED — " + "; ".join(problems)
        ),
    ]
    text = "\n".join(lines)
    (run_dir / "report.md").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: every process the run started has been stopped")
