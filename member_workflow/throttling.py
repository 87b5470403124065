"""Rate limits on the public member forms (SPEC M4, M8, P4) and the client's address.

Password tries go through the login guard (`services.logins`); the other forms use the
`limits` library's fixed-window limiter over `RATELIMIT_STORAGE_URI` (memory in dev and
tests, Redis in production), keyed per IP and per national code. A refusal carries the
time at which the visitor may try again, shown in Persian.

When the limits' store cannot be reached the limits fail closed: `rate_limit_hit` raises
`RateLimitUnavailable` and the visitor sees «سامانه موقتا در دسترس نیست…» (HTTP 503),
never a 500 and never an unlimited form.
"""

import datetime
import ipaddress
import logging
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from limits import parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from cms_site.common.errors import ServiceUnavailable

from .national_code import normalize_national_code

logger = logging.getLogger(__name__)

# Seconds: a limits store slower than this counts as unreachable (redis-py waits forever).
STORAGE_TIMEOUT_SECONDS = 0.5


class RateLimited(Exception):
    """Too many attempts; `retry_at` is when the window resets."""

    def __init__(self, retry_at: datetime.datetime):
        super().__init__("rate limited")
        self.retry_at = retry_at


class RateLimitUnavailable(ServiceUnavailable):
    """The limits' store cannot be reached: the attempt is refused (fail closed)."""


@dataclass(frozen=True)
class _Limiter:
    storage: object
    strategy: FixedWindowRateLimiter


@lru_cache(maxsize=4)
def _limiter(uri: str) -> _Limiter:
    options = {}
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        options = {"socket_timeout": STORAGE_TIMEOUT_SECONDS, "socket_connect_timeout": STORAGE_TIMEOUT_SECONDS}
    # wrap_exceptions: every failure of the store is a limits StorageError, whatever the backend.
    storage = storage_from_string(uri, wrap_exceptions=True, **options)
    return _Limiter(storage=storage, strategy=FixedWindowRateLimiter(storage))


def _current() -> _Limiter:
    return _limiter(settings.RATELIMIT_STORAGE_URI)


def limits_reset() -> None:
    """Forget every counter (tests)."""
    _current().storage.reset()


def client_ip(request) -> str:
    """The client's address, for the rate limits and the login guard.
    gunicorn's REMOTE_ADDR is the socket's peer: behind a reverse proxy, the proxy. With
    TRUSTED_PROXY_COUNT = n proxies, each appending the address it saw to X-Forwarded-For,
    the client is the n-th entry from the end; anything before it was written by the client
    itself and is not trusted. A missing or malformed header falls back to REMOTE_ADDR."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= count:
            try:
                return str(ipaddress.ip_address(forwarded[-count]))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR") or "unknown"


def rate_limit_hit(*, scope: str, request, national_code: str = "") -> None:
    """Count one attempt on `scope` for this IP and (if given) national code; raise
    RateLimited when either budget is spent, RateLimitUnavailable when the store cannot be
    reached. Rules come from `settings.RATELIMITS`."""
    rules = settings.RATELIMITS[scope]
    keys = [("ip", client_ip(request))]
    code = normalize_national_code(national_code)[:10]
    if code:
        keys.append(("national_code", code))
    try:
        limiter = _current().strategy
        for kind, value in keys:
            item = parse(rules[kind])
            if not limiter.hit(item, scope, kind, value):
                reset_at, _remaining = limiter.get_window_stats(item, scope, kind, value)
                raise RateLimited(datetime.datetime.fromtimestamp(reset_at, tz=datetime.UTC))
    except StorageError as exc:
        logger.error("rate-limit store unavailable; refusing", extra={"scope": scope, "error": type(exc).__name__})
        raise RateLimitUnavailable from exc


def rate_limit_key_hit(*, scope: str, kind: str, value: str) -> None:
    """Count one event on `scope` for one key that is not the client (e.g. the sender of
    an inbound SMS); raise RateLimited when `settings.RATELIMITS[scope][kind]` is spent."""
    item = parse(settings.RATELIMITS[scope][kind])
    limiter = _current().strategy
    if not limiter.hit(item, scope, kind, value):
        reset_at, _remaining = limiter.get_window_stats(item, scope, kind, value)
        raise RateLimited(datetime.datetime.fromtimestamp(reset_at, tz=datetime.UTC))
