"""SMS gateway backends, chosen by the `SMS_BACKEND` setting.

- `file`: appends one JSON object a line (`to`, `text`, `sent_at`) to `SMS_FILE_PATH`
  (dev default `var/outbox/sms.jsonl`), so a demo user can read their code.
- `locmem`: keeps messages in `otp_delivery.sms.outbox` (tests).
- `console`: writes the message to standard output.

Backends never log the text: it may hold a one-time code or a password.
"""

import fcntl
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


class SmsDeliveryError(Exception):
    """The gateway could not accept the message. `is_transient` says whether to retry."""

    def __init__(self, message: str, *, is_transient: bool = True):
        super().__init__(message)
        self.is_transient = is_transient


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str
    sent_at: str


# The locmem backend's outbox, like django.core.mail.outbox.
outbox: list[SmsMessage] = []


class FileSmsBackend:
    def send(self, message: SmsMessage) -> None:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"to": message.to, "text": message.text, "sent_at": message.sent_at}, ensure_ascii=False)
        with path.open("a", encoding="utf-8") as handle:
            # Several Celery processes may append at once; keep lines whole.
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.write(line + "\n")
            fcntl.flock(handle, fcntl.LOCK_UN)


class LocmemSmsBackend:
    def send(self, message: SmsMessage) -> None:
        outbox.append(message)


class ConsoleSmsBackend:
    def send(self, message: SmsMessage) -> None:
        sys.stdout.write(f"SMS to {message.to}:\n{message.text}\n\n")
        sys.stdout.flush()


BACKENDS = {"file": FileSmsBackend, "locmem": LocmemSmsBackend, "console": ConsoleSmsBackend}


def get_sms_backend():
    try:
        return BACKENDS[settings.SMS_BACKEND]()
    except KeyError:
        raise ImproperlyConfigured(
            f"Unknown SMS_BACKEND {settings.SMS_BACKEND!r}; use one of {sorted(BACKENDS)}."
        ) from None


def sms_send(*, to: str, text: str) -> SmsMessage:
    """Hand one message to the configured gateway. Raises SmsDeliveryError on failure."""
    message = SmsMessage(to=to, text=text, sent_at=timezone.now().isoformat())
    get_sms_backend().send(message)
    return message
