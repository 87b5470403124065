"""Integration tests of the public member pages: P4, M2, M4, M5, M7, M8 (both languages,
captcha on every form, no 500 on bad input), and the inbound SMS webhook."""

import re

import pytest
from django.core import mail
from django.test import override_settings

from cms_site.audit.models import AuditEntry
from election_pages.lifecycle.models import ElectionState
from member_workflow.models import Member, MemberCredential, Membership, MembershipState, PasswordState
from otp_delivery.gateways import sms
from tests.conftest import captcha_answer, form_post
from tests.factories import (
    AssociationFactory,
    ElectionFactory,
    MemberFactory,
    MembershipFactory,
    StaffFactory,
    approved_member,
    association_admin,
    member_with_password_state,
)

pytestmark = pytest.mark.django_db

PAGES = [
    "/accounts/check/",
    "/accounts/register/",
    "/accounts/login/",
    "/accounts/password/forgot/",
    "/accounts/status/",
]


@pytest.mark.parametrize("path", PAGES)
def test_public_member_forms_render_rtl_with_captcha_in_both_languages(client, path):
    html = client.get(path).content.decode()
    assert 'dir="rtl"' in html and 'name="captcha_0"' in html
    english = client.get("/en" + path)
    assert english.status_code == 200
    assert 'dir="ltr"' in english.content.decode()


@pytest.mark.parametrize("path", PAGES)
def test_forms_refuse_a_wrong_captcha_with_a_persian_message(client, path):
    client.get(path)
    response = client.post(
        path, {"national_code": "0012345679", "username": "0012345679", "captcha_0": "x", "captcha_1": "1"}
    )
    assert response.status_code == 200
    assert "کد امنیتی" in response.content.decode()


