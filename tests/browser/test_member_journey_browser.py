"""M2, M10/A2, M4 (options 1 and 2), M5 in Chromium: register, get approved by the
association admin in the Wagtail admin, recover the password by option 1, log in, then
reset by option 2 and be forced through the password change."""

import pytest
from captcha.models import CaptchaStore
from playwright.sync_api import expect

from member_workflow.models import Association, Membership, MembershipState
from member_workflow.services.admins import association_admin_grant
from otp_delivery.gateways import sms
from tests.factories import MemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NATIONAL_CODE = "0499370899"
MOBILE = "09127654321"


def _solve_captcha(page):
    key = page.locator("input[name=captcha_0]").input_value()
    page.fill("input[name=captcha_1]", CaptchaStore.objects.get(hashkey=key).response)


def _login(page, base, code, password):
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", code)
    page.fill("#id_password", password)
    _solve_captcha(page)
    page.click("main button[type=submit]")


def test_m2_a2_m4_m5_member_journey_in_chromium(page, phone, live_server, portal, screenshot, celery_eager):
    base = live_server.url
    association = Association.objects.create(slug="medical-informatics", name="انجمن علمی انفورماتیک پزشکی ایران")
    admin = MemberFactory(username="2271185327", password="AdminInfo2026", mobile="09120000101")
    association_admin_grant(association=association, member=admin, actor=None)

    # The registration form fits a phone.
    phone.goto(base + "/accounts/register/")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "register-phone")

    # M2: register from the home page's yellow link.
    page.goto(base + "/")
    page.click(".side-menu__item--yellow")
    page.wait_for_url("**/accounts/register/")
    page.fill("#id_national_code", "۰۴۹۹۳۷۰۸۹۹")
    page.fill("#id_first_name", "سارا")
    page.fill("#id_last_name", "کریمی")
    page.fill("#id_mobile", MOBILE)
    page.fill("#id_email", "sara@example.org")
    page.fill("#id_password1", "Tehran1404Vote")
    page.fill("#id_password2", "Tehran1404Vote")
    page.get_by_label("انجمن علمی انفورماتیک پزشکی ایران").check()
    _solve_captcha(page)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/me/")
    expect(page.locator(".member-table")).to_contain_text("در انتظار تایید", use_inner_text=True)
    screenshot(page, "personal-page-pending")
    page.click("text=خروج")
    page.wait_for_url("**/accounts/login/")

    # A2: the association admin approves in the Wagtail admin.
    page.goto(base + "/admin/login/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", "AdminInfo2026")
    _solve_captcha(page)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto(base + "/admin/members/")
    row = page.locator("tr", has_text=NATIONAL_CODE)
    screenshot(page, "admin-members")
    row.locator("[data-action=approve]").click()
    # The list comes back from the POST with the new state in the row.
    expect(row).to_contain_text("تایید شده", use_inner_text=True)
    membership = Membership.objects.get(member__username=NATIONAL_CODE)
    assert membership.state == MembershipState.APPROVED
    page.context.clear_cookies()

    # M4 option 1: a new random password by SMS (the locmem outbox of the live server).
    page.goto(base + "/accounts/password/forgot/")
    page.fill("#id_national_code", NATIONAL_CODE)
    page.get_by_label("دریافت کلمه عبور از طریق پیامک و پست الکترونیک").check()
    _solve_captcha(page)
    page.click("main button[type=submit]")
    page.wait_for_selector("text=کلمه عبور جدید تا چند دقیقه دیگر")
    [message] = [m for m in sms.outbox if m.to == MOBILE]
    new_password = message.text.split(": ")[1].split("\n")[0]
    assert new_password not in page.content()

    _login(page, base, NATIONAL_CODE, new_password)
    page.wait_for_url("**/accounts/me/")
    expect(page.locator(".member-table")).to_contain_text("تایید شده", use_inner_text=True)
    page.click("text=خروج")
    page.wait_for_url("**/accounts/login/")

    # M4 option 2: the code on screen, SMSed to the system number (through the webhook).
    page.goto(base + "/accounts/password/forgot/")
    page.fill("#id_national_code", NATIONAL_CODE)
    page.get_by_label("ارسال کد تایید برای ریست شدن کلمه عبور").check()
    _solve_captcha(page)
    page.click("main button[type=submit]")
    code = page.locator("[data-testid=reset-code]").inner_text()
    expect(page.locator("[data-testid=system-number]")).to_have_text("300012345", use_inner_text=True)
    screenshot(page, "option2-code")
    response = page.request.post(
        base + "/sms/inbound/",
        form={"from": "+98" + MOBILE[1:], "to": "300012345", "message": code},
        headers={"X-Inbound-Token": "test-inbound-token"},
    )
    assert response.ok and response.json() == {"ok": True}  # the same answer whatever matched

    # M5: the national code logs in but only to change the password.
    _login(page, base, NATIONAL_CODE, NATIONAL_CODE)
    page.wait_for_url("**/accounts/password/change/")
    page.goto(base + "/accounts/me/")
    page.wait_for_url("**/accounts/password/change/")
    screenshot(page, "forced-password-change")
    page.fill("#id_old_password", NATIONAL_CODE)
    page.fill("#id_new_password1", "Karaj1404Ok")
    page.fill("#id_new_password2", "Karaj1404Ok")
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/me/")
    expect(page.locator("body")).to_contain_text("کلمه عبور شما تغییر کرد.")
