"""Logs are structured (one JSON object a line) and carry no secrets."""

import json
import logging

from cms_site.common.logging import JsonFormatter, RedactSecretsFilter


def _format(**extra):
    record = logging.LogRecord("portal", logging.INFO, __file__, 1, "password reset requested", (), None)
    for key, value in extra.items():
        setattr(record, key, value)
    RedactSecretsFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_log_lines_are_json_with_extra_fields():
    entry = _format(member_id=42)
    assert entry["message"] == "password reset requested"
    assert entry["level"] == "INFO"
    assert entry["member_id"] == 42


def test_secret_looking_fields_are_redacted():
    entry = _format(password="Hunter2pass", otp_code="1234", new_password="X", choices=[1, 2], token="t")
    for key in ("password", "otp_code", "new_password", "choices", "token"):
        assert entry[key] == "[redacted]"
    assert "Hunter2pass" not in json.dumps(entry)


def test_ordinary_fields_with_secret_looking_names_are_kept():
    entry = _format(status_code=500, national_code="0012345679")
    assert entry["status_code"] == 500 and entry["national_code"] == "0012345679"
