"""SMS gateway backends, chosen by the `SMS_BACKEND` setting.

- `file`: appends one JSON object a line (`to`, `text`, `sent_at`, `local_id`) to
  `SMS_FILE_PATH` (dev default `var/outbox/sms.jsonl`), so a demo user can read their code.
- `locmem`: keeps messages in `otp_delivery.gateways.sms.outbox` (tests).
- `console`: writes the message to standard output.
- `kavenegar`: Kavenegar's REST API (`{KAVENEGAR_BASE_URL}/{API-KEY}/sms/send.json`).

Every backend offers the same three calls:
- `send(message) -> SmsReceipt`, raising `SmsDeliveryError(is_transient=...)`;
- `lookup(local_id) -> SmsReceipt | None`: did a message with this local id already leave?
  (how a worker that died mid-send avoids sending the same code twice);
- `status(provider_message_id) -> SmsReceipt`: the provider's delivery report.

Backends never log the text (it may hold a one-time code or a password), and error
messages never carry the provider URL (it holds the API key).
"""

import fcntl
import json
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables


class SmsDeliveryError(Exception):
    """The gateway could not accept the message. `is_transient` says whether to retry."""

    def __init__(self, message: str, *, is_transient: bool = True, provider_code: int | None = None):
        super().__init__(message)
        self.is_transient = is_transient
        self.provider_code = provider_code


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str
    sent_at: str
    local_id: str = ""


# What a backend knows about one message: its id there and where it is.
DELIVERY_PENDING, DELIVERY_DELIVERED, DELIVERY_FAILED = "pending", "delivered", "failed"


@dataclass(frozen=True)
class SmsReceipt:
    provider_message_id: str
    delivery: str = DELIVERY_PENDING
    provider_status: str = ""


# The locmem backend's outbox, like django.core.mail.outbox.
outbox: list[SmsMessage] = []


def _local_receipt(message_id: str) -> SmsReceipt:
    """Local backends have no handset; `SMS_LOCAL_CONFIRMS_DELIVERY` says whether they
    report the message delivered at once (dev, most tests) or never (fallback tests)."""
    if settings.SMS_LOCAL_CONFIRMS_DELIVERY:
        return SmsReceipt(message_id, DELIVERY_DELIVERED, "local")
    return SmsReceipt(message_id, DELIVERY_PENDING, "local")


class FileSmsBackend:
    def _path(self) -> Path:
        return Path(settings.SMS_FILE_PATH)

    def send(self, message: SmsMessage) -> SmsReceipt:
        path = self._path()
        path.parent.mkdir(parents=True, exist_ok=True)
        message_id = message.local_id or uuid.uuid4().hex
        line = json.dumps(
            {"to": message.to, "text": message.text, "sent_at": message.sent_at, "local_id": message_id},
            ensure_ascii=False,
        )
        with path.open("a", encoding="utf-8") as handle:
            # Several Celery processes may append at once; keep lines whole.
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.write(line + "\n")
            fcntl.flock(handle, fcntl.LOCK_UN)
        return _local_receipt(message_id)

    def lookup(self, local_id: str) -> SmsReceipt | None:
        path = self._path()
        if not local_id or not path.exists():
            return None
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    if json.loads(line).get("local_id") == local_id:
                        return _local_receipt(local_id)
                except ValueError:
                    continue
        return None

    def status(self, provider_message_id: str) -> SmsReceipt:
        return _local_receipt(provider_message_id)


class LocmemSmsBackend:
    def send(self, message: SmsMessage) -> SmsReceipt:
        outbox.append(message)
        return _local_receipt(message.local_id or uuid.uuid4().hex)

    def lookup(self, local_id: str) -> SmsReceipt | None:
        if local_id and any(m.local_id == local_id for m in outbox):
            return _local_receipt(local_id)
        return None

    def status(self, provider_message_id: str) -> SmsReceipt:
        return _local_receipt(provider_message_id)


class ConsoleSmsBackend:
    def send(self, message: SmsMessage) -> SmsReceipt:
        sys.stdout.write(f"SMS to {message.to}:\n{message.text}\n\n")
        sys.stdout.flush()
        return _local_receipt(message.local_id or uuid.uuid4().hex)

    def lookup(self, local_id: str) -> SmsReceipt | None:
        return None  # standard output keeps no record; a resend after a crash is possible

    def status(self, provider_message_id: str) -> SmsReceipt:
        return _local_receipt(provider_message_id)


