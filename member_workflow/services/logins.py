"""The login guard (issue 13: a lockout must never be a weapon against a voter).

Every password form (the portal login, the voting door and `/admin/login/`) checks the
password through `login_authenticate`. Failures are counted in the database
(`LoginThrottle`) under three keys, with the national code normalised first (Persian and
Arabic-Indic digits, spaces, dashes), so «۰۰۱۲۳۴۵۶۷۹» and «0012345679» are one account:

1. **The place** (address, national code): `LOGIN_PAIR_FREE_FAILURES` failures are free,
   then every further try from that place waits a delay that doubles from
   `LOGIN_PAIR_DELAY_SECONDS` up to `LOGIN_PAIR_DELAY_MAX_SECONDS`. Only that place waits:
   failures elsewhere never touch the owner's own place.
2. **The address**: `LOGIN_ADDRESS_FREE_FAILURES` failures are free, and each success from
   the address cancels one more (up to `LOGIN_ADDRESS_SUCCESS_CREDIT_MAX`); past that the
   address waits a short growing delay (at most `LOGIN_ADDRESS_DELAY_MAX_SECONDS`). A
   hospital's NAT full of voters is slowed, never blocked.
3. **The account under attack**: failures on one national code from
   `LOGIN_ACCOUNT_ATTACK_ADDRESSES` or more addresses within the window. A try from a
   trusted place (the owner logged in from that address before, within
   `LOGIN_TRUSTED_PLACE_DAYS`) goes on as usual. Any other try is held: the password is
   not checked until the browser has entered a code sent to the member's registered mobile
   and email (`login_second_factor_verify`). Held tries are spaced by a growing delay
   (`LOGIN_ACCOUNT_DELAY_SECONDS`, doubling up to `_MAX_SECONDS`); a code already sent can
   be entered at any time, and it reaches the owner's phone whoever asked for it, so an
   attacker cannot keep the owner out by taking every slot.

The code is the guard's own (a keyed hash on the account row, sent through otp_delivery's
message queue), not an otp_delivery challenge: issuing a challenge supersedes the member's
ballot code and wrong guesses lock all of the member's codes, which would hand the attacker
a new weapon against the voter.

A try is counted as a failure before the password is checked and refunded when it was
right, so concurrent tries cannot slip past a budget. Failures older than
`LOGIN_WINDOW_SECONDS` are forgotten. Nothing here logs or stores a password or a code.
"""

import hashlib
import hmac
import ipaddress
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.debug import sensitive_variables

from cms_site.audit.services import audit_record
from otp_delivery.services import member_email, member_mobile, message_queue

from ..errors import LoginDelayed, LoginSecondFactorRequired, LoginSecondFactorWrong
from ..models import LoginThrottle, Member
from ..national_code import normalize_national_code

logger = logging.getLogger(__name__)

SECOND_FACTOR_DIGITS = 6
KEY_MAX_LENGTH = 40


