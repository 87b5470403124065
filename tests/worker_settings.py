"""Settings of the Celery worker processes the worker tests start: the test settings,
with the gateways and the timings those tests choose through the environment."""

from cms_site.settings.test import *  # noqa: F403
from cms_site.settings.test import env

SMS_BACKEND = env("SMS_BACKEND", default="kavenegar")
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_USE_TLS = False
EMAIL_TIMEOUT = 5
DELIVERY_SEND_LEASE_SECONDS = env.int("DELIVERY_SEND_LEASE_SECONDS", default=60)
DELIVERY_RETRY_BACKOFF_SECONDS = env.int("DELIVERY_RETRY_BACKOFF_SECONDS", default=1)
OTP_SMS_FALLBACK_SECONDS = env.int("OTP_SMS_FALLBACK_SECONDS", default=120)
# Each test's stack gives its worker a queue of its own (the tasks it queues go there too).
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
