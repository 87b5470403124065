"""Code latency benchmark (issue 13): from the code request to the SMS gateway, through
the task outbox, when all is well; and how fast the relay catches up after a broker outage.

    createdb -h 127.0.0.1 -U postgres portal_codebench   # a throwaway database (emptied)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_codebench \\
      .venv/bin/python bench/code_latency_bench.py --codes 60

What one run does, with processes of its own (a redis-server on a free port, the fake
Kavenegar gateway on loopback, a prefork Celery worker and the outbox relay under the
`make run` supervisor; all stopped at the end):

1. **code**: `otp_challenge_issue` for a fresh voter (what the ballot's «انتخاب» does: the
   code, its delivery record and its outbox rows in one transaction, one short publish
   after the commit), timed until the gateway receives `send.json` for that record;
2. **baseline**, interleaved with 1: a delivery record written directly and its send task
   published by Celery's own `send_task`, no outbox, timed the same way: the broker, the
   worker and the gateway alone;
3. **outage**: Redis is killed, `--outage` codes are requested, Redis comes back; the time
   from Redis answering again until the gateway has every one of them (the relay's
   catch-up), and how many sends the gateway got (must equal the codes).

It prints p50 / p95 / max of 1 and 2 and their ratio. A timing, not a test: the machine is
shared, hence the baseline measured in the same run.
"""

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--codes", type=int, default=60, help="codes timed, and as many baseline sends")
    parser.add_argument("--outage", type=int, default=20, help="codes requested while the broker is down")
    return parser.parse_args()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(values: list[float]) -> str:
    return (
        f"p50 {statistics.median(values) * 1000:.0f} ms, p95 {percentile(values, 0.95) * 1000:.0f} ms, "
        f"max {max(values) * 1000:.0f} ms"
    )


def main() -> int:
    args = parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("set DATABASE_URL to a throwaway PostgreSQL database (it is emptied)")
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms_site.settings.test"
    # Imported after the settings are chosen (the helpers import Django models).
    import django

    django.setup()
    from django.core.management import call_command

    from cms_site.celery import app
    from cms_site.demo.supervisor import Supervisor
    from otp_delivery.crypto import seal
    from otp_delivery.models import Delivery
    from otp_delivery.services import otp_challenge_issue
    from tests.fake_kavenegar import API_KEY, FakeKavenegar
    from tests.integration.test_broker_faults import RedisServer
    from tests.otp_helpers import voter
    from tests.waiting import wait_until

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    run_dir = ROOT / "var" / "bench-code-latency"
    run_dir.mkdir(parents=True, exist_ok=True)
    redis = RedisServer(run_dir / "redis.log")
    redis.start()
    os.environ["CELERY_BROKER_URL"] = redis.url  # Celery reads it before its configuration
    fake = FakeKavenegar().start()
    arrived: dict[str, float] = {}  # local id -> when the gateway got it
    handle = fake.handle

    def stamped(handler, params):
        if handler.path.endswith("/sms/send.json") and params.get("localid"):
            arrived.setdefault(params["localid"], time.monotonic())
        return handle(handler, params)

    fake.handle = stamped
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "SMS_BACKEND": "kavenegar",
        "KAVENEGAR_API_KEY": API_KEY,
        "KAVENEGAR_BASE_URL": fake.base_url,
        "OUTBOX_RELAY_INTERVAL_SECONDS": "2",
    }
    worker = [sys.executable, "-m", "celery", "-A", "cms_site", "worker", "--loglevel", "WARNING", "--concurrency", "2"]
    relay = [sys.executable, "manage.py", "outbox_relay"]
    with (run_dir / "processes.log").open("w") as log:
        supervisor = Supervisor({"worker": worker, "relay": relay}, env=env, cwd=ROOT, out=log)
        thread = threading.Thread(target=supervisor.run, daemon=True)
        thread.start()
        try:
            return measure(args, redis, fake, arrived, app, seal, Delivery, otp_challenge_issue, voter, wait_until)
        finally:
            supervisor.stop()
            redis.kill()
            fake.stop()


def measure(args, redis, fake, arrived, app, seal, Delivery, otp_challenge_issue, voter, wait_until) -> int:
    def code_once(number: int) -> float:
        member = voter(mobile=f"0912{number:07d}")
        started = time.monotonic()
        otp_challenge_issue(member=member, purpose_ref=f"ballot:{number}", channel="sms")
        local_id = str(Delivery.objects.filter(member=member).latest("pk").pk)
        wait_until(lambda: local_id in arrived, timeout=60, interval=0.005, message="the code at the gateway")
        return arrived[local_id] - started

    def baseline_once(number: int) -> float:
        delivery = Delivery.objects.create(channel="sms", kind="notice", recipient="09120000000", sealed_body=seal("x"))
        started = time.monotonic()
        app.send_task("otp_delivery.delivery_send", args=[delivery.pk], ignore_result=True)
        wait_until(lambda: str(delivery.pk) in arrived, timeout=60, interval=0.005, message="the baseline send")
        return arrived[str(delivery.pk)] - started

    code_once(9_000_000)  # warm up: the worker's first task, the first connections
    baseline_once(0)
    codes, baselines = [], []
    for number in range(args.codes):
        codes.append(code_once(number))
        baselines.append(baseline_once(number))
    print(f"code request -> gateway ({args.codes}): {summary(codes)}")
    print(f"baseline send_task -> gateway ({args.codes}): {summary(baselines)}")
    ratio = percentile(codes, 0.95) / percentile(baselines, 0.95)
    print(
        f"p95 ratio code / baseline: {ratio:.2f}; p50 ratio: {statistics.median(codes) / statistics.median(baselines):.2f}"
    )

    sends_before = len(fake.sends())
    redis.kill()
    members = [voter(mobile=f"0913{number:07d}") for number in range(args.outage)]
    requested = []
    for number, member in enumerate(members):
        started = time.monotonic()
        otp_challenge_issue(member=member, purpose_ref=f"outage:{number}", channel="sms")
        requested.append(time.monotonic() - started)
    local_ids = [str(Delivery.objects.filter(member=member).latest("pk").pk) for member in members]
    redis.start()
    back = time.monotonic()
    wait_until(lambda: all(i in arrived for i in local_ids), timeout=300, interval=0.01, message="the relay")
    caught_up = max(arrived[i] for i in local_ids) - back
    sent = len(fake.sends()) - sends_before
    print(f"broker down: {args.outage} code requests took {summary(requested)}")
    print(f"broker back: every waiting code at the gateway {caught_up:.2f} s later; sends {sent} for {args.outage}")
    return 0 if sent == args.outage and percentile(codes, 0.95) <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