def login_address(ip: str) -> str:
    """The address a failure is counted against: the IPv4 address, or an IPv6 address's
    /64 (one subscriber's block, which it can walk through at will)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return (ip or "unknown")[:45]
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def login_key(national_code: str) -> str:
    """The account a failure is counted against: the normalised national code."""
    return normalize_national_code(national_code)[:KEY_MAX_LENGTH]


def _growing_delay(excess: int, *, first: int, cap: int) -> timedelta | None:
    """None while within the budget, then first, 2×first, 4×first … capped."""
    if excess <= 0:
        return None
    return timedelta(seconds=min(first * 2 ** min(excess - 1, 20), cap))


def _window_start(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.LOGIN_WINDOW_SECONDS)


def _forget_stale(row: LoginThrottle, now: datetime) -> None:
    start = _window_start(now)
    if row.last_failure_at is not None and row.last_failure_at < start:
        row.failures = 0
    if row.last_success_at is not None and row.last_success_at < start:
        row.successes = 0
    if row.last_held_at is not None and row.last_held_at < start:
        row.held_tries = 0


def _retry_at(last: datetime | None, delay: timedelta | None) -> datetime | None:
    if last is None or delay is None:
        return None
    return last + delay


def _pair_retry_at(pair: LoginThrottle) -> datetime | None:
    delay = _growing_delay(
        pair.failures - settings.LOGIN_PAIR_FREE_FAILURES + 1,
        first=settings.LOGIN_PAIR_DELAY_SECONDS,
        cap=settings.LOGIN_PAIR_DELAY_MAX_SECONDS,
    )
    return _retry_at(pair.last_failure_at, delay)


def _address_retry_at(by_address: LoginThrottle) -> datetime | None:
    credit = min(by_address.successes, settings.LOGIN_ADDRESS_SUCCESS_CREDIT_MAX)
    delay = _growing_delay(
        by_address.failures - credit - settings.LOGIN_ADDRESS_FREE_FAILURES + 1,
        first=settings.LOGIN_ADDRESS_DELAY_SECONDS,
        cap=settings.LOGIN_ADDRESS_DELAY_MAX_SECONDS,
    )
    return _retry_at(by_address.last_failure_at, delay)


def _held_retry_at(account: LoginThrottle) -> datetime | None:
    delay = _growing_delay(
        account.held_tries,
        first=settings.LOGIN_ACCOUNT_DELAY_SECONDS,
        cap=settings.LOGIN_ACCOUNT_DELAY_MAX_SECONDS,
    )
    return _retry_at(account.last_held_at, delay)


def _delayed_until(*rows_retry_at: datetime | None, now: datetime) -> datetime | None:
    waits = [moment for moment in rows_retry_at if moment is not None and moment > now]
    return max(waits) if waits else None


@dataclass(frozen=True)
class _Rows:
    pair: LoginThrottle
    by_address: LoginThrottle
    account: LoginThrottle


def _rows_locked(*, address: str, code: str, now: datetime) -> _Rows:
    """The three rows of a try, created if missing and locked, always in the same order
    (so two tries never wait for each other crosswise), with stale counts forgotten."""
    keys = sorted({(address, code), (address, ""), ("", code)})
    rows = {}
    for key_address, key_code in keys:
        row, _created = LoginThrottle.objects.select_for_update().get_or_create(
            address=key_address, national_code=key_code
        )
        _forget_stale(row, now)
        rows[(key_address, key_code)] = row
    return _Rows(pair=rows[(address, code)], by_address=rows[(address, "")], account=rows[("", code)])


def _is_trusted_place(pair: LoginThrottle, now: datetime) -> bool:
    """The owner logged in from this address before (and recently enough)."""
    if pair.last_success_at is None:
        return False
    return pair.last_success_at >= now - timedelta(days=settings.LOGIN_TRUSTED_PLACE_DAYS)


def login_account_is_under_attack(*, national_code: str, now: datetime | None = None) -> bool:
    """Failures on this account from `LOGIN_ACCOUNT_ATTACK_ADDRESSES` or more addresses
    within the window."""
    now = now or timezone.now()
    addresses = (
        LoginThrottle.objects.filter(
            national_code=login_key(national_code), failures__gt=0, last_failure_at__gte=_window_start(now)
        )
        .exclude(address="")
        .count()
    )
    return addresses >= settings.LOGIN_ACCOUNT_ATTACK_ADDRESSES


# ------------------------------------------------------------------ the password try


@dataclass(frozen=True)
class _Charge:
    """A try counted as a failure before the password check; refunded if it was right."""

    address: str
    code: str
    charged_at: datetime
    pair_failure_before: datetime | None
    address_failure_before: datetime | None


@dataclass(frozen=True)
class _Decision:
    charge: _Charge | None = None
    delayed_until: datetime | None = None
    is_held: bool = False
    held_retry_at: datetime | None = None


@transaction.atomic
def _login_begin(*, address: str, code: str, is_second_factor_verified: bool, now: datetime) -> _Decision:
    """Check the delays and the account's state; count the try. Returns what to do, so a
    held try commits (its count and its code) before the caller raises."""
    rows = _rows_locked(address=address, code=code, now=now)
    waits = _delayed_until(_pair_retry_at(rows.pair), _address_retry_at(rows.by_address), now=now)
    if waits is not None:
        return _Decision(delayed_until=waits)
    if (
        not is_second_factor_verified
        and not _is_trusted_place(rows.pair, now)
        and login_account_is_under_attack(national_code=code, now=now)
    ):
        return _login_hold(rows.account, now=now)
    charge = _Charge(
        address=address,
        code=code,
        charged_at=now,
        pair_failure_before=rows.pair.last_failure_at,
        address_failure_before=rows.by_address.last_failure_at,
    )
    for row in (rows.pair, rows.by_address):
        row.failures += 1
        row.last_failure_at = now
        row.save()
    return _Decision(charge=charge)


def _login_hold(account: LoginThrottle, *, now: datetime) -> _Decision:
    """A try on an account under attack, from an untrusted place and an unverified browser:
    the password is not checked. Spaced by a growing delay; sends a code if none is live."""
    held_retry_at = _delayed_until(_held_retry_at(account), now=now)
    if held_retry_at is not None:
        return _Decision(is_held=True, held_retry_at=held_retry_at)
    account.held_tries += 1
    account.last_held_at = now
    _second_factor_send(account, now=now)
    account.save()
    return _Decision(is_held=True)


@transaction.atomic
def _login_finish(*, charge: _Charge, member: Member, now: datetime) -> None:
    """The password was right: refund the charge, trust the place, credit the address."""
    rows = _rows_locked(address=charge.address, code=charge.code, now=now)
    pair, by_address = rows.pair, rows.by_address
    pair.failures = 0
    if pair.last_failure_at == charge.charged_at:
        pair.last_failure_at = charge.pair_failure_before
    by_address.failures = max(by_address.failures - 1, 0)
    if by_address.last_failure_at == charge.charged_at:
        by_address.last_failure_at = charge.address_failure_before
    for row in (pair, by_address):
        row.successes += 1
        row.last_success_at = now
        row.save()


@sensitive_variables("password")
def login_authenticate(
    *, address: str, national_code: str, password: str, is_second_factor_verified: bool = False, now=None
) -> Member | None:
    """Check a password try under the guard's rules (module docstring). Returns the member,
    or None for a wrong national code or password (counted). Raises LoginDelayed when this
    place or address must wait, LoginSecondFactorRequired when the account is under attack
    and this browser has not entered the code sent to the member."""
    now = now or timezone.now()
    address = login_address(address)
    code = login_key(national_code)
    if not code:
        return None  # nothing that could name an account: no password to check
    decision = _login_begin(address=address, code=code, is_second_factor_verified=is_second_factor_verified, now=now)
    if decision.delayed_until is not None:
        raise LoginDelayed(retry_at=decision.delayed_until)
    if decision.is_held:
        raise LoginSecondFactorRequired(retry_at=decision.held_retry_at)
    # Django's backends: an unknown code still costs one password hash (no timing tell).
    member = authenticate(None, username=code, password=password)
    if member is not None:
        _login_finish(charge=decision.charge, member=member, now=now)
    return member


# ------------------------------------------------------------------ the second factor


def _second_factor_digest(*, code: str, token: str) -> str:
    message = f"login:{code}:{token}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _second_factor_is_live(account: LoginThrottle, now: datetime) -> bool:
    if not account.code_digest or account.code_sent_at is None:
        return False
    return account.code_sent_at + timedelta(seconds=settings.LOGIN_SECOND_FACTOR_SECONDS) > now


@sensitive_variables("token", "text")
def _second_factor_send(account: LoginThrottle, *, now: datetime) -> None:
    """A fresh code for the account, unless one is still live (the member already has it).
    Sent to the registered mobile and email; an unknown national code gets a code that
    goes nowhere, so the pages read the same for both."""
    if _second_factor_is_live(account, now):
        return
    token = "".join(secrets.choice("0123456789") for _ in range(SECOND_FACTOR_DIGITS))
    account.code_digest = _second_factor_digest(code=account.national_code, token=token)
    account.code_sent_at = now
    member = Member.objects.filter(username=account.national_code, is_active=True).first()
    if member is None:
        return
    with override(settings.LANGUAGE_CODE):
        text = _(
            "کد تایید ورود به سامانه انتخابات: %(token)s\n"
            "اعتبار: %(minutes)s دقیقه\n"
            "اگر خود شما در حال ورود نیستید، کسی کلمه عبور حساب شما را امتحان می‌کند؛ این کد را به هیچ کس ندهید."
        ) % {"token": token, "minutes": settings.LOGIN_SECOND_FACTOR_SECONDS // 60}
        subject = _("کد تایید ورود به سامانه انتخابات")
    for channel, recipient in (("sms", member_mobile(member)), ("email", member_email(member))):
        if recipient:
            message_queue(
                channel=channel,
                recipient=recipient,
                text=text,
                subject=subject,
                member=member,
                action="login.second_factor_queue",
            )
    audit_record(actor=None, action="login.second_factor_sent", target=member, payload={})
    logger.info("login second factor sent", extra={"member_id": member.pk})


@transaction.atomic
def _second_factor_check(*, address: str, code: str, token: str, now: datetime) -> tuple[bool, datetime | None]:
    """(matched, delayed_until). A wrong code counts as a failure of this place and
    address, like a wrong password; the right one is spent."""
    rows = _rows_locked(address=address, code=code, now=now)
    waits = _delayed_until(_pair_retry_at(rows.pair), _address_retry_at(rows.by_address), now=now)
    if waits is not None:
        return False, waits
    account = rows.account
    expected = account.code_digest if _second_factor_is_live(account, now) else ""
    given = _second_factor_digest(code=code, token=token)
    if expected and hmac.compare_digest(expected, given):
        account.code_digest = ""
        account.save()
        return True, None
    for row in (rows.pair, rows.by_address):
        row.failures += 1
        row.last_failure_at = now
        row.save()
    return False, None


@sensitive_variables("token")
def login_second_factor_verify(*, address: str, national_code: str, token: str, now=None) -> None:
    """The browser entered the code sent for a held try. Returns when it is right (the
    caller then lets this browser try the password); raises LoginDelayed or
    LoginSecondFactorWrong (wrong, expired or none sent)."""
    now = now or timezone.now()
    token = normalize_national_code(token)[: SECOND_FACTOR_DIGITS * 2]
    matched, delayed_until = _second_factor_check(
        address=login_address(address), code=login_key(national_code), token=token, now=now
    )
    if delayed_until is not None:
        raise LoginDelayed(retry_at=delayed_until)
    if not matched:
        raise LoginSecondFactorWrong()


# ------------------------------------------------------------------ housekeeping


def login_throttle_purge(*, now=None) -> int:
    """Delete rows with nothing left to remember: no failure, held try or live code within
    the window, and no success recent enough to make a trusted place. Returns how many."""
    now = now or timezone.now()
    start = _window_start(now)
    trusted_since = now - timedelta(days=settings.LOGIN_TRUSTED_PLACE_DAYS)
    recent = (
        Q(last_failure_at__gte=start)
        | Q(last_held_at__gte=start)
        | Q(code_sent_at__gte=start)
        | Q(last_success_at__gte=trusted_since)
    )
    deleted, _by_model = LoginThrottle.objects.exclude(recent).delete()
    return deleted
