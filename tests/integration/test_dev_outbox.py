"""The DEBUG-only page /dev/outbox/ shows the latest SMS and emails of the dev backends,
in Persian, right to left; without DEBUG it does not exist."""

import re

import pytest
from django.core import mail

from otp_delivery.services import message_queue, otp_challenge_issue
from tests.otp_helpers import run_deliveries, voter

pytestmark = pytest.mark.django_db


@pytest.fixture
def dev_outboxes(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    return tmp_path


def test_outbox_page_shows_latest_sms_and_email_in_debug(client, settings, dev_outboxes):
    settings.DEBUG = True
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms", language="fa")
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="email", language="fa")
    message_queue(channel="sms", recipient="09350000000", text="پیام دوم")
    run_deliveries()
    response = client.get("/dev/outbox/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'dir="rtl"' in html and "صندوق پیام‌های آزمایشی" in html
    assert "09121234567" in html and "کد تایید رای شما" in html
    assert member.email in html and "کد تایید رای —" in html
    # The UTF-8 body is decoded, not shown as escapes.
    assert "یک بار به کار می‌رود" in html and "\\u06" not in html
    # Dates in Jalali, Tehran time, the same clock for SMS and email.
    sms_time = re.search(
        r'data-role="sms">\s*<div class="dev-outbox__meta">[^<]*<bdi[^>]*>[^<]*</bdi> · ([^<]+)</div>', html
    )
    mail_time = re.search(
        r'data-role="email">\s*<div class="dev-outbox__meta">[^<]*<bdi[^>]*>[^<]*</bdi> · ([^<]+)</div>', html
    )
    assert sms_time and mail_time and "۱۴۰" in sms_time.group(1)
    # Same date and hour: the email's "-0000" Date header is read as UTC, not local time.
    assert sms_time.group(1).rsplit(":", 1)[0] == mail_time.group(1).rsplit(":", 1)[0]
    # Newest first.
    assert html.index("09350000000") < html.index("09121234567")
    assert html.count('data-role="sms"') == 2 and html.count('data-role="email"') == 1
    assert response["Cache-Control"] == "no-store"


def test_outbox_page_in_english_and_empty(client, settings, dev_outboxes):
    settings.DEBUG = True
    response = client.get("/en/dev/outbox/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Development outbox" in html and "No SMS has been written yet." in html


def test_outbox_page_is_404_without_debug(client, settings, dev_outboxes):
    settings.DEBUG = False
    mail.outbox.clear()
    assert client.get("/dev/outbox/").status_code == 404
    assert client.get("/en/dev/outbox/").status_code == 404
