"""Body charsets, before Django builds the request.

Django decodes the query string with the body's declared charset while it builds the
request, before any middleware: a charset such as "rot13" (not a text encoding) or "idna"
(raises a bare UnicodeError) failed there, a 500 from the server. `CharsetGuard` and
`AsgiCharsetGuard` wrap the WSGI and ASGI applications and renames any known charset other than UTF-8 to one no codec
knows, which Django ignores and `cms_site.common.middleware.BadInputMiddleware` refuses
with its Persian 400 page.

Only the standard library and django.utils here: cms_site.wsgi imports it before settings.
"""

import codecs

from django.utils.http import parse_header_parameters

REFUSED_CHARSET = "x-portal-refused"


def is_utf8(charset: str) -> bool:
    try:
        return codecs.lookup(charset.strip().strip('"')).name == "utf-8"
    except LookupError:
        return False


def safe_content_type(value: str) -> str:
    """`value` (a Content-Type header) with a known charset other than UTF-8 renamed to
    REFUSED_CHARSET; anything else unchanged."""
    if "charset" not in value.lower():
        return value
    main, params = parse_header_parameters(value)
    charset = params.get("charset")
    if charset is None or is_utf8(charset):
        return value
    try:
        codecs.lookup(charset)
    except LookupError:
        return value  # unknown: Django ignores it already
    params["charset"] = REFUSED_CHARSET
    return "; ".join([main, *(f"{key}={_quote(val)}" for key, val in params.items())])


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def charset_guard(environ: dict) -> None:
    """Apply `safe_content_type` to a WSGI environ (also used by the tests' client)."""
    if environ.get("CONTENT_TYPE"):
        environ["CONTENT_TYPE"] = safe_content_type(environ["CONTENT_TYPE"])


class CharsetGuard:
    """Wraps the WSGI application (cms_site.wsgi)."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        charset_guard(environ)
        return self.application(environ, start_response)


class AsgiCharsetGuard:
    """Wraps the ASGI application (cms_site.asgi)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope.get("type") == "http":
            headers = [
                (name, safe_content_type(value.decode("latin-1")).encode("latin-1"))
                if name.lower() == b"content-type"
                else (name, value)
                for name, value in scope.get("headers", [])
            ]
            scope = {**scope, "headers": headers}
        return await self.application(scope, receive, send)
