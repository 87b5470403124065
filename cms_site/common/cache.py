"""A Redis cache that degrades instead of failing (STYLE «Graceful degradation»).

The cache is an optimisation: when Redis cannot be reached, a read is a miss and a write
is dropped, so every page is built from the database, slower but correct. Nothing that
must not be lost lives in the cache (sessions are in the database; the rate limits have
their own store and fail closed, `member_workflow.throttling`).

The first error of an outage is logged, and so is the recovery; in between, for
`RETRY_SECONDS` after each failure, the process does not even try Redis, so a dead or
unreachable server costs one short timeout now and then, not one per cache call.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Seconds: a cache that answers slower than this is treated as down.
DEFAULT_SOCKET_TIMEOUT = 0.5
DEFAULT_RETRY_SECONDS = 5.0


class _Outage:
    """One per Redis location and process, shared by the threads' backend instances."""

    def __init__(self):
        self.lock = threading.Lock()
        self.is_down = False
        self.retry_at = 0.0


_OUTAGES: dict[tuple, _Outage] = {}
_OUTAGES_LOCK = threading.Lock()


def _outage_for(servers) -> _Outage:
    key = tuple(servers)
    with _OUTAGES_LOCK:
        return _OUTAGES.setdefault(key, _Outage())


class _Unavailable(Exception):
    """Redis is skipped or failed; the caller answers as for a miss."""


class DegradingRedisCache(RedisCache):
    """Django's Redis cache where Redis errors mean "miss" (reads) or "not stored" (writes).

    OPTIONS: `RETRY_SECONDS` (default 5) how long to skip Redis after a failure; the
    redis-py connection options `socket_timeout` and `socket_connect_timeout` default to
    half a second (redis-py's default is to wait forever).
    """

    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self._retry_seconds = float(options.pop("RETRY_SECONDS", DEFAULT_RETRY_SECONDS))
        options.setdefault("socket_timeout", DEFAULT_SOCKET_TIMEOUT)
        options.setdefault("socket_connect_timeout", DEFAULT_SOCKET_TIMEOUT)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._outage = _outage_for(self._servers)

    @property
    def is_degraded(self) -> bool:
        """True while the last attempt to reach Redis failed."""
        return self._outage.is_down

    def _call(self, operation: str, method, *args, **kwargs):
        outage = self._outage
        if outage.is_down and time.monotonic() < outage.retry_at:
            raise _Unavailable
        try:
            result = method(*args, **kwargs)
        except RedisError as exc:
            with outage.lock:
                first = not outage.is_down
                outage.is_down = True
                outage.retry_at = time.monotonic() + self._retry_seconds
            if first:
                # Once per outage and process; the address is not logged (it may hold a password).
                logger.warning(
                    "cache unavailable; pages are built without it",
                    extra={"operation": operation, "error": type(exc).__name__},
                )
            raise _Unavailable from exc
        if outage.is_down:
            with outage.lock:
                was_down, outage.is_down = outage.is_down, False
            if was_down:
                logger.warning("cache available again", extra={"operation": operation})
        return result

    def _degrade(self, operation: str, fallback, *args, **kwargs):
        try:
            return self._call(operation, getattr(super(), operation), *args, **kwargs)
        except _Unavailable:
            return fallback

    def get(self, key, default=None, version=None):
        return self._degrade("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._degrade("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._degrade("has_key", False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade("add", False, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade("set_many", list(data), data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._degrade("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._degrade("delete_many", None, keys, version)

    def clear(self):
        return self._degrade("clear", False)

    def incr(self, key, delta=1, version=None):
        """A missing key raises ValueError, as in every Django cache; so does an outage,
        which callers then treat like a missing key."""
        try:
            return self._call("incr", super().incr, key, delta, version)
        except _Unavailable as exc:
            raise ValueError("cache unavailable") from exc