@pytest.mark.parametrize(
    "value", ["", "۰۰۱۲۳۴۵۶۷۸", "1" * 5000, "abc<script>", "٠٠١٢٣٤٥٦٧٩ extra", "\x00\x01", "0012345678"]
)
@pytest.mark.parametrize(
    "path", ["/accounts/check/", "/accounts/status/", "/accounts/password/forgot/", "/accounts/login/"]
)
def test_no_500_on_bad_national_codes(client, path, value):
    response = form_post(client, path, {"national_code": value, "username": value, "password": value, "option": "sms"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "errorlist" in html


def test_p4_existing_member_is_told_so_with_login_and_forgot_links(client):
    member = MemberFactory()
    html = form_post(client, "/accounts/check/", {"national_code": member.national_code}).content.decode()
    assert "عضوی با این کد ملی در سامانه ثبت نام کرده است." in html
    assert 'href="/accounts/login/"' in html and 'href="/accounts/password/forgot/"' in html


def test_p4_unknown_code_opens_registration_with_the_code_filled_in(client):
    response = form_post(client, "/accounts/check/", {"national_code": "۰۰۱۲۳۴۵۶۷۹"}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/register/"
    assert 'value="0012345679"' in response.content.decode()


def test_p4_check_box_partial_renders_with_its_own_captcha():
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    html = render_to_string("includes/national_code_check_box.html", request=RequestFactory().get("/"))
    assert 'action="/accounts/check/"' in html and 'name="captcha_0"' in html


def _register_data(**overrides):
    data = {
        "national_code": "0499370899",
        "first_name": "سارا",
        "last_name": "کریمی",
        "mobile": "+98 912 765 4321",
        "email": "Sara.Karimi@Example.org",
        "password1": "Tehran1404Vote",
        "password2": "Tehran1404Vote",
    }
    data.update(overrides)
    return data


def test_m2_registration_creates_pending_memberships_and_logs_in(client):
    first, second = AssociationFactory(), AssociationFactory()
    response = form_post(client, "/accounts/register/", _register_data(associations=[first.pk, second.pk]), follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/me/"
    member = Member.objects.get(username="0499370899")
    assert member.mobile == "09127654321" and member.email == "sara.karimi@example.org"
    assert set(Membership.objects.filter(member=member).values_list("state", flat=True)) == {MembershipState.PENDING}
    assert MemberCredential.objects.get(member=member).state == PasswordState.SELF_SET
    html = response.content.decode()
    assert "در انتظار تایید" in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("national_code", "0012345678", "کد ملی وارد شده معتبر نیست."),
        ("mobile", "02188776655", "شماره تلفن همراه معتبر نیست"),
        ("email", "bad@", "پست الکترونیک معتبر نیست"),
        ("password1", "short", "دست کم 8"),
        ("first_name", "", "این بخش را پر کنید."),
    ],
)
def test_m2_errors_name_the_field_and_keep_the_input(client, field, value, message):
    association = AssociationFactory()
    data = _register_data(associations=[association.pk], **{field: value})
    if field == "password1":
        data["password2"] = value
    html = form_post(client, "/accounts/register/", data).content.decode()
    assert f'id="id_{field}_errors"' in html and message in html
    assert 'value="سارا"' in html or field == "first_name"
    assert not Member.objects.filter(username="0499370899").exists()


def test_m2_duplicate_code_and_mobile_are_refused(client):
    association = AssociationFactory()
    MemberFactory(username="0499370899")
    html = form_post(client, "/accounts/register/", _register_data(associations=[association.pk])).content.decode()
    assert "عضوی با این کد ملی قبلاً ثبت نام کرده است." in html
    assert 'id="id_national_code_errors"' in html and 'id="id_mobile_errors"' not in html
    MemberFactory(mobile="09127654321")
    html = form_post(
        client, "/accounts/register/", _register_data(national_code="2271185327", associations=[association.pk])
    ).content.decode()
    assert "این شماره تلفن همراه برای عضو دیگری ثبت شده است." in html
    # Each error sits under its own field (matched by the exception's type).
    assert 'id="id_mobile_errors"' in html and 'id="id_national_code_errors"' not in html


def test_login_with_national_code_and_forgot_link(client):
    member = MemberFactory()
    html = client.get("/accounts/login/").content.decode()
    assert "کلمه عبور خود را فراموش کرده ام" in html
    response = form_post(client, "/accounts/login/", {"username": member.national_code, "password": "Member2026pass"})
    assert response.status_code == 302 and response["Location"] == "/accounts/me/"


def test_login_wrong_password_says_so(client):
    member = MemberFactory()
    html = form_post(
        client, "/accounts/login/", {"username": member.national_code, "password": "nope"}
    ).content.decode()
    assert "کد ملی یا کلمه عبور درست نیست." in html


def test_login_next_is_kept_only_on_this_site(client):
    member = MemberFactory()
    page = client.get("/accounts/login/?next=/accounts/status/")
    key, answer = captcha_answer(page.content.decode())
    data = {"username": member.national_code, "password": "Member2026pass", "captcha_0": key, "captcha_1": answer}
    assert client.post("/accounts/login/", {**data, "next": "https://evil.example/"})["Location"] == "/accounts/me/"


def test_m5_national_code_password_forces_the_change_before_anything_else(client):
    member = member_with_password_state(PasswordState.RESET_TO_NATIONAL_CODE)
    member.set_password(member.national_code)
    member.save()
    response = form_post(
        client, "/accounts/login/", {"username": member.national_code, "password": member.national_code}
    )
    assert response["Location"] == "/accounts/password/change/"
    assert client.get("/accounts/me/")["Location"] == "/accounts/password/change/"
    assert client.get("/")["Location"] == "/accounts/password/change/"
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": member.national_code,
            "new_password1": member.national_code,
            "new_password2": member.national_code,
        },
    )
    assert "کلمه عبور نباید با کد ملی یکسان باشد." in response.content.decode()
    response = client.post(
        "/accounts/password/change/",
        {"old_password": member.national_code, "new_password1": "Karaj1404Ok", "new_password2": "Karaj1404Ok"},
    )
    assert response["Location"] == "/accounts/me/"
    assert client.get("/accounts/me/").status_code == 200
    assert MemberCredential.objects.get(member=member).state == PasswordState.SELF_SET


def test_m5_national_code_password_cannot_log_in_while_an_election_is_open(client):
    association = AssociationFactory()
    member = approved_member(association)
    member.set_password(member.national_code)
    member.save()
    ElectionFactory(association=association, state=ElectionState.OPEN)
    html = form_post(
        client, "/accounts/login/", {"username": member.national_code, "password": member.national_code}
    ).content.decode()
    assert "در زمان برگزاری انتخابات امکان ورود با آن وجود ندارد" in html
    assert "_auth_user_id" not in client.session


def test_m4_option1_never_shows_the_password_and_reads_the_same_for_unknown_codes(
    client, django_capture_on_commit_callbacks, celery_eager
):
    member = member_with_password_state(PasswordState.RANDOM_UNREVEALED)
    with django_capture_on_commit_callbacks(execute=True):
        known = form_post(
            client, "/accounts/password/forgot/", {"national_code": member.national_code, "option": "random"}
        )
    password = sms.outbox[0].text.split(": ")[1].split("\n")[0]
    assert password not in known.content.decode()
    assert member.mobile not in known.content.decode() and member.email not in known.content.decode()
    unknown = form_post(client, "/accounts/password/forgot/", {"national_code": "2271185327", "option": "random"})
    strip = lambda html: html.split('name="csrfmiddlewaretoken"')[0]  # noqa: E731
    assert strip(known.content.decode()) == strip(unknown.content.decode())
    assert len(mail.outbox) == 1


