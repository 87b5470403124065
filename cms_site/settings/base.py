"""Settings shared by every environment.

Values come from the environment through django-environ; each environment module
(dev, test, production) sets its own defaults on top of this one.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

INSTALLED_APPS = [
    "cms_site.common",
    "cms_site.audit",
    "member_workflow",
    "election_pages",
    "otp_delivery",
    "wagtail.contrib.forms",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.simple_translation",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.locales",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "captcha",
    "django_recaptcha",
    "django_otp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Issue 13: Content-Security-Policy by path (strict on the public site) and Permissions-Policy.
    "cms_site.common.security_headers.PathScopedCSPMiddleware",
    "cms_site.common.security_headers.PermissionsPolicyMiddleware",
    "cms_site.common.security_headers.CookieFlagsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the body or a cookie: bad charsets, unparseable bodies and NULs
    # become a Persian 400 here, not a 500 further in (cms_site.common.middleware).
    "cms_site.common.middleware.BadInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "member_workflow.middleware.PasswordChangeRequiredMiddleware",
    # A dependency a security rule needs is down (the limits' store): a Persian 503.
    "cms_site.common.middleware.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "cms_site.urls"
WSGI_APPLICATION = "cms_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# Widgets render through the project's templates (e.g. includes/captcha_field.html).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `make run` has the web server, the worker and beat writing one file: wait for the lock
    # instead of failing at once, and take it when a transaction begins (a read lock that
    # later needs to write cannot wait, and fails with «database is locked»).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The member is the user: username is the national code (SPEC M1).
AUTH_USER_MODEL = "member_workflow.Member"

# Argon2 first: new and re-hashed passwords use it; the others only verify old hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # SPEC M6: 8+ characters, ASCII upper, lower and digits, nothing else (Persian messages).
    {"NAME": "member_workflow.password_policy.PortalPasswordValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]

# The login guard (member_workflow.services.logins; docs/operations.md «Logins»): every
# password form (portal, voting door, /admin/login/) goes through it. Its counters are rows
# of member_workflow.LoginThrottle, shared by every web process and independent of the cache.
LOGIN_WINDOW_SECONDS = 3600  # failures older than this are forgotten
# One address on one account (a "place"): free failures, then a delay doubling up to the cap.
LOGIN_PAIR_FREE_FAILURES = 5
LOGIN_PAIR_DELAY_SECONDS = 30
LOGIN_PAIR_DELAY_MAX_SECONDS = 900
# One address, every account: sized for a hospital's NAT where hundreds vote from one
# address. Each success from it cancels one failure (up to the credit cap); past the budget
# it waits a short growing delay, never a block.
LOGIN_ADDRESS_FREE_FAILURES = env.int("LOGIN_ADDRESS_FREE_FAILURES", default=100)
LOGIN_ADDRESS_SUCCESS_CREDIT_MAX = env.int("LOGIN_ADDRESS_SUCCESS_CREDIT_MAX", default=1000)
LOGIN_ADDRESS_DELAY_SECONDS = 2
LOGIN_ADDRESS_DELAY_MAX_SECONDS = 60
# One account failing from this many addresses is under attack: tries from places the owner
# never logged in from need a code sent to the member first, spaced by a growing delay.
LOGIN_ACCOUNT_ATTACK_ADDRESSES = 3
LOGIN_ACCOUNT_DELAY_SECONDS = 30
LOGIN_ACCOUNT_DELAY_MAX_SECONDS = 900
LOGIN_SECOND_FACTOR_SECONDS = 600  # the code's life, and how long a browser stays verified
LOGIN_TRUSTED_PLACE_DAYS = 180  # a success from an address makes it the owner's place this long
# The client's address behind a reverse proxy (docs/operations.md «Proxy»): how many proxies
# in front of gunicorn append to X-Forwarded-For. 0 = clients connect to gunicorn directly.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Cache-based limits (the `limits` library) on forgot-password, status and P4: per IP and
# per national code, "N/period" strings. Storage: memory by default, Redis in production.
RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", default="memory://")
RATELIMITS = {
    "national_code_check": {"ip": "30/10minute", "national_code": "10/10minute"},
    "membership_status": {"ip": "30/10minute", "national_code": "10/10minute"},
    "password_forgot": {"ip": "20/hour", "national_code": "5/hour"},
    "registration": {"ip": "20/hour", "national_code": "10/hour"},
    "profile_change": {"ip": "30/hour", "national_code": "10/hour"},
    "supervisor_key": {"ip": "30/hour", "national_code": "10/hour"},
}

# --- Language and time: Persian first, right to left; English as a full translation.
LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", "فارسی"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Tehran"

WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_SITE_NAME = "سامانه انتخابات انجمن‌های علمی"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf"]
# Documents go through /documents/ (a view), so `before_serve_document` decides who reads a
# candidate's file (issue 13); never a direct /media/ link.
WAGTAILDOCS_SERVE_METHOD = "serve_view"

# --- Static and media files (served by whitenoise; no CDN anywhere).
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGIN_URL = "accounts:login"  # resolved per language (/accounts/login/, /en/accounts/login/)


def degrading_cache(config: dict) -> dict:
    """One CACHES entry with Django's Redis backend replaced by the portal's, which treats
    an unreachable Redis as a miss instead of an error (cms_site.common.cache)."""
    if config.get("BACKEND") == "django.core.cache.backends.redis.RedisCache":
        return {**config, "BACKEND": "cms_site.common.cache.DegradingRedisCache"}
    return config


# --- Cache: local memory by default, Redis when CACHE_URL says so. A cache outage makes
# pages slower, never broken (docs/operations.md «Faults»).
CACHES = {"default": degrading_cache(env.cache("CACHE_URL", default="locmemcache://portal"))}
# Sessions live in the database: a cache outage logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Celery. Broker and result backend come from the environment.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)


def redis_broker_options() -> dict:
    """Transport options of a Redis broker for the workers and beat: a connect or a read
    never hangs on a dead or half-open Redis (it fails, and the worker reconnects)."""
    return {"socket_connect_timeout": 5, "socket_timeout": 30, "socket_keepalive": True, "health_check_interval": 25}


CELERY_BROKER_TRANSPORT_OPTIONS: dict = (
    redis_broker_options() if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else {}
)
# Workers survive broker loss (docs/operations.md «Faults»): they wait for the broker as long
# as it takes, at start and after losing it, instead of exiting after 100 tries. A task
# running when the connection drops finishes (its record says what happened; the sweep and
# the tasks' idempotence handle a redelivery) rather than being cancelled half way.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CONSUMER = "cms_site.celery:PromptReconnectConsumer"  # retries every ≤ 5 s, not 30
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Publishing from the portal (cms_site.common.queueing): one try, bounded by this many
# seconds, then the task waits in the outbox for the relay (`manage.py outbox_relay`),
# which tries again every OUTBOX_RELAY_INTERVAL_SECONDS.
TASK_PUBLISH_TIMEOUT_SECONDS = env.float("TASK_PUBLISH_TIMEOUT_SECONDS", default=0.1)
OUTBOX_RELAY_INTERVAL_SECONDS = env.float("OUTBOX_RELAY_INTERVAL_SECONDS", default=2.0)
OUTBOX_RELAY_GRACE_SECONDS = 2  # a younger row is still being published by its request
OUTBOX_CLAIM_SECONDS = 30  # a claim left by a process that died runs out after this
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    # SPEC A3: open and close elections at their start and end times, within a minute.
    "elections-schedule-run": {"task": "election_pages.lifecycle.tasks.elections_schedule_run_task", "schedule": 60.0},
    # Re-queues lost sends and fires the SMS→email fallback the countdown task may have missed.
    "otp-delivery-sweep": {"task": "otp_delivery.delivery_sweep", "schedule": 60.0},
    # V6/V7: erase the selections of ballot sessions never confirmed (issue 5).
    "ballot-sessions-expire": {
        "task": "election_pages.voting.tasks.ballot_sessions_expire_task",
        "schedule": 60.0,
    },
    # Issue 13: forget login counters with nothing left to remember.
    "login-throttle-purge": {
        "task": "member_workflow.tasks.login_throttle_purge_task",
        "schedule": crontab(hour=3, minute=45),
    },
    # Issue 6, archive: archive elections past their retention, erase old message records.
    "retention-sweep": {
        "task": "election_pages.lifecycle.tasks.retention_sweep_task",
        "schedule": crontab(hour=3, minute=30),
    },
}
# Archive and retention (docs/operations.md «Retention»): an election's ballot sessions,
# code requests and code messages are kept this many days after voting ends, then the
# election is archived and they are erased. Finished message records go after
# DELIVERY_RETENTION_DAYS whatever they were for.
ELECTION_RETENTION_DAYS = env.int("ELECTION_RETENTION_DAYS", default=30)
# Issue 12: admins are told this many days before the start when the key ceremony is incomplete.
KEY_CEREMONY_WARNING_DAYS = env.int("KEY_CEREMONY_WARNING_DAYS", default=3)
# Issue 12: from this many ballots the admin's unsealing runs behind a progress bar.
UNSEAL_BACKGROUND_FROM = env.int("UNSEAL_BACKGROUND_FROM", default=5000)
# Issue 12: how long the purge's table rewrite waits for older transactions to end.
BALLOT_BOX_REWRITE_WAIT_SECONDS = env.int("BALLOT_BOX_REWRITE_WAIT_SECONDS", default=30)
DELIVERY_RETENTION_DAYS = env.int("DELIVERY_RETENTION_DAYS", default=30)
# Election notices (issue 6): members per Celery chunk, and the origin of the links in them.
NOTIFICATION_CHUNK_SIZE = env.int("NOTIFICATION_CHUNK_SIZE", default=200)
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default=WAGTAILADMIN_BASE_URL)
# A ballot session (voting login → «ثبت رای») lives this long, never past the window's end.
VOTING_SESSION_MINUTES = env.int("VOTING_SESSION_MINUTES", default=30)
RATELIMITS["voting_confirm"] = {"ip": "60/10minute", "national_code": "20/10minute"}
# Inbound SMS (option 2, M9, the third voting channel): messages per sender's mobile.
RATELIMITS["sms_inbound"] = {"sender": "10/10minute"}


def filesystem_broker_options(folder) -> dict:
    """Transport options for kombu's filesystem broker rooted at `folder` (created here:
    kombu makes the control folder without its parents)."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(Path(folder) / "queue"),
        "data_folder_out": str(Path(folder) / "queue"),
        "processed_folder": str(Path(folder) / "processed"),
        "store_processed": False,
        # kombu's default is "control" under the current directory: keep the exchange
        # tables (celery.exchange, celery.pidbox.exchange) with the rest, under var/.
        "control_folder": str(Path(folder) / "control"),
    }


