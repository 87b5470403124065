"""Issue 5 faults with a real Celery worker process, a real broker (kombu's filesystem
transport, and Redis in the PostgreSQL/Redis pass), the fake Kavenegar server and a real
SMTP server, on PostgreSQL (the worker must see the test's committed rows):

- the worker is down when the code is requested: the code still arrives once it is back;
- the worker is killed mid-send: the code is neither sent twice nor lost;
- the SMS gateway refuses the message: the email fallback fires, exactly once;
- no delivery report within the fallback delay: the code goes by email.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from cms_site.settings.base import filesystem_broker_options
from otp_delivery.models import Delivery, DeliveryKind, DeliveryState
from otp_delivery.services import otp_challenge_issue
from tests.fake_kavenegar import API_KEY, FakeKavenegar
from tests.otp_helpers import voter
from tests.services import redis_url, require
from tests.smtp_server import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
BROKERS = ["filesystem"] + (["redis"] if os.environ.get("CELERY_BROKER_URL", "").startswith("redis://") else [])


def wait_for(predicate, *, timeout: float = 30, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Stack:
    """Broker + fake Kavenegar + SMTP server + worker processes started on demand."""

    def __init__(self, broker: str, tmp_path: Path, *, lease: int = 60, fallback: int = 120):
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
        }
        self.env.pop("CELERY_RESULT_BACKEND", None)
        # Not the current app: the task proxies patched below must keep resolving to the
        # project's app, the one `task_enqueue` sends through.
        self.client = Celery("client", broker=broker_env["CELERY_BROKER_URL"], set_as_current=False)
        self.client.conf.broker_transport_options = options
        self.workers: list[subprocess.Popen] = []
        self.log_dir = tmp_path

    def start_worker(self) -> subprocess.Popen:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "cms_site", "worker", "--pool", "solo", "--loglevel", "INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=self.env, stderr=subprocess.STDOUT,
            stdout=(self.log_dir / f"worker-{len(self.workers)}.log").open("w"),
        )  # fmt: skip
        self.workers.append(worker)
        return worker

    def send_task(self, name: str, args=(), countdown=None):
        self.client.send_task(name, args=list(args), countdown=countdown)

    def stop(self):
        for worker in self.workers:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
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

        monkeypatch.setattr(
            tasks.delivery_send_task, "delay", lambda pk: stack.send_task(tasks.delivery_send_task.name, [pk])
        )
        monkeypatch.setattr(
            tasks.otp_fallback_check_task,
            "apply_async",
            lambda args, countdown=None: stack.send_task(tasks.otp_fallback_check_task.name, args, countdown),
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
    time.sleep(1)
    assert state_of(delivery.pk) == DeliveryState.PENDING and stack.fake.sends() == []
    stack.start_worker()
    wait_for(lambda: state_of(delivery.pk) == DeliveryState.SENT, what="the SMS to be sent")
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

    time.sleep(2.5)  # the dead worker's lease runs out
    stack.start_worker()
    stack.send_task("otp_delivery.delivery_sweep")  # what beat does every minute
    wait_for(lambda: state_of(delivery.pk) == DeliveryState.SENT, what="the recovered send")
    assert len(stack.fake.sends()) == 1, "the code went out twice"
    assert any(path.endswith("statuslocalmessageid.json") for path, _ in stack.fake.requests)
    record = Delivery.objects.get(pk=delivery.pk)
    assert record.attempts == 2 and record.provider_message_id == "8792344"


def test_v5_gateway_refuses_the_sms_email_fallback_fires_once(stack_factory):
    stack = stack_factory(fallback=2)
    stack.fake.script = [418]  # no credit: a permanent refusal
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    stack.start_worker()
    wait_for(lambda: len(stack.smtp.messages) == 1, what="the fallback email")
    assert stack.smtp.messages[0]["To"] == member.email
    assert Delivery.objects.get(channel="sms").state == DeliveryState.FAILED
    # The countdown task, the failure path and beat's sweep all ran or run: still one email.
    stack.send_task("otp_delivery.delivery_sweep")
    stack.send_task("otp_delivery.delivery_sweep")
    time.sleep(4)
    assert len(stack.smtp.messages) == 1
    assert Delivery.objects.filter(kind=DeliveryKind.OTP_FALLBACK).count() == 1


def test_v5_no_delivery_report_in_time_sends_the_code_by_email(stack_factory, settings):
    settings.OTP_SMS_FALLBACK_SECONDS = 3
    stack = stack_factory(fallback=3)
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    stack.start_worker()
    wait_for(lambda: len(stack.smtp.messages) == 1, what="the fallback email")
    assert Delivery.objects.get(channel="sms").state == DeliveryState.SENT  # sent, never confirmed
    assert any(path.endswith("/sms/status.json") for path, _ in stack.fake.requests)
