"""Reads of the delivery layer: what a page may show about a code's messages, and the
development outbox."""

import email
import email.policy
import json
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .models import Challenge, ChallengeState, Delivery


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
class OutboxSms:
    to: str
    text: str
    sent_at: str


@dataclass(frozen=True)
class OutboxEmail:
    to: str
    subject: str
    body: str
    date: str
    file_name: str


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
        messages.append(OutboxSms(to=data.get("to", ""), text=data.get("text", ""), sent_at=data.get("sent_at", "")))
    return messages


def dev_outbox_emails(*, limit: int = 20) -> list[OutboxEmail]:
    """The latest emails written by Django's file backend (one file per connection, each
    holding messages separated by a line of 79 dashes), newest first."""
    folder = Path(getattr(settings, "EMAIL_FILE_PATH", "") or settings.VAR_DIR / "outbox" / "mail")
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.log"), key=lambda path: path.stat().st_mtime, reverse=True)
    emails: list[OutboxEmail] = []
    for path in files:
        chunks = [
            chunk for chunk in path.read_text(encoding="utf-8", errors="replace").split("-" * 79) if chunk.strip()
        ]
        for chunk in reversed(chunks):
            message = email.message_from_string(chunk.strip("\n"), policy=email.policy.default)
            part = message.get_body(preferencelist=("plain", "html")) if message.is_multipart() else message
            try:
                body = part.get_content() if part is not None else ""
            except (KeyError, LookupError):
                body = part.get_payload() if part is not None else ""
            emails.append(
                OutboxEmail(
                    to=str(message.get("To", "")),
                    subject=str(message.get("Subject", "")),
                    body=body,
                    date=str(message.get("Date", "")),
                    file_name=path.name,
                )
            )
            if len(emails) >= limit:
                return emails
    return emails