# --- Outbound messages. Each integration is chosen by one setting.
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="elections@localhost")
# SMS: "file" (one JSON object a line), "locmem" (tests), "console".
SMS_BACKEND = env("SMS_BACKEND", default="console")
SMS_FILE_PATH = env.path("SMS_FILE_PATH", default=str(VAR_DIR / "outbox" / "sms.jsonl"))
SMS_SYSTEM_NUMBER = env("SMS_SYSTEM_NUMBER", default="300012345")
SMS_INBOUND_TOKEN = env("SMS_INBOUND_TOKEN", default="")
# Option 2 (M4): how long the code shown on screen stays valid.
PASSWORD_RESET_CODE_MINUTES = env.int("PASSWORD_RESET_CODE_MINUTES", default=15)
# Codes members SMS to the system number (option 2, the third voting channel): wrong codes
# allowed per reset or ballot session before that code is void and a new one is needed.
INBOUND_CODE_MAX_WRONG = 5
# Local backends (file, locmem, console) report a message delivered at once unless this is off.
SMS_LOCAL_CONFIRMS_DELIVERY = env.bool("SMS_LOCAL_CONFIRMS_DELIVERY", default=True)
# Kavenegar (SMS_BACKEND=kavenegar): https://api.kavenegar.com/v1/{API-KEY}/sms/send.json
KAVENEGAR_API_KEY = env("KAVENEGAR_API_KEY", default="")
KAVENEGAR_BASE_URL = env("KAVENEGAR_BASE_URL", default="https://api.kavenegar.com/v1")
KAVENEGAR_SENDER = env("KAVENEGAR_SENDER", default="")
KAVENEGAR_TIMEOUT_SECONDS = env.float("KAVENEGAR_TIMEOUT_SECONDS", default=10.0)
# Secret path segment of the delivery-report URL given to Kavenegar's panel; empty = off.
KAVENEGAR_REPORT_TOKEN = env("KAVENEGAR_REPORT_TOKEN", default="")

