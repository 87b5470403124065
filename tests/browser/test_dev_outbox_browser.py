"""The DEBUG-only outbox page on a 360-px phone: RTL, the code readable, no sideways scroll."""

import pytest
from playwright.sync_api import expect

from otp_delivery.services import otp_challenge_issue
from tests.otp_helpers import enqueue_nothing, run_deliveries, voter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dev_outbox_on_a_phone(phone, live_server, settings, tmp_path, screenshot, monkeypatch):
    enqueue_nothing(monkeypatch)
    settings.DEBUG = True
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms", language="fa")
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="email", language="fa")
    run_deliveries()

    phone.goto(live_server.url + "/dev/outbox/")
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    expect(phone.locator("h1")).to_have_text("صندوق پیام‌های آزمایشی", use_inner_text=True)
    expect(phone.locator("[data-role=sms]").first).to_contain_text("کد تایید رای شما", use_inner_text=True)
    expect(phone.locator("[data-role=email]").first).to_contain_text(member.email, use_inner_text=True)
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    screenshot(phone, "dev-outbox-phone")
