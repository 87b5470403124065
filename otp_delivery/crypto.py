"""Sealing message bodies at rest.

A queued message (it may hold a one-time code) waits in the database only as a Fernet
token whose key is derived from SECRET_KEY, and is erased once the message is sent or has
failed. A database dump alone therefore never shows a code.
"""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SealError(Exception):
    """The sealed text cannot be opened (SECRET_KEY changed or the data was altered)."""


def _key(purpose: str) -> bytes:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"otp_delivery:{purpose}".encode(), hashlib.sha256).digest()
    return digest


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_key("fernet")))


def seal(text: str) -> str:
    return _fernet().encrypt(text.encode("utf-8")).decode("ascii")


def unseal(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise SealError("sealed message cannot be opened") from exc


def code_digest(*, device_label: str, challenge_id: str, code: str) -> str:
    """What a device stores instead of its code: a keyed hash bound to one challenge, so a
    code issued for one purpose never verifies for another and the table holds no code."""
    message = f"{device_label}:{challenge_id}:{code}".encode()
    return hmac.new(_key("code"), message, hashlib.sha256).hexdigest()[:16]