# --- One-time codes (otp_delivery, django-otp). See docs/otp_delivery.md.
OTP_CODE_LENGTH = 6
OTP_CODE_VALIDITY_SECONDS = 600  # 10 minutes, single use
OTP_RESEND_COOLDOWN_SECONDS = env.int("OTP_RESEND_COOLDOWN_SECONDS", default=60)
OTP_THROTTLE_FACTOR = 1  # django-otp back-off after wrong codes: 1, 2, 4, 8 ... seconds
OTP_MAX_FAILED_ATTEMPTS = 5  # wrong codes before the member is locked out
OTP_LOCKOUT_SECONDS = 1800
OTP_MAX_CODES_PER_CHALLENGE = 5
OTP_VERIFIED_GRACE_SECONDS = 600  # a verified code must be consumed within this time
OTP_SMS_FALLBACK_SECONDS = 120  # no SMS delivery report by then: the code goes by email
DELIVERY_MAX_ATTEMPTS = 6
DELIVERY_RETRY_BACKOFF_SECONDS = 5  # 5, 10, 20, 40 ... capped at 300
DELIVERY_SEND_LEASE_SECONDS = 60  # a `sending` claim older than this belongs to a dead worker

# --- Captcha («کد امنیتی»): "image" (offline, django-simple-captcha) or "recaptcha".
CAPTCHA_BACKEND = env("CAPTCHA_BACKEND", default="image")
CAPTCHA_CHALLENGE_FUNCT = "cms_site.common.captcha.numeric_challenge"
CAPTCHA_LENGTH = 5
CAPTCHA_TIMEOUT = 10  # minutes
CAPTCHA_FONT_SIZE = 30
CAPTCHA_LETTER_ROTATION = (-20, 20)
RECAPTCHA_PUBLIC_KEY = env("RECAPTCHA_PUBLIC_KEY", default="")
RECAPTCHA_PRIVATE_KEY = env("RECAPTCHA_PRIVATE_KEY", default="")
RECAPTCHA_VERIFY_REQUEST_TIMEOUT = env.int("RECAPTCHA_VERIFY_REQUEST_TIMEOUT", default=5)
RECAPTCHA_DOMAIN = env("RECAPTCHA_DOMAIN", default="www.google.com")
# django-recaptcha warns about its shared test keys; we never run with them in production.
SILENCED_SYSTEM_CHECKS = ["django_recaptcha.recaptcha_test_key_error"]

