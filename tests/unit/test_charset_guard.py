"""The WSGI/ASGI entry points refuse a body charset that is not UTF-8 before Django builds
the request (issue 13, failure 4): Django decodes the query string with that charset while
building the request, before any middleware, so "rot13" or "idna" was a 500."""

import asyncio
import io
import threading
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from cms_site.common.charset import REFUSED_CHARSET, AsgiCharsetGuard, safe_content_type


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("text/plain", "text/plain"),
        ("application/json; charset=utf-8", "application/json; charset=utf-8"),
        ("application/json; charset=UTF8", "application/json; charset=UTF8"),
        ("text/plain; charset=x-bogus", "text/plain; charset=x-bogus"),  # unknown: Django ignores it
        ("text/plain; charset=rot13", f'text/plain; charset="{REFUSED_CHARSET}"'),
        ("text/plain; charset=idna", f'text/plain; charset="{REFUSED_CHARSET}"'),
        (
            'multipart/form-data; boundary="a\\"b"; charset=latin-1',
            f'multipart/form-data; boundary="a\\"b"; charset="{REFUSED_CHARSET}"',
        ),
    ],
)
def test_safe_content_type(value, expected):
    assert safe_content_type(value) == expected


def _wsgi_get(application, content_type):
    environ = {"QUERY_STRING": "a=b..c", "CONTENT_TYPE": content_type, "HTTP_HOST": "testserver", "PATH_INFO": "/"}
    setup_testing_defaults(environ)
    environ["wsgi.input"] = io.BytesIO(b"")
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = status

    # As Django's test client does: no database here, so nothing to close around the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(application(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return seen["status"], body


@pytest.mark.parametrize("charset", ["rot13", "idna", "hex", "latin-1"])
def test_the_deployed_wsgi_application_answers_400(charset):
    """cms_site.wsgi as gunicorn runs it. No database: the request is refused first."""
    from cms_site.wsgi import application  # imported here: it sets up Django again

    status, body = _wsgi_get(application, f"text/plain; charset={charset}")
    assert status.startswith("400"), status
    assert "درخواست نامعتبر است" in body.decode()


def test_the_asgi_guard_rewrites_the_header():
    seen = {}

    async def app(scope, receive, send):
        seen["headers"] = scope["headers"]

    scope = {"type": "http", "headers": [(b"content-type", b"text/plain; charset=rot13"), (b"x", b"y")]}
    # In a thread of its own: a browser test's Playwright may have left a loop running here.
    runner = threading.Thread(target=lambda: asyncio.run(AsgiCharsetGuard(app)(scope, None, None)))
    runner.start()
    runner.join(timeout=30)
    assert seen["headers"] == [(b"content-type", f'text/plain; charset="{REFUSED_CHARSET}"'.encode()), (b"x", b"y")]