def test_m4_option2_shows_the_code_and_the_system_number(client, settings):
    member = member_with_password_state(PasswordState.SELF_SET)
    html = form_post(
        client, "/accounts/password/forgot/", {"national_code": member.national_code, "option": "sms"}
    ).content.decode()
    assert settings.SMS_SYSTEM_NUMBER in html
    assert 'data-testid="reset-code"' in html
    assert MemberCredential.objects.get(member=member).state == PasswordState.SMS_RESET_PENDING


def test_m4_option2_answers_an_unknown_national_code_exactly_like_a_known_one(client):
    """Issue 13 (failure 10): option 2 shows the same page, words and status for a national
    code that is not registered; its code is stored nowhere and matches nothing."""
    member = member_with_password_state(PasswordState.SELF_SET)
    known = form_post(client, "/accounts/password/forgot/", {"national_code": member.national_code, "option": "sms"})
    unknown = form_post(client, "/accounts/password/forgot/", {"national_code": "2271185327", "option": "sms"})
    assert known.status_code == unknown.status_code == 200
    codes = [re.search(r'data-testid="reset-code">(\d{6})<', r.content.decode()).group(1) for r in (known, unknown)]

    def page(response, code):
        html = response.content.decode().replace(code, "CODE")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert page(known, codes[0]) == page(unknown, codes[1])
    assert AuditEntry.objects.filter(action="password.sms_reset_requested").count() == 1
    response = client.post(
        "/sms/inbound/", {"from": "09127777777", "message": codes[1]}, HTTP_X_INBOUND_TOKEN="test-inbound-token"
    )
    assert response.status_code == 200
    assert not AuditEntry.objects.filter(action="password.reset_to_national_code").exists()


def test_a4_option2_page_refuses_association_admins(client):
    admin = association_admin(AssociationFactory())
    html = form_post(
        client, "/accounts/password/forgot/", {"national_code": admin.national_code, "option": "sms"}
    ).content.decode()
    assert "بازنشانی با پیامک برای مسئولان انجمن‌ها فعال نیست" in html


