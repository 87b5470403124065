"""Issue 13, failure 4 «303 HTTP 500s from bad input», each reproduced and now refused
cleanly: a non-UTF-8 body charset on every form (a Persian 400), `next=` values that are
not paths on this site (a safe default, never another host), NUL in the admin's filters
and searches (a Persian 400 before PostgreSQL sees it). The fuzz suite (tests/fuzz)
throws random input of the same kinds at every form."""

from urllib.parse import urlsplit

import pytest
from django.test import Client, RequestFactory
from django.urls import get_resolver

from cms_site.common.redirects import safe_next_url
from cms_site.common.views import bad_request
from member_workflow.models import MembershipState
from tests.fuzz.inputs import multipart, urlencode
from tests.fuzz.world import CSRF_SECRET, INBOUND_TOKEN, TARGETS_BY_NAME, portal_client, world_build

pytestmark = pytest.mark.django_db

REFUSED = "درخواست نامعتبر است"
CHARSETS = ["latin-1", "cp1256", "utf-16", "x-bogus", "rot13", "idna"]
FORMS = [
    "registration",
    "login",
    "admin_login",
    "forgot_password_option_1",
    "forgot_password_option_2",
    "national_code_check_p4",
    "membership_status",
    "profile_edit",
    "receipt_check",
    "voting_login",
    "voting_ballot",
    "voting_review_code",
    "sms_inbound_webhook",
    "admin_members_bulk",
]


@pytest.fixture
def world(portal):
    return world_build()


def _post(client, path, pairs, content_type, **headers):
    return client.generic(
        "POST", path, pairs, content_type=content_type, headers={"X-CSRFToken": CSRF_SECRET, **headers}
    )


@pytest.mark.parametrize("name", FORMS)
def test_a_non_utf8_charset_is_a_persian_400_on_every_form(world, name):
    """Was: Django refused the body (400), then its 400 page re-ran the CSRF check, which
    re-read the body and raised again: a 500. A charset that is not a text encoding
    (rot13) or raises a bare UnicodeError (idna) failed while Django built the request."""
    target = TARGETS_BY_NAME[name]
    client = target.client(world)
    pairs = [(field, "0012345679") for field in target.fields] + [("csrfmiddlewaretoken", CSRF_SECRET)]
    path = target.path(world) + "?a=b..c"
    for charset in CHARSETS:
        for body, content_type in [
            (urlencode(pairs), f"application/x-www-form-urlencoded; charset={charset}"),
            (multipart(pairs, None), f"multipart/form-data; boundary=FuzzBoundary7MA4YWxkTrZu0gW; charset={charset}"),
        ]:
            response = _post(client, path, body, content_type, **target.headers)
            assert response.status_code == 400, (charset, content_type, response.status_code)
            assert REFUSED in response.content.decode()


def test_utf8_spelled_otherwise_is_accepted(client, portal):
    for charset in ["UTF-8", "utf8", '"utf-8"']:
        response = client.generic(
            "POST",
            "/accounts/check/",
            b"national_code=0012345679",
            content_type=f"application/x-www-form-urlencoded; charset={charset}",
        )
        assert response.status_code == 200 and "کد امنیتی" in response.content.decode(), charset


def test_a_charset_on_a_get_is_refused_too(portal):
    client = portal_client()  # behind the WSGI entry point's charset guard
    for charset in ["rot13", "latin-1", "x-bogus"]:
        response = client.get("/?a=b", CONTENT_TYPE=f"text/plain; charset={charset}")
        assert response.status_code == 400, charset


def test_the_400_handler_never_reads_the_body_again():
    """Django's own bad_request view re-runs the CSRF check (`requires_csrf_token`)."""
    assert get_resolver().resolve_error_handler(400) is bad_request
    request = RequestFactory().generic(
        "POST", "/accounts/login/", b"a=b", content_type="application/x-www-form-urlencoded; charset=latin-1"
    )
    response = bad_request(request)
    assert response.status_code == 400 and REFUSED in response.content.decode()


def test_a_body_over_the_upload_limit_is_a_400_not_a_500(portal, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = portal_client()
    body = urlencode([("username", "x" * 2000), ("csrfmiddlewaretoken", CSRF_SECRET)])
    response = _post(client, "/accounts/login/", body, "application/x-www-form-urlencoded")
    assert response.status_code == 400 and REFUSED in response.content.decode()


def test_a_broken_multipart_body_is_a_400(portal):
    client = portal_client()
    response = _post(client, "/accounts/login/", b"--nope\r\n", "multipart/form-data; boundary=")
    assert response.status_code == 400


# --- NUL ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["q=%00", "q=a%00b", "association=%00", "state=pending%00", "p=%00", "%00=1", "q=x&association=a%00"]
)
def test_a_nul_in_the_admin_members_filters_is_a_persian_400(client, world, query):
    """Was a 500 on PostgreSQL («A string literal cannot contain NUL (0x00) characters.»)."""
    client.force_login(world.admin)
    for path in ["/admin/members/", "/admin/members/export/"]:
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400 and REFUSED in response.content.decode(), path


