"""Issue 5 faults with a real Celery worker process, a real broker (kombu's filesystem
transport, and Redis in the PostgreSQL/Redis pass), the fake Kavenegar server and a real
SMTP server, on PostgreSQL (the worker must see the test's committed rows):

- the worker is down when the code is requested: the code still arrives once it is back;
- the worker is killed mid-send: the code is neither sent twice nor lost;
- the SMS gateway refuses the message: the email fallback fires, exactly once;
- no delivery report within the fallback delay: the code goes by email.
"""

import base64
import json
import os
import re
import signal
import subprocess
import sys
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

from cms_site.settings.base import filesystem_broker_options
from otp_delivery.models import Delivery, DeliveryKind, DeliveryState
from otp_delivery.services import otp_challenge_issue
from tests.fake_kavenegar import API_KEY, FakeKavenegar
from tests.otp_helpers import voter
from tests.services import redis_url, require
from tests.smtp_server import SmtpServer
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
BROKERS = ["filesystem"] + (["redis"] if os.environ.get("CELERY_BROKER_URL", "").startswith("redis://") else [])
# The worker's INFO lines about a task: "Task <name>[<id>] received", then one of
# "succeeded in ...", "retry: ...", "raised unexpected: ...", "rejected ...", "ignored".
TASK_LINE = re.compile(r"Task [\w.]+\[([0-9a-f-]{36})\] (\w+)")


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Stack:
    """Broker + fake Kavenegar + SMTP server + worker processes started on demand."""

    def __init__(self, broker: str, tmp_path: Path, *, lease: int = 60, fallback: int = 120):
        self.broker, self.lease = broker, lease
        # A queue of its own: a task left in the broker by another test or another run
        # sharing the Redis database never reaches this stack's worker, nor the reverse.
        self.queue = f"worker-test-{uuid.uuid4().hex[:12]}"
        self.fake = FakeKavenegar(hang_seconds=20).start()
        self.smtp = SmtpServer().__enter__()
        if broker == "filesystem":
            for sub in ("queue", "processed"):
                (tmp_path / sub).mkdir()
            broker_env = {"CELERY_BROKER_URL": "filesystem://", "CELERY_FILESYSTEM_DIR": str(tmp_path)}
            options = filesystem_broker_options(tmp_path)
        else:
            url = redis_url()
            require("Redis", url is not None, "start redis-server on 127.0.0.1:6379")
            broker_env, options = {"CELERY_BROKER_URL": url}, {}
        self.env = {
            **os.environ,
            **broker_env,
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
            "DATABASE_URL": database_url(),
            "SMS_BACKEND": "kavenegar",
            "KAVENEGAR_API_KEY": API_KEY,
            "KAVENEGAR_BASE_URL": self.fake.base_url,
            "KAVENEGAR_TIMEOUT_SECONDS": "30",
            "EMAIL_PORT": str(self.smtp.port),
            "DELIVERY_SEND_LEASE_SECONDS": str(lease),
            "OTP_SMS_FALLBACK_SECONDS": str(fallback),
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
        }
        self.env.pop("CELERY_RESULT_BACKEND", None)
        # Not the current app: the task proxies patched below, and those of later tests, must
        # keep resolving to the project's app (the one `task_enqueue` sends through, its eager
        # mode, its broker), not to this stack's queue.
        self.client = Celery("client", broker=broker_env["CELERY_BROKER_URL"], set_as_current=False)
        self.client.conf.broker_transport_options = options
        self.client.conf.task_default_queue = self.queue
        self.workers: list[subprocess.Popen] = []
        self.log_dir = tmp_path
        self.sent: list[str] = []  # ids of the tasks sent from the test process

    def start_worker(self) -> subprocess.Popen:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "cms_site", "worker", "--pool", "solo", "--loglevel", "INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=self.env, stderr=subprocess.STDOUT,
            stdout=(self.log_dir / f"worker-{len(self.workers)}.log").open("w"),
        )  # fmt: skip
        self.workers.append(worker)
        return worker

    def send_task(self, name: str, args=(), countdown=None) -> str:
        task_id = self.client.send_task(name, args=list(args), countdown=countdown).id
        self.sent.append(task_id)
        return task_id

    def waiting(self) -> list[tuple[str, list]]:
        """(task name, args) of every message in the broker's queue that no worker took."""
        if self.broker == "filesystem":
            raw = [path.read_bytes() for path in sorted((self.log_dir / "queue").glob(f"*.{self.queue}.msg"))]
        else:
            with self.client.connection_for_read() as conn:
                raw = conn.default_channel.client.lrange(self.queue, 0, -1)
        messages = [json.loads(item) for item in raw]
        return [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0]) for m in messages]

    def task_events(self) -> list[tuple[str, str]]:
        """(task id, "received" | how it ended) from the logs of the workers still running."""
        events = []
        for number, worker in enumerate(self.workers):
            if worker.poll() is None:
                lines = (self.log_dir / f"worker-{number}.log").read_text().split("\n")[:-1]  # whole lines only
                events += [match.groups() for line in lines if (match := TASK_LINE.search(line))]
        return events

    def _ran(self, task_id: str) -> bool:
        return any(event != "received" for tid, event in self.task_events() if tid == task_id)

    def wait_idle(self, *, timeout: float = 60) -> None:
        """Wait until the worker has run every task the test sent, every task those queued
        in turn, and every countdown task it holds. The proof: a marker task sent to the
        back of the queue ran with no other task received or finished while it waited
        (the queue is first in, first out, and the worker takes one message at a time),
        and every task the logs show received has finished."""

        def settled() -> bool:
            before = Counter(self.task_events())
            marker = self.send_task("common.ping")
            wait_until(lambda: self._ran(marker), timeout=timeout, message="the marker task to run")
            events = self.task_events()
            meanwhile = [tid for tid, _ in (Counter(events) - before).elements() if tid != marker]
            received = Counter(tid for tid, event in events if event == "received")
            ended = Counter(tid for tid, event in events if event != "received")
            return not meanwhile and received == ended and all(ended[tid] for tid in self.sent)

        wait_until(settled, timeout=timeout, message="the worker to run everything queued")

    def _redis_queue_drop(self) -> None:
        """Delete this stack's queue, its bindings and the messages a killed worker left
        unacknowledged (kombu would restore them into the queue after an hour)."""
        with self.client.connection_for_write() as conn:
            redis = conn.default_channel.client
            redis.delete(self.queue, f"_kombu.binding.{self.queue}", f"_kombu.binding_permanent.{self.queue}")
            for tag, raw in redis.hgetall("unacked").items():
                if json.loads(raw)[2] == self.queue:  # [message, exchange, routing key]
                    redis.hdel("unacked", tag)
                    redis.zrem("unacked_index", tag)

    def stop(self):
        for worker in self.workers:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
        if self.broker == "redis":
            self._redis_queue_drop()
        self.smtp.__exit__(None, None, None)
        self.fake.stop()
        for log in sorted(self.log_dir.glob("worker-*.log")):
            print(f"--- {log.name}\n{log.read_text()[-4000:]}")  # shown when a test fails


