"""Issue 13, failure 9: a Content-Security-Policy without inline script on the public site
(a relaxed one for Wagtail's admin), a Permissions-Policy on every response, and the
Secure and SameSite flags on every cookie the production settings set."""

import json
import re
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.test import override_settings

from tests.conftest import captcha_answer
from tests.factories import MemberFactory, StaffFactory, announced_election
from tests.unit.test_settings import PRODUCTION_ENV, _manage

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_PATHS = [
    "/",
    "/en/",
    "/upcoming-elections/",
    "/participation-guide/",
    "/accounts/login/",
    "/accounts/register/",
    "/accounts/check/",
    "/accounts/status/",
    "/accounts/password/forgot/",
    "/no-such-page/",
]


def _directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_i13_public_pages_have_a_strict_csp_without_inline_script(client, portal, path):
    response = client.get(path)
    csp = _directives(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"], csp
    assert "'unsafe-inline'" not in csp["style-src"] and "'unsafe-eval'" not in " ".join(csp["script-src"])
    assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["base-uri"] == ["'self'"]
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def test_i13_election_and_voting_pages_have_the_strict_csp(client, portal):
    election = announced_election()
    page = election.pages.get()
    for path in (page.url, page.url + "candidates/", f"/voting/{election.pk}/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert _directives(response["Content-Security-Policy"])["script-src"] == ["'self'"]


def test_i13_the_admin_gets_its_own_relaxed_policy_and_the_permissions_policy(client):
    client.force_login(StaffFactory())
    for path in ("/admin/", "/admin/login/"):
        response = client.get(path, follow=True)
        csp = _directives(response["Content-Security-Policy"])
        assert "'unsafe-inline'" in csp["script-src"] and csp["frame-ancestors"] == ["'self'"]
        assert "https:" not in " ".join(csp["script-src"])  # still no other origin
        assert "camera=()" in response["Permissions-Policy"]


def test_i13_document_downloads_keep_wagtails_own_policy(client):
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    document = get_document_model()(title="guide")
    document.file.save("guide.pdf", ContentFile(b"%PDF-1.4 guide"), save=False)
    document.save()
    response = client.get(document.url)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'"


# Inline script, event-handler attributes and inline styles are what the public policy forbids.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"(?:application/json|text/template)\")[^>]*>", re.I)
EVENT_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
# Rendered into the results minutes PDF by WeasyPrint, never served as a page.
PDF_ONLY_TEMPLATES = {"election_pages/results/election_minutes.html"}


def test_i13_no_template_has_inline_script_event_attributes_or_inline_style():
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        name = path.relative_to(ROOT / "templates").as_posix()
        text = path.read_text(encoding="utf-8")
        checks = [INLINE_SCRIPT, EVENT_ATTRIBUTE] + ([] if name in PDF_ONLY_TEMPLATES else [INLINE_STYLE])
        offenders += [f"{name}: {check.pattern[:20]}" for check in checks if check.search(text)]
    assert not offenders, offenders


# --- Cookies under the production settings.

COOKIE_SETTINGS = [
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_HTTPONLY",
]


@pytest.fixture(scope="module")
def production_cookie_settings():
    """The cookie settings exactly as `cms_site.settings.production` computes them."""
    script = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {COOKIE_SETTINGS!r}}}))"
    )
    result = _manage(["shell", "-c", script], PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_i13_production_sets_secure_and_samesite_on_the_language_cookie(production_cookie_settings):
    assert production_cookie_settings["LANGUAGE_COOKIE_SECURE"] is True
    assert production_cookie_settings["LANGUAGE_COOKIE_HTTPONLY"] is True
    for name in ("SESSION", "CSRF", "LANGUAGE"):
        assert production_cookie_settings[f"{name}_COOKIE_SAMESITE"] == "Lax"


def test_i13_every_cookie_the_portal_sets_in_production_has_secure_and_samesite(
    client, portal, production_cookie_settings
):
    """Walk the journeys that set cookies: a form (CSRF), the language switch, login
    (session), a message and logout (the session's expired copy)."""
    member = MemberFactory()
    seen: list[tuple[str, str]] = []

    def collect(response):
        for name, morsel in response.cookies.items():
            seen.append((name, morsel.OutputString()))
        return response

    with override_settings(**production_cookie_settings):
        page = collect(client.get("/accounts/login/"))
        key, answer = captcha_answer(page.content.decode())
        collect(
            client.post(
                "/accounts/login/",
                {"username": member.username, "password": "Member2026pass", "captcha_0": key, "captcha_1": answer},
            )
        )
        collect(client.get("/accounts/me/"))
        collect(client.post("/i18n/setlang/", {"language": "en", "next": "/"}))
        collect(client.post("/en/accounts/logout/"))
        collect(client.get("/en/accounts/login/"))
    names = {name for name, _ in seen}
    assert {"csrftoken", "sessionid", "django_language", "messages"} <= names, names
    for name, text in seen:
        flags = {part.strip().split("=")[0].lower() for part in text.split(";")}
        assert "secure" in flags, (name, text)
        assert "samesite" in flags, (name, text)
    language = SimpleCookie()
    language.load(next(text for name, text in seen if name == "django_language"))
    assert language["django_language"]["httponly"]


def test_i13_samesite_on_every_cookie_in_every_environment(client, portal):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.cookies["django_language"]["samesite"] == "Lax"
    response = client.get("/accounts/login/")
    assert response.cookies["csrftoken"]["samesite"] == "Lax"