class KavenegarSmsBackend:
    """Kavenegar's documented REST API. Every call is
    `POST {KAVENEGAR_BASE_URL}/{API-KEY}/sms/{method}.json` answering
    `{"return": {"status": 200, "message": ...}, "entries": [...]}`.

    Classification (from Kavenegar's list of return codes): network errors, timeouts,
    HTTP 5xx, unreadable replies, 409 (server cannot answer now) and 451 (too many calls)
    are transient and retried; the rest (403 bad key, 411 bad receptor, 412 bad sender,
    413 message too long, 418 no credit, 422 bad characters, ...) are permanent.
    """

    TRANSIENT_CODES = frozenset({409, 429, 451})
    DELIVERED = frozenset({10})
    FAILED = frozenset({6, 11, 13, 14})

    def __init__(self):
        self.api_key = settings.KAVENEGAR_API_KEY
        if not self.api_key:
            raise ImproperlyConfigured("SMS_BACKEND=kavenegar needs KAVENEGAR_API_KEY.")
        self.base_url = settings.KAVENEGAR_BASE_URL.rstrip("/")
        self.sender = settings.KAVENEGAR_SENDER
        self.timeout = settings.KAVENEGAR_TIMEOUT_SECONDS

    def _call(self, method: str, params: dict) -> list[dict]:
        url = f"{self.base_url}/{self.api_key}/sms/{method}.json"
        try:
            response = requests.post(url, data=params, timeout=self.timeout)
        except requests.Timeout:
            raise SmsDeliveryError(f"kavenegar {method}: timed out", is_transient=True) from None
        except requests.RequestException as exc:
            # The exception text holds the URL and so the API key: keep only its type.
            raise SmsDeliveryError(f"kavenegar {method}: {type(exc).__name__}", is_transient=True) from None
        if response.status_code >= 500:
            raise SmsDeliveryError(f"kavenegar {method}: HTTP {response.status_code}", is_transient=True)
        try:
            body = response.json()
            code = int(body["return"]["status"])
            entries = body.get("entries") or []
            if not isinstance(entries, list):
                raise TypeError("entries is not a list")
        except (ValueError, KeyError, TypeError):
            # The provider may or may not have taken the message; the retry asks it by
            # local id first, so a retry does not send twice.
            raise SmsDeliveryError(
                f"kavenegar {method}: unreadable reply (HTTP {response.status_code})", is_transient=True
            ) from None
        if code != 200:
            raise SmsDeliveryError(
                f"kavenegar {method}: status {code}", is_transient=code in self.TRANSIENT_CODES, provider_code=code
            )
        return entries

    def _receipt(self, entry: dict) -> SmsReceipt:
        status = int(entry.get("status", 0))
        if status in self.DELIVERED:
            delivery = DELIVERY_DELIVERED
        elif status in self.FAILED:
            delivery = DELIVERY_FAILED
        else:
            delivery = DELIVERY_PENDING
        return SmsReceipt(str(entry.get("messageid", "")), delivery, str(status))

    def send(self, message: SmsMessage) -> SmsReceipt:
        params = {"receptor": message.to, "message": message.text}
        if self.sender:
            params["sender"] = self.sender
        if message.local_id:
            params["localid"] = message.local_id
        entries = self._call("send", params)
        if not entries:
            raise SmsDeliveryError("kavenegar send: no entry in the reply", is_transient=True)
        receipt = self._receipt(entries[0])
        if receipt.delivery == DELIVERY_FAILED:
            raise SmsDeliveryError(f"kavenegar send: message status {receipt.provider_status}", is_transient=False)
        return receipt

    def lookup(self, local_id: str) -> SmsReceipt | None:
        entries = self._call("statuslocalmessageid", {"localid": local_id})
        for entry in entries:
            # 100: "no message with this id" in Kavenegar's status list.
            if str(entry.get("localid", local_id)) == str(local_id) and int(entry.get("status", 100)) != 100:
                if str(entry.get("messageid", "0")) not in ("", "0"):
                    return self._receipt(entry)
        return None

    def status(self, provider_message_id: str) -> SmsReceipt:
        entries = self._call("status", {"messageid": provider_message_id})
        if not entries:
            raise SmsDeliveryError("kavenegar status: no entry in the reply", is_transient=True)
        return self._receipt(entries[0])


BACKENDS = {
    "file": FileSmsBackend,
    "locmem": LocmemSmsBackend,
    "console": ConsoleSmsBackend,
    "kavenegar": KavenegarSmsBackend,
}


def get_sms_backend():
    try:
        backend_class = BACKENDS[settings.SMS_BACKEND]
    except KeyError:
        raise ImproperlyConfigured(
            f"Unknown SMS_BACKEND {settings.SMS_BACKEND!r}; use one of {sorted(BACKENDS)}."
        ) from None
    return backend_class()


def kavenegar_status_word(status: int) -> str:
    """Map a Kavenegar delivery status to ours (used by the delivery-report webhook)."""
    if status in KavenegarSmsBackend.DELIVERED:
        return DELIVERY_DELIVERED
    if status in KavenegarSmsBackend.FAILED:
        return DELIVERY_FAILED
    return DELIVERY_PENDING


@sensitive_variables()
def sms_send(*, to: str, text: str, local_id: str = "") -> SmsReceipt:
    """Hand one message to the configured gateway at once (no record, no retry).
    Raises SmsDeliveryError on failure. Prefer `otp_delivery.services.message_queue` for
    anything that must not be lost."""
    message = SmsMessage(to=to, text=text, sent_at=timezone.now().isoformat(), local_id=local_id)
    return get_sms_backend().send(message)