# Wagtail's preview views override this to SAMEORIGIN for themselves.
X_FRAME_OPTIONS = "DENY"

# --- Security headers (issue 13; docs/operations.md «Security headers and cookies»).
# The public site: everything from this origin, no inline script, no inline style, no
# plug-ins, no framing. reCAPTCHA (CAPTCHA_BACKEND=recaptcha) adds Google's script and frame.
_recaptcha = [f"https://{RECAPTCHA_DOMAIN}/recaptcha/", "https://www.gstatic.com/recaptcha/"]
_is_recaptcha = CAPTCHA_BACKEND == "recaptcha"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, *(_recaptcha if _is_recaptcha else [])],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [f"https://{RECAPTCHA_DOMAIN}/recaptcha/"] if _is_recaptcha else [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Wagtail's admin writes inline scripts and styles: it gets its own, relaxed policy
# (cms_site.common.security_headers.PathScopedCSPMiddleware). Still no other origin.
CSP_ADMIN_PATH_PREFIXES = ["/admin/"]
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],  # the page preview frames the admin's own preview view
    }
}
# Avatars from gravatar.com would be a third-party request (and an email hash) per page,
# and the dashboard's check for a new Wagtail release another: neither fits the policy.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No page needs a camera, microphone, location, payment or sensor (Permissions-Policy).
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "usb": [],
    "fullscreen": ["self"],
}
# Every cookie is SameSite (the session, CSRF, language and messages cookies); production
# adds Secure (and HttpOnly on the language cookie).
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Logging: one JSON object a line, with secrets redacted by a filter.
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "cms_site.common.logging.RedactSecretsFilter"}},
    "formatters": {"json": {"()": "cms_site.common.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["redact"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        # urllib3's debug lines hold request paths; Kavenegar's path holds the API key.
        "urllib3": {"level": "WARNING"},
        # WeasyPrint (the results minutes PDF) subsets fonts with fontTools, which logs every step.
        "fontTools": {"level": "WARNING"},
    },
}