@pytest.fixture(params=BROKERS)
def stack_factory(request, tmp_path, monkeypatch):
    stacks = []

    def build(**options) -> Stack:
        stack = Stack(request.param, tmp_path, **options)
        stacks.append(stack)
        # Celery prefers CELERY_BROKER_URL from the environment over its own argument.
        monkeypatch.setenv("CELERY_BROKER_URL", stack.env["CELERY_BROKER_URL"])
        # The services enqueue through the app's own broker; route them to the test broker.
        from otp_delivery import tasks

        for task in (tasks.delivery_send_task, tasks.otp_fallback_check_task):
            monkeypatch.setattr(
                task,
                "apply_async",
                lambda args, countdown=None, _n=task.name, **k: stack.send_task(_n, args, countdown),
            )
        return stack

    yield build
    for stack in stacks:
        stack.stop()


def state_of(pk: int) -> str:
    return Delivery.objects.get(pk=pk).state


def test_v5_worker_down_when_the_code_is_requested_code_arrives_once_back(stack_factory):
    stack = stack_factory()
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    delivery = Delivery.objects.get(channel="sms")
    # The send waits in the broker, untaken, and nothing has reached the gateway.
    assert ("otp_delivery.delivery_send", [delivery.pk]) in stack.waiting()
    assert state_of(delivery.pk) == DeliveryState.PENDING and stack.fake.sends() == []
    stack.start_worker()
    wait_until(lambda: state_of(delivery.pk) == DeliveryState.SENT, message="the SMS to be sent")
    assert len(stack.fake.sends()) == 1
    assert stack.fake.sends()[0]["receptor"] == "09121234567"
    assert Delivery.objects.get(pk=delivery.pk).sealed_body == ""


