"""Request guards that turn bad input and unavailable dependencies into clear pages, never a 500.

`BadInputMiddleware` (before the session and CSRF middleware) refuses, with a Persian 400
page, what Django or PostgreSQL would otherwise fail on later, often inside the error page
itself:
- a body charset other than UTF-8 (`Content-Type: ...; charset=latin-1`): Django refuses
  such a form body, and its error pages re-run the CSRF check, which re-reads the refused
  body and turns the 400 into a 500;
- a form body Django cannot parse (too big, too many fields, broken multipart), or a query
  string longer than MAX_QUERY_STRING_BYTES (414; gunicorn already refuses a request line
  over 4 KiB, this holds behind any server);
- a NUL character in the path, the query (the admin's filters and searches), a header, a
  JSON body or an uploaded file's name: PostgreSQL refuses NUL in text, so a NUL that
  reaches a query is a database error.
A NUL in a form field is replaced by U+FFFD, as Django replaces invalid UTF-8: the value
stays invalid, and the form answers with its usual message. Cookies holding a NUL are
dropped (the visitor could not remove them).

`cms_site.common.charset.CharsetGuard` (around the WSGI/ASGI application) covers what
happens before any middleware runs.

`ServiceUnavailableMiddleware` shows `ServiceUnavailable` (for example the rate-limit store
being down, so the limits fail closed) as a Persian 503 page.
"""

import logging

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import QueryDict, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

from .charset import is_utf8
from .errors import ServiceUnavailable

logger = logging.getLogger(__name__)

NUL = "\x00"
REPLACEMENT = "\ufffd"
MAX_QUERY_STRING_BYTES = 8192
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_JSON_NUL = (b"\x00", b"\\u0000")


class BadInput(Exception):
    """The request cannot be served as sent; `reason` is logged (never the input itself)."""

    def __init__(self, reason: str, *, status: int = 400):
        super().__init__(reason)
        self.reason = reason
        self.status = status


def bad_input_response(request, *, status: int = 400):
    """The Persian «درخواست نامعتبر» page. It reads nothing from the request body."""
    return render(request, "400.html", status=status)


def _check_charset(request) -> None:
    charset = request.content_params.get("charset") if request.content_params else None
    if charset is None:
        return
    if not is_utf8(charset):
        raise BadInput("charset")
    if request.encoding != "utf-8":
        request.encoding = "utf-8"  # "utf8", "UTF-8": the same codec under Django's one spelling


def _has_nul(values) -> bool:
    return any(NUL in value for value in values)


def _check_query_and_path(request) -> None:
    if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING_BYTES:
        raise BadInput("query too long", status=414)
    if NUL in request.path_info:
        raise BadInput("nul in path")
    if _has_nul(request.GET.keys()) or any(_has_nul(values) for _key, values in request.GET.lists()):
        raise BadInput("nul in query")
    headers = (value for key, value in request.META.items() if key.startswith("HTTP_") and key != "HTTP_COOKIE")
    if any(isinstance(value, str) and NUL in value for value in headers):
        raise BadInput("nul in header")


def _check_body(request) -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.content_type in _FORM_TYPES:
        post = request.POST
        if _has_nul(post.keys()) or any(_has_nul(values) for _key, values in post.lists()):
            cleaned = QueryDict(mutable=True, encoding=post.encoding)
            for key, values in post.lists():
                cleaned.setlist(key.replace(NUL, REPLACEMENT), [value.replace(NUL, REPLACEMENT) for value in values])
            cleaned._mutable = False
            request._post = cleaned
        names = [upload.name or "" for _key, uploads in request.FILES.lists() for upload in uploads]
        if _has_nul(request.FILES.keys()) or _has_nul(names):
            raise BadInput("nul in file name")
    elif request.content_type == "application/json":
        if any(marker in request.body for marker in _JSON_NUL):
            raise BadInput("nul in json")


def _drop_nul_cookies(request) -> None:
    for name in [name for name, value in request.COOKIES.items() if NUL in name or NUL in value]:
        del request.COOKIES[name]


class BadInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            _check_charset(request)
            _check_query_and_path(request)
            _check_body(request)
        except BadInput as exc:
            return self._refuse(request, exc.reason, status=exc.status)
        except (BadRequest, SuspiciousOperation, MultiPartParserError, UnreadablePostError) as exc:
            return self._refuse(request, type(exc).__name__)
        _drop_nul_cookies(request)
        return self.get_response(request)

    @staticmethod
    def _refuse(request, reason: str, *, status: int = 400):
        # Later readers (the error page, the CSRF check) must not parse the body again.
        request._mark_post_parse_error()
        # Neither the path nor the input is logged: a path may hold a secret (a report token).
        logger.info("bad request refused", extra={"reason": reason, "method": request.method})
        return bad_input_response(request, status=status)


class ServiceUnavailableMiddleware:
    """A `ServiceUnavailable` raised by a view becomes the Persian 503 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ServiceUnavailable):
            return None
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "120"
        return response
