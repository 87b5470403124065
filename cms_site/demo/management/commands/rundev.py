"""`manage.py rundev`: the development server plus a Celery worker and beat, together.

Used by `make run`. One Ctrl-C (or SIGTERM) stops everything it started.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from cms_site.demo.members import DEMO_STAFF_NATIONAL_CODE, DEMO_STAFF_PASSWORD


class Command(BaseCommand):
    help = "Serve the portal on 127.0.0.1:$PORT with a Celery worker and beat on the configured broker."

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))

    def handle(self, *args, host, port, **options):
        python = sys.executable
        env = os.environ.copy()
        celery = [
            python,
            "-m",
            "celery",
            "-A",
            "cms_site",
            "worker",
            "--beat",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "--without-gossip",
            "--without-mingle",
            "--schedule",
            settings.CELERY_BEAT_SCHEDULE_FILENAME,
        ]
        web = [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"]
        children = [
            subprocess.Popen(celery, env=env, start_new_session=True),  # noqa: S603 - fixed argv
            subprocess.Popen(web, env=env, start_new_session=True),  # noqa: S603 - fixed argv
        ]
        base = f"http://{host}:{port}"
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "Portal is starting:",
                    f"  Home (Persian)   {base}/",
                    f"  Home (English)   {base}/en/",
                    f"  Wagtail admin    {base}/admin/",
                    f"  Health           {base}/healthz",
                    f"  Editor login     national code {DEMO_STAFF_NATIONAL_CODE} / password {DEMO_STAFF_PASSWORD}",
                    f"  Outgoing SMS     {settings.SMS_FILE_PATH}",
                    f"  Outgoing email   {settings.EMAIL_FILE_PATH}",
                    f"  Outbox page      {base}/dev/outbox/ (latest SMS and emails, DEBUG only)",
                    f"  Inbound SMS token (X-Inbound-Token): {settings.SMS_INBOUND_TOKEN}",
                    f"  Celery broker    {settings.CELERY_BROKER_URL} (worker and beat running)",
                    "Press Ctrl-C once to stop everything.",
                    "",
                ]
            )
        )
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            for child in children:
                if child.poll() is None:
                    # The main process only: Celery then shuts its pool down itself (warm shutdown).
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(child.pid, signal.SIGKILL)
            self.stdout.write("Stopped the web server and the Celery worker.")
        failed = [child.args[2] if len(child.args) > 2 else child.args for child in children if child.returncode]
        if not stopping and failed:
            sys.exit(1)
