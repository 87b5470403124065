"""SMS gateway backends chosen by one setting: file (dev), locmem (tests), console."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from otp_delivery.gateways import sms


def test_file_backend_writes_one_json_object_a_line(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "outbox" / "sms.jsonl"
    sms.sms_send(to="09121234567", text="کد تایید شما: ۱۲۳۴")
    sms.sms_send(to="09127654321", text="second")
    lines = settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert set(first) == {"to", "text", "sent_at", "local_id"}
    assert first["to"] == "09121234567"
    assert first["text"] == "کد تایید شما: ۱۲۳۴"


def test_locmem_backend_keeps_messages_in_the_outbox(settings):
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()
    sms.sms_send(to="09121234567", text="hello")
    assert [m.to for m in sms.outbox] == ["09121234567"]


def test_console_backend_prints(settings, capsys):
    settings.SMS_BACKEND = "console"
    sms.sms_send(to="09121234567", text="hello")
    assert "09121234567" in capsys.readouterr().out


def test_unknown_backend_is_a_configuration_error(settings):
    settings.SMS_BACKEND = "carrier-pigeon"
    with pytest.raises(ImproperlyConfigured):
        sms.sms_send(to="0912", text="x")
