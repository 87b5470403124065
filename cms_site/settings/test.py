"""Settings for the test suite.

SQLite by default; `DATABASE_URL`, `CACHE_URL` and `CELERY_BROKER_URL` point the same
suite at PostgreSQL and Redis (see `.ci/run`).
"""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, PASSWORD_HASHERS, VAR_DIR, env, filesystem_broker_options

# The demo (`manage.py demo`, `manage.py rundev`) is a development-only app.
INSTALLED_APPS = [*INSTALLED_APPS, "cms_site.demo"]

DEBUG = False
SECRET_KEY = "test-only-key-not-secret"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

# Argon2 stays first in base/production; tests hash with MD5 for speed only.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "locmem"
SMS_INBOUND_TOKEN = "test-inbound-token"
CAPTCHA_BACKEND = "image"
CAPTCHA_TEST_MODE = False

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
CELERY_TASK_ALWAYS_EAGER = False
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(
        env("CELERY_FILESYSTEM_DIR", default=str(VAR_DIR / "test-celery"))
    )

MEDIA_ROOT = str(VAR_DIR / "test-media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Static files straight from the app/project folders; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = str(VAR_DIR / "test-static")
(VAR_DIR / "test-static").mkdir(parents=True, exist_ok=True)

RATELIMIT_STORAGE_URI = "memory://"
