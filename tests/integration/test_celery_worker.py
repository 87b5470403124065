"""A real Celery worker process takes tasks from the real broker: the filesystem transport
that `make run` uses, and Redis when the suite runs against the production-like stack."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery

from cms_site.settings.base import filesystem_broker_options
from tests.services import redis_url, require

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.celery_worker


# The Redis broker is exercised in the PostgreSQL/Redis pass (CELERY_BROKER_URL=redis://...).
BROKERS = ["filesystem"] + (["redis"] if os.environ.get("CELERY_BROKER_URL", "").startswith("redis://") else [])


@pytest.fixture(params=BROKERS)
def broker(request, tmp_path, monkeypatch):
    """(environment for the worker, transport options for the client)."""
    if request.param == "filesystem":
        for sub in ("queue", "processed", "results"):
            (tmp_path / sub).mkdir()
        env = {
            "CELERY_BROKER_URL": "filesystem://",
            "CELERY_FILESYSTEM_DIR": str(tmp_path),
            "CELERY_RESULT_BACKEND": f"file://{tmp_path / 'results'}",
        }
        return env, filesystem_broker_options(tmp_path)
    url = redis_url()
    require("Redis", url is not None, "start redis-server on 127.0.0.1:6379")
    return {"CELERY_BROKER_URL": url, "CELERY_RESULT_BACKEND": url}, {}


def test_worker_round_trip(broker, monkeypatch):
    worker_env, transport_options = broker
    # Celery reads CELERY_BROKER_URL from the environment before its own arguments.
    for name, value in worker_env.items():
        monkeypatch.setenv(name, value)
    env = {**os.environ, **worker_env, "DJANGO_SETTINGS_MODULE": "cms_site.settings.test"}
    # A queue of its own: another worker on the same Redis database (another run, `make run`)
    # must not take the ping, and this worker must not take theirs.
    queue = f"round-trip-{uuid.uuid4().hex[:12]}"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cms_site", "worker", "--pool", "solo", "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--queues", queue],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        client = Celery(
            "client",
            broker=worker_env["CELERY_BROKER_URL"],
            backend=worker_env["CELERY_RESULT_BACKEND"],
            set_as_current=False,
        )
        client.conf.broker_transport_options = transport_options
        result = client.send_task("common.ping", queue=queue)
        assert result.get(timeout=60) == "pong"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
