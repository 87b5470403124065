"""Rate limits on the public member forms (SPEC M4, M8, P4 and login).

Login is watched by django-axes (per IP and per national code); the other forms use the
`limits` library's fixed-window limiter over `RATELIMIT_STORAGE_URI` (memory in dev and
tests, Redis in production), keyed per IP and per national code. A refusal carries the
time at which the visitor may try again, shown in Persian.
"""

import datetime
import ipaddress
from dataclasses import dataclass
from functools import lru_cache

from axes.helpers import get_cool_off
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from .national_code import normalize_national_code


class RateLimited(Exception):
    """Too many attempts; `retry_at` is when the window resets."""

    def __init__(self, retry_at: datetime.datetime):
        super().__init__("rate limited")
        self.retry_at = retry_at


@dataclass(frozen=True)
class _Limiter:
    storage: object
    strategy: FixedWindowRateLimiter


@lru_cache(maxsize=4)
def _limiter(uri: str) -> _Limiter:
    storage = storage_from_string(uri)
    return _Limiter(storage=storage, strategy=FixedWindowRateLimiter(storage))


def _current() -> _Limiter:
    return _limiter(settings.RATELIMIT_STORAGE_URI)


def limits_reset() -> None:
    """Forget every counter (tests)."""
    _current().storage.reset()


def client_ip(request) -> str:
    """The client's address, for the rate limits and django-axes (AXES_CLIENT_IP_CALLABLE).
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
    RateLimited when either budget is spent. Rules come from `settings.RATELIMITS`."""
    rules = settings.RATELIMITS[scope]
    limiter = _current().strategy
    keys = [("ip", client_ip(request))]
    code = normalize_national_code(national_code)[:10]
    if code:
        keys.append(("national_code", code))
    for kind, value in keys:
        item = parse(rules[kind])
        if not limiter.hit(item, scope, kind, value):
            reset_at, _remaining = limiter.get_window_stats(item, scope, kind, value)
            raise RateLimited(datetime.datetime.fromtimestamp(reset_at, tz=datetime.UTC))


def axes_username(request, credentials) -> str:
    """django-axes counts failures per normalised national code (Persian digits included)."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username", "")
    return normalize_national_code(value or "")[:10]


def axes_lockout_response(request, original_response=None, credentials=None):
    """The Persian lockout page: says when to retry."""
    cool_off = get_cool_off(request) or datetime.timedelta(minutes=15)
    retry_at = timezone.now() + cool_off
    return render(request, "member_workflow/rate_limited.html", {"retry_at": retry_at}, status=429)
