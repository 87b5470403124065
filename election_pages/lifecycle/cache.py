"""Caching of the public election views.

Rendered fragments are keyed by a global generation number that every change which can
alter them bumps: an election's state, a page publish/unpublish, a candidate or position
change, a membership change (approved counts). Election-day crowds then read from the cache.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.safestring import mark_safe

GENERATION_KEY = "election_pages:generation"
TIMEOUT = getattr(settings, "ELECTION_PAGES_CACHE_TIMEOUT", 600)


def election_cache_generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return value


def election_cache_invalidate() -> None:
    """Make every cached election fragment stale (called on commit of the change)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.add(GENERATION_KEY, 2, timeout=None)


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
