"""`make run` supervises what it starts (issue 13, «Workers survive broker loss»): a child
that dies is restarted while the others keep running, a child that keeps dying is
restarted ever more slowly, and stopping stops them all. Real processes."""

import io
import os
import signal
import sys
import threading

import pytest

from cms_site.demo.management.commands.rundev import dev_processes
from cms_site.demo.supervisor import Supervisor
from tests.waiting import wait_until

SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]
# A worker-like parent with a child of its own (Celery's pool, its embedded beat).
PARENT = [
    sys.executable, "-c",
    "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']);"
    " time.sleep(600)",
]  # fmt: skip


@pytest.fixture
def running():
    started = []

    def start(children: dict) -> tuple[Supervisor, io.StringIO]:
        out = io.StringIO()
        supervisor = Supervisor(children, out=out, stable_after=30)
        thread = threading.Thread(target=supervisor.run, kwargs={"interval": 0.05}, daemon=True)
        thread.start()
        started.append((supervisor, thread))
        wait_until(lambda: all(child.process for child in supervisor.children), message="every child started")
        return supervisor, out

    yield start
    for supervisor, thread in started:
        supervisor.stop(timeout=10)
        thread.join(10)


def _alive(child) -> bool:
    return child.process is not None and child.process.poll() is None


def test_a_killed_worker_is_restarted_and_the_portal_keeps_running(running):
    supervisor, out = running({"web": SLEEPER, "worker": SLEEPER, "relay": SLEEPER})
    worker, web = supervisor.child("worker"), supervisor.child("web")
    first, web_pid = worker.process.pid, web.process.pid
    os.kill(first, signal.SIGKILL)  # the worker dies, as when kombu crashed on a Redis drop
    wait_until(lambda: _alive(worker) and worker.process.pid != first, timeout=15, message="the worker restarted")
    assert worker.history == [first, worker.process.pid]
    assert web.process.pid == web_pid and _alive(web) and _alive(supervisor.child("relay"))
    assert f"worker exited with {-signal.SIGKILL}; restarting" in out.getvalue()


def test_what_a_killed_worker_leaves_behind_is_cleaned_up(running, tmp_path):
    supervisor, _out = running({"worker": PARENT})
    worker = supervisor.child("worker")
    first = worker.process.pid
    pool = wait_until(lambda: _children_of(first), message="the worker's own child")
    os.kill(first, signal.SIGKILL)  # the parent dies; its child is orphaned
    wait_until(lambda: worker.process is not None and worker.process.pid != first, message="the worker restarted")
    wait_until(lambda: not any(_exists(pid) for pid in pool), timeout=10, message="the orphan gone")


def _children_of(pid: int) -> list[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    try:
        with open(path) as handle:
            return [int(child) for child in handle.read().split()]
    except FileNotFoundError:
        return []


def _exists(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[1][0] != "Z"  # a zombie is gone for good
    except FileNotFoundError:
        return False


def test_a_child_that_keeps_dying_is_restarted_ever_more_slowly(running):
    supervisor, out = running({"web": SLEEPER, "relay": [sys.executable, "-c", "raise SystemExit(3)"]})
    relay = supervisor.child("relay")
    wait_until(lambda: relay.restarts >= 3, timeout=30, message="three restarts")
    log = out.getvalue()
    assert "relay exited with 3; restarting in 1.0 s" in log and "restarting in 2.0 s" in log
    assert _alive(supervisor.child("web"))


def test_stopping_stops_every_child(running):
    supervisor, _out = running({"web": SLEEPER, "worker": SLEEPER})
    processes = [child.process for child in supervisor.children]
    supervisor.stop(timeout=10)
    assert all(process.poll() is not None for process in processes)
    supervisor.check()  # once stopping, nothing is started again
    assert all(child.process in processes for child in supervisor.children)


def test_make_run_supervises_the_web_server_the_worker_with_beat_and_the_outbox_relay(settings):
    settings.CELERY_BEAT_SCHEDULE_FILENAME = "var/celery/beat-schedule"  # set by the dev settings
    processes = dev_processes(host="127.0.0.1", port="8000")
    assert set(processes) == {"web", "worker", "relay"}
    assert "runserver" in processes["web"] and processes["relay"][-1] == "outbox_relay"
    assert "worker" in processes["worker"] and "--beat" in processes["worker"]