def test_a_nul_in_wagtail_admin_searches_and_filters_is_a_400(client, world):
    client.force_login(world.staff)
    for url in [
        "/admin/elections/?q=%00",
        "/admin/elections/?association=%00",
        "/admin/snippets/election_pages/candidate/?q=a%00",
        "/admin/pages/search/?q=%00",
    ]:
        assert client.get(url).status_code == 400, url


def test_a_nul_in_a_path_or_a_header_is_a_400(client, portal):
    assert client.get("/upcoming-elections/%00/").status_code == 400
    assert client.get("/", headers={"User-Agent": "x\x00y"}).status_code == 400
    assert client.get("/", headers={"X-Forwarded-For": "1.2.3.4\x00"}).status_code == 400


def test_a_nul_in_a_form_field_is_an_ordinary_form_error(client, portal):
    response = client.post("/accounts/check/", {"national_code": "0012345679\x00", "captcha_0": "x", "captcha_1": "1"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()


def test_a_nul_in_the_webhook_json_is_a_400(client, portal):
    response = client.post(
        "/sms/inbound/",
        b'{"from": "09121234567", "message": "12\\u000034"}',
        content_type="application/json",
        headers={"X-Inbound-Token": INBOUND_TOKEN},
    )
    assert response.status_code == 400


def test_a_cookie_with_a_nul_is_dropped_not_a_500(portal):
    client = Client()
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    response = client.get("/")
    assert response.status_code == 200


# --- next= ----------------------------------------------------------------------------

OFF_SITE = [
    "members",
    "//evil.example/",
    "https://evil.example/x",
    "/\\evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "/a\r\nSet-Cookie: x=1",
    "/admin/members/\x1b[31m",
]


@pytest.mark.parametrize("value", OFF_SITE)
def test_admin_next_that_is_not_a_path_here_goes_back_to_the_members_list(client, world, value):
    """Was: next=members raised NoReverseMatch (a 500): redirect() took it for a view name."""
    client.force_login(world.admin)
    response = client.post(f"/admin/members/{world.pending.pk}/approve/", {"next": value})
    assert response.status_code == 302 and response["Location"] == "/admin/members/"
    world.pending.refresh_from_db()
    assert world.pending.state == MembershipState.APPROVED
    response = client.post("/admin/members/bulk/", {"action": "approve", "ids": [world.pending.pk], "next": value})
    assert response.status_code == 302 and response["Location"] == "/admin/members/"


def test_admin_next_that_is_a_path_here_is_kept(client, world):
    client.force_login(world.admin)
    response = client.post(f"/admin/members/{world.pending.pk}/approve/", {"next": "/admin/members/?state=pending"})
    assert response["Location"] == "/admin/members/?state=pending"


@pytest.mark.parametrize("value", OFF_SITE)
def test_login_next_never_leaves_the_site(client, world, monkeypatch, value):
    monkeypatch.setattr("captcha.conf.settings.CAPTCHA_TEST_MODE", True)
    response = client.post(
        "/accounts/login/?next=x",
        {
            "username": world.member.username,
            "password": "Member2026pass",
            "next": value,
            "captcha_0": "x",
            "captcha_1": "passed",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/me/"


@pytest.mark.parametrize("value", OFF_SITE)
def test_set_language_next_never_leaves_the_site(client, portal, value):
    response = client.post("/i18n/setlang/", {"language": "en", "next": value})
    assert response.status_code == 302
    assert urlsplit(response["Location"]).netloc in ("", "testserver")


def test_safe_next_url_accepts_paths_of_this_site_only():
    request = RequestFactory().get("/")
    assert safe_next_url(request, "/accounts/me/?a=1", default="/d") == "/accounts/me/?a=1"
    for value in [*OFF_SITE, None, "", "/" + "a" * 3000, "http://testserver/x"]:
        assert safe_next_url(request, value, default="/d") == "/d", value


@pytest.mark.parametrize("value", ["99999999999999999999999", "²", "۱۲x"])
def test_admin_bulk_ignores_ids_that_are_not_ids(client, world, value):
    """Found by the fuzz suite: a huge id overflowed SQLite's integer, "²" (a digit that
    int() refuses) raised ValueError; both were a 500."""
    client.force_login(world.admin)
    response = client.post("/admin/members/bulk/", {"action": "approve", "ids": [value, world.pending.pk]})
    assert response.status_code == 302
    world.pending.refresh_from_db()
    assert world.pending.state == MembershipState.APPROVED


@pytest.mark.parametrize("value", ["9223372036854775808", "-99999999999999999999", "1" * 40])
def test_registration_refuses_an_association_id_past_64_bits_as_a_form_error(client, portal, monkeypatch, value):
    """Found by `make fuzz`: SQLite raised OverflowError on `pk__in` (a 500)."""
    monkeypatch.setattr("captcha.conf.settings.CAPTCHA_TEST_MODE", True)
    response = client.post(
        "/accounts/register/",
        {"national_code": "0499370899", "associations": value, "captcha_0": "x", "captcha_1": "passed"},
    )
    assert response.status_code == 200
    assert "انجمن انتخاب شده معتبر نیست." in response.content.decode()
