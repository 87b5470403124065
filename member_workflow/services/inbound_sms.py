"""Inbound SMS: messages members send to the system number (SPEC M4 option 2, M9, V5).

The gateway's webhook and `manage.py sms_inbound` both call `inbound_sms_dispatch`, which
offers the message to each registered handler in turn until one takes it. Handlers are
registered with `inbound_sms_handler_register(name=..., handler=...)`; the voting work adds
its vote-confirmation handler the same way. A handler returns an `InboundResult` when the
message was its own, or None to let the next handler try.

Codes are bounded: a pending option-2 reset (and a ballot session's third-channel code)
takes at most `INBOUND_CODE_MAX_WRONG` wrong codes, then that code is void; and each
sender's mobile gets `RATELIMITS["sms_inbound"]` messages.

Message formats (digits may be Persian or Arabic-Indic):
- option-2 reset: the code shown on screen, e.g. `483920`;
- email change (M9): national code and the new email separated by a space, e.g.
  `0012345679 new.address@example.org`.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from cms_site.common.digits import normalize_digits

from ..contact import normalize_email, normalize_mobile
from ..national_code import is_valid_national_code
from ..throttling import RateLimited, rate_limit_key_hit
from .passwords import password_sms_reset_confirm
from .profile import member_email_change_by_sms

logger = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = 500


@dataclass(frozen=True)
class InboundResult:
    handler: str
    outcome: str  # "done" or a short reason; never the code itself


@dataclass(frozen=True)
class InboundMessage:
    sender: str  # normalised 09xxxxxxxxx
    text: str  # digits normalised, trimmed


Handler = Callable[[InboundMessage], InboundResult | None]
_HANDLERS: dict[str, Handler] = {}


def inbound_sms_handler_register(*, name: str, handler: Handler) -> None:
    """Add (or replace) a handler; handlers are tried in registration order."""
    _HANDLERS[name] = handler


def inbound_sms_handlers() -> list[str]:
    return list(_HANDLERS)


_RESET_CODE = re.compile(r"^\d{6}$")
_EMAIL_CHANGE = re.compile(r"^(\d{10})[\s,،]+(\S+@\S+)$")


def _password_reset_handler(message: InboundMessage) -> InboundResult | None:
    if not _RESET_CODE.match(message.text):
        return None
    member = password_sms_reset_confirm(sender_mobile=message.sender, code=message.text)
    if member is None:
        return None  # maybe another handler's code (vote confirmation)
    return InboundResult(handler="password_reset", outcome="done")


def _email_change_handler(message: InboundMessage) -> InboundResult | None:
    match = _EMAIL_CHANGE.match(message.text)
    if not match:
        return None
    national_code, raw_email = match.groups()
    if not is_valid_national_code(national_code):
        return InboundResult(handler="email_change", outcome="invalid_national_code")
    try:
        email = normalize_email(raw_email)
    except ValidationError:
        return InboundResult(handler="email_change", outcome="invalid_email")
    member = member_email_change_by_sms(sender_mobile=message.sender, national_code=national_code, email=email)
    return InboundResult(handler="email_change", outcome="done" if member else "sender_not_registered_mobile")


inbound_sms_handler_register(name="password_reset", handler=_password_reset_handler)
inbound_sms_handler_register(name="email_change", handler=_email_change_handler)


def _dispatch(*, sender: str, text: str) -> InboundResult:
    try:
        rate_limit_key_hit(scope="sms_inbound", kind="sender", value=sender)
    except RateLimited:
        return InboundResult(handler="", outcome="rate_limited")
    message = InboundMessage(sender=sender, text=normalize_digits(str(text or ""))[:MAX_MESSAGE_LENGTH].strip())
    for handler in _HANDLERS.values():
        result = handler(message)
        if result is not None:
            return result
    return InboundResult(handler="", outcome="no_match")


def inbound_sms_dispatch(*, sender: str, text: str) -> InboundResult:
    """Route one inbound message. Unknown senders and unmatched messages change nothing;
    each sender gets `RATELIMITS["sms_inbound"]` messages (beyond it nothing is tried).
    The outcome is logged without the message text (it may hold a code); the webhook
    answers the same whatever it is (issue 13)."""
    try:
        mobile = normalize_mobile(sender)
    except ValidationError:
        result = InboundResult(handler="", outcome="invalid_sender")
    else:
        result = _dispatch(sender=mobile, text=text)
    logger.info("inbound sms", extra={"handler": result.handler, "outcome": result.outcome})
    return result
