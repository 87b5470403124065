"""Caching of the public election views.

Rendered fragments are keyed by a global generation number that every change which can
alter them bumps: an election's state, a page publish/unpublish, a candidate or position
change, a membership change (approved counts). Election-day crowds then read from the cache.

When the cache is unreachable (cms_site.common.cache turns its errors into misses), every
fragment is built from the database. A bump that could not be stored is remembered in
this process and stored at its next render once the cache answers again, so a Redis that
comes back with its old contents cannot serve fragments from before the change.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.safestring import mark_safe

GENERATION_KEY = "election_pages:generation"
TIMEOUT = getattr(settings, "ELECTION_PAGES_CACHE_TIMEOUT", 600)


# A bump this process could not store (the cache was down); retried by the next read.
_bump_pending = False


def election_cache_generation() -> int:
    if _bump_pending:
        election_cache_invalidate()
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return value


def election_cache_invalidate() -> None:
    """Make every cached election fragment stale (called on commit of the change)."""
    global _bump_pending
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        # No generation yet, or no cache: the add fails only when the cache is down (or
        # another process added one meanwhile, where one more bump is harmless).
        if not cache.add(GENERATION_KEY, 2, timeout=None):
            _bump_pending = True
            return
    _bump_pending = False


def cached_fragment(*, request, name: str, build) -> str:
    """`build()` renders the HTML; it runs only when the cache holds no current copy.
    Previews (drafts) are never cached or served from the cache."""
    if getattr(request, "is_preview", False):
        return mark_safe(build())  # noqa: S308 - our own rendered template
    key = f"election_pages:{election_cache_generation()}:{translation.get_language()}:{name}"
    html = cache.get(key)
    if html is None:
        html = build()
        cache.set(key, str(html), TIMEOUT)
    return mark_safe(html)  # noqa: S308 - our own rendered template
