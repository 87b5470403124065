"""`manage.py rundev`: the development server, a Celery worker with beat, and the outbox
relay, together and supervised.

Used by `make run`. A child that dies (a worker crash when the broker drops, say) is
restarted, not the end of the portal. One Ctrl-C (or SIGTERM) stops everything it started.
"""

import os
import signal
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from cms_site.demo.members import DEMO_STAFF_NATIONAL_CODE, DEMO_STAFF_PASSWORD
from cms_site.demo.supervisor import Supervisor


def dev_processes(*, host: str, port: str) -> dict[str, list[str]]:
    """What `make run` keeps running: {name: argv}."""
    python = sys.executable
    return {
        "web": [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
        "worker": [
            python, "-m", "celery", "-A", "cms_site", "worker", "--beat", "--loglevel", "INFO",
            "--concurrency", "2", "--without-gossip", "--without-mingle",
            "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME,
        ],
        "relay": [python, "manage.py", "outbox_relay"],
    }  # fmt: skip


class Command(BaseCommand):
    help = (
        "Serve the portal on 127.0.0.1:$PORT with a Celery worker, beat and the outbox relay, restarting any that dies."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))

    def handle(self, *args, host, port, **options):
        supervisor = Supervisor(dev_processes(host=host, port=port), env=os.environ.copy(), out=self.stdout)
        supervisor.check()  # start them all
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
                    f"  Celery broker    {settings.CELERY_BROKER_URL} (worker, beat and outbox relay running)",
                    "A process that dies is restarted. Press Ctrl-C once to stop everything.",
                    "",
                ]
            )
        )
        signal.signal(signal.SIGINT, lambda *_: supervisor.stopping.set())
        signal.signal(signal.SIGTERM, lambda *_: supervisor.stopping.set())
        try:
            supervisor.run()
        finally:
            supervisor.stop()
            self.stdout.write("Stopped the web server, the Celery worker and the outbox relay.")
