"""Reads of the delivery layer: what a page may show about a code's messages, and the
development outbox."""

import datetime
import email
import email.policy
import email.utils
import json
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .models import Challenge, ChallengeState, Delivery, DeliveryKind, DeliveryState


def otp_challenge_deliveries(*, member, purpose_ref: str) -> list[Delivery]:
    """The messages sent for the member's latest challenge for `purpose_ref`, newest
    first (state, channel, kind: e.g. to tell the voter the code also went by email).
    Never exposes a code: the sealed body is erased once sent and not selected here."""
    challenge = (
        Challenge.objects.filter(member=member, purpose_ref=purpose_ref)
        .exclude(state=ChallengeState.SUPERSEDED)
        .order_by("-created_at")
        .first()
    )
    if challenge is None:
        return []
    return list(challenge.deliveries.defer("sealed_body").order_by("-created_at", "-pk"))


@dataclass(frozen=True)
class CodeDelivery:
    """Where the latest code message of a challenge is, as a page may say it:
    - "sending": no gateway has accepted it yet (it may be waiting for the broker);
    - "sent": a gateway accepted it (SMS or email on its way to the member);
    - "late": still unsent when its code stopped working; a new code must be asked for;
    - "failed": the gateways refused it; a new code must be asked for."""

    state: str
    channel: str
    is_fallback: bool

    @property
    def needs_new_code(self) -> bool:
        return self.state in ("late", "failed")


def otp_code_delivery(*, member, purpose_ref: str, now=None) -> CodeDelivery | None:
    """The state of the newest code message for the member's challenge for `purpose_ref`
    (None before any code was asked for). A page says "sent" only once a gateway accepted
    the message, never when it was merely queued."""
    codes = [
        delivery
        for delivery in otp_challenge_deliveries(member=member, purpose_ref=purpose_ref)
        if delivery.kind in (DeliveryKind.OTP, DeliveryKind.OTP_FALLBACK)
    ]
    if not codes:
        return None
    latest = codes[0]
    expired = latest.code_expires_at <= (now or timezone.now())
    if latest.state in (DeliveryState.SENT, DeliveryState.DELIVERED):
        state = "sent"
    elif latest.state == DeliveryState.FAILED:
        # Failed at its expiry: the worker refused to send a dead code (it waited too long).
        is_late = latest.state_changed_at is not None and latest.state_changed_at >= latest.code_expires_at
        state = "late" if is_late else "failed"
    else:
        state = "late" if expired else "sending"
    return CodeDelivery(state=state, channel=latest.channel, is_fallback=latest.kind == DeliveryKind.OTP_FALLBACK)


def member_recent_messages(*, member, limit: int = 10) -> list[Delivery]:
    """The member's latest messages of every kind (codes, password messages, notices), for
    support: kind, channel, recipient, state, last error. Never the text."""
    return list(Delivery.objects.filter(member=member).defer("sealed_body").order_by("-created_at", "-pk")[:limit])


@dataclass(frozen=True)
class OutboxSms:
    to: str
    text: str
    sent_at: datetime.datetime | None


@dataclass(frozen=True)
class OutboxEmail:
    to: str
    subject: str
    body: str
    date: datetime.datetime | None
    file_name: str


def _iso_date(value) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _mail_date(value) -> datetime.datetime | None:
    try:
        parsed = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    # Django writes UTC as "-0000" ("zone unknown"), which parses naive.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def dev_outbox_sms(*, limit: int = 20) -> list[OutboxSms]:
    """The latest messages of the `file` SMS backend, newest first."""
    path = Path(settings.SMS_FILE_PATH)
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        lines = deque(handle, maxlen=limit)
    messages = []
    for line in reversed(lines):
        try:
            data = json.loads(line)
        except ValueError:
            continue
        messages.append(
            OutboxSms(to=data.get("to", ""), text=data.get("text", ""), sent_at=_iso_date(data.get("sent_at")))
        )
    return messages


def _parse_mail(raw: bytes) -> tuple[email.message.EmailMessage, str]:
    """Headers through the email package; an 8-bit body straight from its bytes (the
    package would turn its UTF-8 into escapes), encoded or multipart bodies decoded."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    charset = message.get_content_charset() or "utf-8"
    encoding = str(message.get("Content-Transfer-Encoding", "7bit")).lower()
    if not message.is_multipart() and encoding in ("7bit", "8bit"):
        return message, raw.partition(b"\n\n")[2].decode(charset, errors="replace")
    part = message.get_body(preferencelist=("plain", "html")) or message
    payload = part.get_payload(decode=True) or b""
    return message, payload.decode(part.get_content_charset() or "utf-8", errors="replace")


def dev_outbox_emails(*, limit: int = 20) -> list[OutboxEmail]:
    """The latest emails written by Django's file backend (one file per connection, each
    holding messages separated by a line of 79 dashes), newest first."""
    folder = Path(getattr(settings, "EMAIL_FILE_PATH", "") or settings.VAR_DIR / "outbox" / "mail")
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.log"), key=lambda path: path.stat().st_mtime, reverse=True)
    emails: list[OutboxEmail] = []
    for path in files:
        chunks = [chunk for chunk in path.read_bytes().split(b"-" * 79) if chunk.strip()]
        for chunk in reversed(chunks):
            message, body = _parse_mail(chunk.strip(b"\n"))
            emails.append(
                OutboxEmail(
                    to=str(message.get("To", "")),
                    subject=str(message.get("Subject", "")),
                    body=body,
                    date=_mail_date(message.get("Date")),
                    file_name=path.name,
                )
            )
            if len(emails) >= limit:
                return emails
    return emails
