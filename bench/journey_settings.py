"""Settings of the gunicorn and Celery processes of the voting-journey benchmark
(bench/journey_bench.py): production's settings, unchanged except for what a plain-HTTP
run on loopback, with no TLS proxy in front, cannot do. Used nowhere else.

Not changed: Argon2 first in PASSWORD_HASHERS, the image captcha (CAPTCHA_TEST_MODE off),
the login guard and every RATELIMITS budget (the load generator gives each voter its own
loopback source address, as voters on the internet have their own), Redis cache and
rate-limit storage, the Celery broker, DEBUG off, INFO logging.
"""

from cms_site.settings.production import *  # noqa: F403

# No TLS proxy on loopback: cookies over plain HTTP, no redirect to https, no HSTS.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_HSTS_PRELOAD = False

# Static files straight from the app folders, so the run needs no collectstatic; the
# journey fetches no static file (a browser has them cached after the first page).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
