"""Services queue tasks by name (`cms_site.common.queueing.task_enqueue`, which publishes
through `task_publish`) without importing the tasks modules. In a fresh web process nothing
has imported those modules yet; the name must still reach the registered task (with its
options), not fail after commit."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
from unittest import mock
import django
django.setup()
from celery.app.task import Task
from cms_site.common.queueing import task_publish
before = "otp_delivery.tasks" in sys.modules
with mock.patch.object(Task, "apply_async", autospec=True) as apply_async:
    task_publish("otp_delivery.delivery_send", 7)
    task_publish("otp_delivery.otp_fallback_check", 7, countdown=120)
calls = [[c.args[0].name, list(c.args[1]), c.kwargs.get("countdown")] for c in apply_async.call_args_list]
print(json.dumps({"imported_before": before, "calls": calls}))
"""


def test_a_short_task_name_resolves_in_a_fresh_process():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "cms_site.settings.test"},
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["imported_before"] is False
    assert report["calls"] == [
        ["otp_delivery.delivery_send", [7], None],
        ["otp_delivery.otp_fallback_check", [7], 120],
    ]
