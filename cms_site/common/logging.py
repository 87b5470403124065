"""Structured logging: one JSON object a line, with secret-looking fields redacted."""

import json
import logging
import re

# Attribute names that must never reach a log line with their value.
_SECRET_KEY = re.compile(r"pass(word)?|secret|token|otp|code|captcha|choice|selection|ballot", re.I)
# Names that merely contain a secret-looking word but are not secrets.
_NOT_SECRET = {"status_code", "national_code", "ballot_id", "election_code"}
_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class RedactSecretsFilter(logging.Filter):
    """Replaces the value of any extra field whose name looks secret with «[redacted]»."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key in list(vars(record)):
            if key not in _STANDARD_ATTRS and key not in _NOT_SECRET and _SECRET_KEY.search(key):
                setattr(record, key, "[redacted]")
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | None) else repr(value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
