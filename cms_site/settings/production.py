"""Production: PostgreSQL, Redis as broker and cache, SMTP.

Refuses to start without its secrets and endpoints; there are no throwaway defaults.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import degrading_cache, env

REQUIRED = {
    "SECRET_KEY": "a long random secret key",
    "ALLOWED_HOSTS": "the public host names, comma separated",
    "DATABASE_URL": "postgres://user:password@host:5432/dbname",
    "CELERY_BROKER_URL": "redis://host:6379/0",
    "CACHE_URL": "redis://host:6379/1",
    "EMAIL_URL": "smtp+tls://user:password@host:587",
    "SMS_BACKEND": "the SMS gateway backend name",
    "SMS_INBOUND_TOKEN": "the shared token the SMS gateway sends with inbound messages",
}
_missing = [name for name in REQUIRED if not env.str(name, default="").strip()]
if _missing:
    raise ImproperlyConfigured(
        "Production settings refuse to start; set these environment variables: "
        + ", ".join(f"{name} ({REQUIRED[name]})" for name in _missing)
    )

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
CACHES = {"default": degrading_cache(env.cache("CACHE_URL"))}
# Rate limits must be shared by every web process: Redis (the cache's server) by default.
RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", default=env("CACHE_URL"))
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
EMAIL_CONFIG = env.email("EMAIL_URL")
vars().update(EMAIL_CONFIG)
SMS_BACKEND = env("SMS_BACKEND")
SMS_INBOUND_TOKEN = env("SMS_INBOUND_TOKEN")
if SMS_BACKEND == "kavenegar" and not env.str("KAVENEGAR_API_KEY", default="").strip():
    raise ImproperlyConfigured("Production settings refuse to start; set KAVENEGAR_API_KEY (the Kavenegar API key).")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The documented deployment has one TLS proxy in front of gunicorn (docs/operations.md «Proxy»).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)

# HTTPS everywhere; `manage.py check --deploy` passes with zero warnings.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
# Issue 13: the `django_language` cookie too (the messages cookie follows the session's flags).
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[f"https://{h}" for h in ALLOWED_HOSTS])
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default=f"https://{ALLOWED_HOSTS[0]}")
# Links in the election notices sent to members (issue 6).
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default=WAGTAILADMIN_BASE_URL)