def test_v5_worker_killed_mid_send_neither_sends_twice_nor_loses_it(stack_factory):
    stack = stack_factory(lease=2)
    stack.fake.script = ["hang"]  # the gateway takes the message, then the worker dies
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    delivery = Delivery.objects.get(channel="sms")
    first = stack.start_worker()
    assert stack.fake.received.wait(30), "the worker never reached the gateway"
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert state_of(delivery.pk) == DeliveryState.SENDING

    lease_ends_at = Delivery.objects.get(pk=delivery.pk).claimed_at + timedelta(seconds=stack.lease)
    wait_until(
        lambda: timezone.now() > lease_ends_at, timeout=stack.lease + 5, message="the dead worker's lease to run out"
    )
    stack.start_worker()
    stack.send_task("otp_delivery.delivery_sweep")  # what beat does every minute
    wait_until(lambda: state_of(delivery.pk) == DeliveryState.SENT, message="the recovered send")
    assert len(stack.fake.sends()) == 1, "the code went out twice"
    assert any(path.endswith("statuslocalmessageid.json") for path, _ in stack.fake.requests)
    record = Delivery.objects.get(pk=delivery.pk)
    assert record.attempts == 2 and record.provider_message_id == "8792344"


def test_v5_gateway_refuses_the_sms_email_fallback_fires_once(stack_factory, settings):
    settings.OTP_SMS_FALLBACK_SECONDS = 2  # the countdown the test process queues, as the worker's
    stack = stack_factory(fallback=2)
    stack.fake.script = [418]  # no credit: a permanent refusal
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    stack.start_worker()
    wait_until(lambda: len(stack.smtp.messages) == 1, message="the fallback email")
    assert stack.smtp.messages[0]["To"] == member.email
    assert Delivery.objects.get(channel="sms").state == DeliveryState.FAILED
    # The countdown task, the failure path and beat's sweep all ran or run: still one email.
    stack.send_task("otp_delivery.delivery_sweep")
    stack.send_task("otp_delivery.delivery_sweep")
    stack.wait_idle()  # the countdown task, both sweeps and whatever they queued have run
    assert len(stack.smtp.messages) == 1
    assert Delivery.objects.filter(kind=DeliveryKind.OTP_FALLBACK).count() == 1


def test_v5_no_delivery_report_in_time_sends_the_code_by_email(stack_factory, settings):
    settings.OTP_SMS_FALLBACK_SECONDS = 3
    stack = stack_factory(fallback=3)
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    stack.start_worker()
    wait_until(lambda: len(stack.smtp.messages) == 1, message="the fallback email")
    assert Delivery.objects.get(channel="sms").state == DeliveryState.SENT  # sent, never confirmed
    assert any(path.endswith("/sms/status.json") for path, _ in stack.fake.requests)