def test_m7_personal_page_edits_email_and_mobile(client):
    member = approved_member(AssociationFactory())
    client.force_login(member)
    html = client.get("/accounts/me/").content.decode()
    assert "تایید شده" in html
    response = client.post("/accounts/me/", {"email": "NEW@example.org", "mobile": "۰۹۳۵۱۲۳۴۵۶۷"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.email, member.mobile) == ("new@example.org", "09351234567")


def test_m7_personal_page_is_blocked_during_the_voting_window(client):
    association = AssociationFactory()
    member = approved_member(association, email="keep@example.org")
    ElectionFactory(association=association, state=ElectionState.OPEN)
    client.force_login(member)
    html = client.get("/accounts/me/").content.decode()
    assert "امکان ویرایش اطلاعات و تغییر کلمه عبور نیست" in html
    client.post("/accounts/me/", {"email": "new@example.org", "mobile": "09351234567"})
    member.refresh_from_db()
    assert member.email == "keep@example.org"
    response = client.post(
        "/accounts/password/change/",
        {"old_password": "Member2026pass", "new_password1": "Karaj1404Ok", "new_password2": "Karaj1404Ok"},
    )
    member.refresh_from_db()
    assert member.check_password("Member2026pass") and response.status_code == 200


def test_m7_personal_page_needs_login(client):
    assert client.get("/accounts/me/")["Location"].startswith("/accounts/login/")
    assert client.get("/en/accounts/me/")["Location"].startswith("/en/accounts/login/")


def test_m8_status_shows_states_and_a_masked_email_only(client):
    member = MemberFactory(email="maryam.ahmadi@example.org", first_name="نرگس", mobile="09121110000")
    MembershipFactory(member=member, state=MembershipState.APPROVED)
    MembershipFactory(member=member, state=MembershipState.PENDING)
    html = form_post(client, "/accounts/status/", {"national_code": member.national_code}).content.decode()
    assert "m***********i@example.org" in html
    assert "maryam.ahmadi" not in html and "نرگس" not in html and "09121110000" not in html
    assert "تایید شده" in html and "در انتظار تایید" in html


def test_m8_status_for_an_unknown_code(client):
    html = form_post(client, "/accounts/status/", {"national_code": "0012345679"}).content.decode()
    assert "عضوی با این کد ملی در سامانه ثبت نشده است." in html


def test_throttling_status_lookup_per_national_code_says_when_to_retry(client, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "membership_status": {"ip": "100/hour", "national_code": "2/hour"}}
    for _ in range(2):
        assert form_post(client, "/accounts/status/", {"national_code": "0012345679"}).status_code == 200
    response = form_post(client, "/accounts/status/", {"national_code": "0012345679"})
    assert response.status_code == 429
    assert "دوباره تلاش کنید" in response.content.decode()


@pytest.mark.parametrize("path", ["/accounts/check/", "/accounts/password/forgot/"])
def test_throttling_per_ip(client, settings, path):
    settings.RATELIMITS = {k: {"ip": "2/hour", "national_code": "100/hour"} for k in settings.RATELIMITS}
    codes = ["0012345679", "0499370899", "2271185327"]
    responses = [form_post(client, path, {"national_code": code, "option": "random"}) for code in codes]
    assert responses[-1].status_code == 429


@override_settings(LOGIN_PAIR_FREE_FAILURES=3)
def test_login_lockout_by_the_login_guard_is_persian_with_retry_time(client):
    member = MemberFactory()
    for _ in range(3):
        form_post(client, "/accounts/login/", {"username": member.national_code, "password": "wrong"})
    response = form_post(client, "/accounts/login/", {"username": member.national_code, "password": "Member2026pass"})
    assert response.status_code == 429
    assert "دوباره تلاش کنید" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sms_inbound_webhook_requires_the_token(client):
    assert client.post("/sms/inbound/", {"from": "09121234567", "message": "123456"}).status_code == 403
    wrong = client.post("/sms/inbound/", {"from": "09121234567", "message": "x"}, HTTP_X_INBOUND_TOKEN="nope")
    assert wrong.status_code == 403
    assert client.get("/sms/inbound/", HTTP_X_INBOUND_TOKEN="test-inbound-token").status_code == 405


def test_sms_inbound_webhook_dispatches_an_option2_code(client):
    member = member_with_password_state(PasswordState.SELF_SET)
    html = form_post(
        client, "/accounts/password/forgot/", {"national_code": member.national_code, "option": "sms"}
    ).content.decode()
    code = html.split('data-testid="reset-code">')[1].split("<")[0]
    response = client.post(
        "/sms/inbound/",
        {"from": "+98" + member.mobile[1:], "to": "300012345", "message": code},
        HTTP_X_INBOUND_TOKEN="test-inbound-token",
    )
    assert response.json() == {"ok": True}  # the same answer whatever matched (issue 13)
    member.refresh_from_db()
    assert member.check_password(member.national_code)
    assert AuditEntry.objects.filter(action="password.reset_to_national_code").exists()


def test_sms_inbound_webhook_accepts_json_and_rejects_bad_bodies(client):
    response = client.post(
        "/sms/inbound/", data="[1]", content_type="application/json", HTTP_X_INBOUND_TOKEN="test-inbound-token"
    )
    assert response.status_code == 400
    response = client.post(
        "/sms/inbound/",
        data={"from": "09121234567", "message": "hello"},
        content_type="application/json",
        HTTP_X_INBOUND_TOKEN="test-inbound-token",
    )
    assert response.status_code == 200 and response.json() == {"ok": True}


def test_sms_inbound_command_feeds_the_same_dispatcher():
    from django.core.management import call_command

    member = MemberFactory(mobile="09121112233", email="old@example.org")
    call_command("sms_inbound", "--from", "09121112233", "--message", f"{member.national_code} cmd@example.org")
    member.refresh_from_db()
    assert member.email == "cmd@example.org"


def test_logout_is_post_only(client):
    member = MemberFactory()
    client.force_login(member)
    client.get("/accounts/logout/")
    assert "_auth_user_id" in client.session
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_m5_applies_to_the_wagtail_admin_login_too(client):
    """An association admin whose password is the national code, logging in at /admin/login/,
    goes nowhere but the password change (the same rule as the portal login)."""
    admin = association_admin(AssociationFactory())
    admin.set_password(admin.national_code)
    admin.save()
    response = form_post(client, "/admin/login/", {"username": admin.national_code, "password": admin.national_code})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    assert client.get("/admin/")["Location"] == "/accounts/password/change/"


def test_m5_wagtail_admin_login_is_refused_while_an_election_is_open(client):
    association = AssociationFactory()
    admin = approved_member(association)  # a member of the association who also administers it
    association.admins.add(admin)
    admin.set_password(admin.national_code)
    admin.save()
    ElectionFactory(association=association, state=ElectionState.OPEN)
    response = form_post(
        client, "/admin/login/", {"username": admin.national_code, "password": admin.national_code}, follow=True
    )
    assert "_auth_user_id" not in client.session
    assert "در زمان برگزاری انتخابات امکان ورود با آن وجود ندارد" in response.content.decode()


def test_m5_ordinary_admin_login_is_untouched(client):
    admin = StaffFactory()
    response = form_post(client, "/admin/login/", {"username": admin.national_code, "password": "Member2026pass"})
    assert response.status_code == 302 and client.get("/admin/").status_code == 200
