"""Local development: everything embedded, nothing to install beyond Python.

SQLite under var/, Celery on kombu's filesystem transport under var/celery/, email
written to var/outbox/mail/ and SMS to var/outbox/sms.jsonl.
"""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, VAR_DIR, env, filesystem_broker_options

# The demo (`manage.py demo`, `manage.py rundev`) is a development-only app.
INSTALLED_APPS = [*INSTALLED_APPS, "cms_site.demo"]

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
_celery_dir = VAR_DIR / "celery"
CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(_celery_dir)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=f"file://{_celery_dir / 'results'}")
CELERY_BEAT_SCHEDULE_FILENAME = str(_celery_dir / "beat-schedule")

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = str(VAR_DIR / "outbox" / "mail")
SMS_BACKEND = env("SMS_BACKEND", default="file")

SMS_INBOUND_TOKEN = env("SMS_INBOUND_TOKEN", default="dev-inbound-token")

# Kombu's filesystem transport, the file result backend and the outboxes need their folders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
for _folder in (
    VAR_DIR / "static",
    _celery_dir / "queue",
    _celery_dir / "processed",
    _celery_dir / "results",
    VAR_DIR / "outbox" / "mail",
):
    _folder.mkdir(parents=True, exist_ok=True)
