"""R3 / issue 5: no one-time code in logs, task arguments, audit payloads or error
reports, across a whole journey with failures, retries, a lockout and a fallback."""

import json
import logging
import sys

import pytest
from django.core import mail
from django.views.debug import ExceptionReporter

from cms_site.audit.models import AuditEntry
from cms_site.common.logging import JsonFormatter, RedactSecretsFilter
from cms_site.common.models import OutboxTask
from otp_delivery import exceptions as otp_errors
from otp_delivery.gateways import sms
from otp_delivery.models import Delivery
from otp_delivery.services import (
    delivery_send,
    message_queue,
    otp_challenge_issue,
    otp_challenge_verify,
    otp_fallback_check,
)
from tests.fake_kavenegar import API_KEY, FakeKavenegar
from tests.otp_helpers import CODE, Clock, run_deliveries, voter

pytestmark = pytest.mark.django_db


@pytest.fixture
def kavenegar(settings):
    fake = FakeKavenegar().start()
    settings.SMS_BACKEND = "kavenegar"
    settings.KAVENEGAR_API_KEY = API_KEY
    settings.KAVENEGAR_BASE_URL = fake.base_url
    settings.KAVENEGAR_TIMEOUT_SECONDS = 0.5
    yield fake
    fake.stop()


def rendered_logs(records) -> str:
    formatter, redact = JsonFormatter(), RedactSecretsFilter()
    lines = []
    for record in records:
        redact.filter(record)
        lines.append(formatter.format(record))
        lines.append(repr(vars(record)))
    return "\n".join(lines)


def test_r3_codes_never_reach_logs_tasks_or_audit(kavenegar, caplog, settings, monkeypatch):
    from otp_delivery import tasks

    settings.OTP_THROTTLE_FACTOR = 0
    caplog.set_level(logging.DEBUG)
    task_calls = []
    for task in (tasks.delivery_send_task, tasks.otp_fallback_check_task):
        monkeypatch.setattr(task, "delay", lambda *a, _t=task.name, **k: task_calls.append((_t, a, k)))
        monkeypatch.setattr(task, "apply_async", lambda *a, _t=task.name, **k: task_calls.append((_t, a, k)))

    member = voter()
    secrets: set[str] = set()
    with Clock() as clock:
        kavenegar.script = ["5xx", "ok"]
        otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
        run_deliveries()
        run_deliveries()
        sms_code = CODE.search(kavenegar.sends()[-1]["message"]).group(1)
        secrets.add(sms_code)
        for guess in range(3):
            wrong = f"{(int(sms_code) + 1 + guess) % 1_000_000:06d}"
            secrets.add(wrong)
            with pytest.raises(otp_errors.OtpWrongCode):
                otp_challenge_verify(member=member, purpose_ref="ballot:1", token=wrong)
        clock.advance(minutes=3)
        otp_fallback_check(delivery_id=Delivery.objects.get(channel="sms").pk)
        run_deliveries()
        mail_code = CODE.search(mail.outbox[-1].body).group(1)
        secrets.add(mail_code)
        otp_challenge_verify(member=member, purpose_ref="ballot:1", token=mail_code)
        message_queue(channel="sms", recipient="09121234567", text="رمز عبور جدید: Zx9Yw8Vu")
        kavenegar.script = [418]
        run_deliveries()
    secrets.add("Zx9Yw8Vu")

    logs = rendered_logs(caplog.records)
    assert "otp issued" in logs and "message sent" in logs and "message failed" in logs
    audit = json.dumps([entry.payload for entry in AuditEntry.objects.all()], ensure_ascii=False)
    assert "otp.verify_failed" in set(AuditEntry.objects.values_list("action", flat=True))
    stored = json.dumps(list(Delivery.objects.values()), default=str, ensure_ascii=False)
    stored += json.dumps(list(OutboxTask.objects.values()), default=str, ensure_ascii=False)  # the task outbox
    for secret in secrets:
        assert secret not in logs, "a code reached the logs"
        assert secret not in repr(task_calls), "a code reached a task argument"
        assert secret not in audit, "a code reached the audit log"
        assert secret not in stored, "a code sits in the delivery table"
    assert API_KEY not in logs and API_KEY not in stored
    assert all(
        isinstance(arg, int)
        for _name, args, _kw in task_calls
        for arg in (args[0] if isinstance(args[0], tuple) else args)
    )


class ExplodingGateway:
    def send(self, message):
        raise RuntimeError("gateway library crashed")

    def lookup(self, local_id):
        return None


def test_r3_error_reports_hide_the_message_text(settings, monkeypatch):
    """What AdminEmailHandler would mail for an unexpected crash mid-send (DEBUG off)."""
    settings.DEBUG = False
    monkeypatch.setattr(sms, "get_sms_backend", ExplodingGateway)
    secret = str(271828 + 42331)  # built at run time, so no source line shows it
    delivery = message_queue(channel="sms", recipient="09121234567", text=f"کد تایید رای شما: {secret}")
    del secret
    try:
        delivery_send(delivery_id=delivery.pk)
    except RuntimeError:
        report = ExceptionReporter(None, *sys.exc_info())
        frames = report.get_traceback_frames()
        text = report.get_traceback_text() + report.get_traceback_html()
    else:
        pytest.fail("the crash did not propagate")
    assert "gateway library crashed" in text
    assert "314159" not in text
    service_frames = [frame for frame in frames if "otp_delivery" in frame["filename"]]
    values = [value for frame in service_frames for _name, value in frame["vars"]]
    assert service_frames and all("*****" in str(value) for value in values)
