"""The task outbox (issue 13, «Requests never wait on the broker»): a task is a row written
with the change that needs it; after the commit one short publish is tried; what the broker
did not take waits for the relay, which retries. Real sockets for the dead broker: a closed
port and a server that accepts and never answers."""

import datetime
import socket
import threading
import time

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from cms_site.common.models import OutboxTask
from cms_site.common.queueing import outbox_relay_once, task_enqueue, task_publish
from otp_delivery import tasks

pytestmark = pytest.mark.django_db

SEND = "otp_delivery.delivery_send"


@pytest.fixture
def published(monkeypatch):
    """What reached the broker: (task name, args, countdown, eta), in order."""
    calls = []
    for task in (tasks.delivery_send_task, tasks.otp_fallback_check_task):
        monkeypatch.setattr(
            task,
            "apply_async",
            lambda args, _n=task.name, countdown=None, eta=None, **k: calls.append((_n, tuple(args), countdown, eta)),
        )
    return calls


@pytest.fixture
def broker_down(monkeypatch):
    """The broker refuses every publish; returns the list of attempts."""
    attempts = []

    def refuse(args, **kwargs):
        attempts.append(tuple(args))
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for task in (tasks.delivery_send_task, tasks.otp_fallback_check_task):
        monkeypatch.setattr(task, "apply_async", refuse)
    return attempts


def _age(seconds: float) -> None:
    OutboxTask.objects.update(created_at=timezone.now() - datetime.timedelta(seconds=seconds))


def test_a_task_is_published_after_commit_and_its_row_removed(published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            task_enqueue(SEND, 7)
            assert OutboxTask.objects.get().args == [7]  # written with the change
            assert published == []  # nothing leaves before the commit
    assert published == [(SEND, (7,), None, None)]
    assert not OutboxTask.objects.exists()


def test_a_rolled_back_change_queues_nothing(published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            task_enqueue(SEND, 7)
            raise RuntimeError("the change failed")
    assert published == [] and not OutboxTask.objects.exists()


def test_broker_down_the_task_waits_and_the_request_tries_once(broker_down, django_capture_on_commit_callbacks):
    """Two tasks queued by one request against a dead broker: one attempt, no retries,
    both kept for the relay."""
    with django_capture_on_commit_callbacks(execute=True):
        task_enqueue(SEND, 7)
        task_enqueue("otp_delivery.otp_fallback_check", 7, countdown=120)
    assert broker_down == [(7,)]  # the second did not wait on the dead broker again
    rows = list(OutboxTask.objects.order_by("pk"))
    assert [(row.name, row.args) for row in rows] == [(SEND, [7]), ("otp_delivery.otp_fallback_check", [7])]
    assert rows[0].claimed_until is None and rows[0].attempts == 1
    assert rows[1].eta is not None and rows[1].eta > timezone.now() + datetime.timedelta(seconds=100)


# In the tests below the rows are written inside the test's transaction, whose commit (and
# so the request's own publish) never comes: they wait exactly like rows the broker refused.


def test_the_relay_publishes_waiting_rows_oldest_first_with_their_eta(published):
    task_enqueue(SEND, 2)
    task_enqueue("otp_delivery.otp_fallback_check", 2, countdown=120)
    _age(5)
    assert outbox_relay_once() == {"published": 2, "waiting": 0}
    assert [(name, args) for name, args, _c, _e in published] == [
        (SEND, (2,)),
        ("otp_delivery.otp_fallback_check", (2,)),
    ]
    assert published[0][3] is None and published[1][3] > timezone.now()  # the countdown is kept as an eta
    assert not OutboxTask.objects.exists()


def test_the_relay_leaves_young_rows_to_their_request_and_claimed_rows_to_their_claimer(published):
    task_enqueue(SEND, 1)
    task_enqueue(SEND, 2)
    OutboxTask.objects.filter(args=[2]).update(claimed_until=timezone.now() + datetime.timedelta(seconds=20))
    assert outbox_relay_once()["published"] == 0  # both younger than the grace
    _age(5)
    assert outbox_relay_once()["published"] == 1
    assert published == [(SEND, (1,), None, None)]
    OutboxTask.objects.update(claimed_until=timezone.now() - datetime.timedelta(seconds=1))  # its claimer died
    assert outbox_relay_once()["published"] == 1


def test_the_relay_stops_at_the_first_refusal_and_tries_again_next_round(broker_down, monkeypatch):
    for pk in (1, 2, 3):
        task_enqueue(SEND, pk)
    _age(5)
    assert outbox_relay_once() == {"published": 0, "waiting": 3}
    assert broker_down == [(1,)]
    assert set(OutboxTask.objects.values_list("claimed_until", flat=True)) == {None}
    sent = []
    monkeypatch.setattr(tasks.delivery_send_task, "apply_async", lambda args, **k: sent.append(tuple(args)))
    call_command("outbox_relay", "--once")
    assert sent == [(1,), (2,), (3,)] and not OutboxTask.objects.exists()


def test_a_row_naming_no_task_is_set_aside_and_does_not_block_the_others(published):
    task_enqueue(SEND, 1)
    OutboxTask.objects.create(name="otp_delivery.renamed_task", args=[2], created_at=timezone.now())
    task_enqueue(SEND, 3)
    _age(5)
    assert outbox_relay_once()["published"] == 2
    assert [args for _n, args, _c, _e in published] == [(1,), (3,)]
    stuck = OutboxTask.objects.get()
    assert stuck.name == "otp_delivery.renamed_task" and stuck.last_error == "no such task"
    assert outbox_relay_once()["published"] == 0  # kept for an operator, not retried in a loop


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SilentServer:
    """Accepts connections and never answers (a hung or half-open broker)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self):
        self.sock.close()
        for connection in self.held:
            connection.close()


@pytest.mark.parametrize("broker", ["closed port", "silent server"])
def test_a_dead_redis_broker_refuses_a_publish_quickly(broker, monkeypatch, settings):
    """Against a real dead broker the one attempt ends in about TASK_PUBLISH_TIMEOUT_SECONDS
    (measured: about 0.01 s for a closed port, 0.1–0.2 s for a silent one), not the 19 s of
    Celery's default retries plus a result backend."""
    server = SilentServer() if broker == "silent server" else None
    port = server.port if server else _closed_port()
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", f"redis://127.0.0.1:{port}/0")
    try:
        task_publish(SEND, 0)  # the first publish also imports the tasks module
        started = time.monotonic()
        assert task_publish(SEND, 1) is False
        elapsed = time.monotonic() - started
    finally:
        if server:
            server.close()
    assert elapsed < 1.0, f"a publish to a dead broker took {elapsed:.2f} s"
