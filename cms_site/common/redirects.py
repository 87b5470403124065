"""Where a `next=` parameter may send the visitor: a path on this site, or nowhere."""

import unicodedata

from django.utils.http import url_has_allowed_host_and_scheme

MAX_NEXT_LENGTH = 2000


def safe_next_url(request, value: str | None, *, default: str) -> str:
    """`value` when it is a path on this site, else `default`.

    A path starts with a single "/" and holds no control character; anything else (a view
    name such as "members", which `redirect()` would try to reverse, another host,
    "//host", "/\\host", a scheme, a newline that cannot go in a header) gives `default`.
    """
    value = value or ""
    if not value.startswith("/") or len(value) > MAX_NEXT_LENGTH:
        return default
    if any(unicodedata.category(char)[0] == "C" for char in value):
        return default
    if not url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return default
    return value
