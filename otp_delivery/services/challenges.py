"""One-time codes (challenges): issue a code on a channel, switch to email, verify a typed
code, consume it with what it confirms. The member's row lock serialises every code
operation of one member; wrong guesses follow the member and lock them out for a while.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from cms_site.audit.services import audit_record
from cms_site.common.digits import normalize_digits

from ..exceptions import (
    OtpAlreadyUsed,
    OtpChannelUnavailable,
    OtpCooldown,
    OtpError,
    OtpExpired,
    OtpNoChallenge,
    OtpThrottled,
    OtpTooManyAttempts,
    OtpTooManyCodes,
    OtpWrongCode,
)
from ..models import Challenge, ChallengeState, Channel, Delivery, DeliveryKind, EmailDevice, SmsDevice
from .deliveries import delivery_create, fallback_check_enqueue

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- members and devices


def member_mobile(member) -> str:
    """The registered mobile (the members app stores it as 09xxxxxxxxx), or ""."""
    return (getattr(member, "mobile", None) or "").strip()


def member_email(member) -> str:
    return (getattr(member, "email", None) or "").strip()


def member_lock(member):
    """Serialises every code operation of one member (issue, verify, fallback). Returns
    the caller's instance: its mobile and email are the ones the caller loaded."""
    list(get_user_model().objects.select_for_update().filter(pk=member.pk).values_list("pk", flat=True))
    return member


def otp_device_lock(*, member, channel: str):
    """The member's device for `channel`, locked, its address synced with the profile."""
    if channel == Channel.SMS:
        address = member_mobile(member)
        if not address:
            raise OtpChannelUnavailable(channel=channel)
        device, _created = SmsDevice.objects.get_or_create(user=member, defaults={"name": "sms", "number": address})
        field = "number"
    elif channel == Channel.EMAIL:
        address = member_email(member)
        if not address:
            raise OtpChannelUnavailable(channel=channel)
        device, _created = EmailDevice.objects.get_or_create(user=member, defaults={"name": "email", "email": address})
        field = "email"
    else:
        raise ValueError(f"unknown channel {channel!r}")
    device = type(device).objects.select_for_update().get(pk=device.pk)
    if getattr(device, field) != address:
        setattr(device, field, address)
        device.save(update_fields=[field])
    return device


def _live_devices(member) -> list:
    devices = list(SmsDevice.objects.select_for_update().filter(user=member)) + list(
        EmailDevice.objects.select_for_update().filter(user=member)
    )
    return [device for device in devices if device.token]


def _lockout_until(member):
    """If the member used up their wrong guesses recently, when they may try again."""
    window_start = timezone.now() - timedelta(seconds=settings.OTP_LOCKOUT_SECONDS)
    locked = (
        Challenge.objects.filter(member=member, state=ChallengeState.LOCKED, state_changed_at__gte=window_start)
        .order_by("-state_changed_at")
        .first()
    )
    if locked is None:
        return None
    return locked.state_changed_at + timedelta(seconds=settings.OTP_LOCKOUT_SECONDS)


# ---------------------------------------------------------------- the code message


def _message_language(language: str | None) -> str:
    try:
        return translation.get_supported_language_variant(language or translation.get_language() or "")
    except LookupError:
        return settings.LANGUAGE_CODE


def _otp_text(*, code: str, channel: str, language: str) -> tuple[str, str]:
    """(subject, body) of a code message. The body is sealed before it touches the database."""
    with translation.override(language):
        return _otp_text_active(code=code, channel=channel)


def _otp_text_active(*, code: str, channel: str) -> tuple[str, str]:
    minutes = settings.OTP_CODE_VALIDITY_SECONDS // 60
    site = settings.WAGTAIL_SITE_NAME
    if channel == Channel.SMS:
        body = _("کد تایید رای شما: %(code)s\nاعتبار: %(minutes)s دقیقه\n%(site)s") % {
            "code": code,
            "minutes": minutes,
            "site": site,
        }
        return "", body
    subject = _("کد تایید رای — %(site)s") % {"site": site}
    body = _(
        "با سلام،\n\nکد تایید رای شما: %(code)s\n\nاین کد %(minutes)s دقیقه اعتبار دارد و یک بار به کار می‌رود. "
        "اگر شما درخواست کد نکرده‌اید، این پیام را نادیده بگیرید.\n\n%(site)s"
    ) % {"code": code, "minutes": minutes, "site": site}
    return subject, body


@sensitive_variables()  # error reports never show a code or a message text
def otp_code_send(
    *, member, challenge: Challenge, device, channel: str, kind: str, update_fields: tuple[str, ...] = ()
) -> Delivery:
    """A fresh code for `challenge` on `device`: generated (the device's previous code
    stops working), counted on the challenge (saved with `update_fields` besides), and
    queued as a sealed message in the challenge's language. Inside the caller's
    transaction, with the member and the device locked."""
    code = device.code_generate(challenge_id=challenge.pk)
    challenge.codes_issued += 1
    challenge.save(update_fields=["codes_issued", *update_fields])
    subject, text = _otp_text(code=code, channel=channel, language=challenge.language)
    return delivery_create(
        channel=channel,
        kind=kind,
        recipient=device.number if channel == Channel.SMS else device.email,
        text=text,
        subject=subject,
        member=member,
        challenge=challenge,
    )


# ------------------------------------------------------------------------- issue


@sensitive_variables()  # error reports never show a code or a message text
@transaction.atomic
def otp_challenge_issue(*, member, purpose_ref: str, channel: str, language: str | None = None) -> Challenge:
    """Send a new one-time code for `purpose_ref` on `channel` ("sms" or "email"), worded
    in `language` (default: the active language, i.e. the voter's page).

    Reuses the member's active challenge for the same purpose (a resend: the previous
    code on that channel stops working); a challenge for another purpose is superseded,
    so its code no longer verifies. Raises OtpChannelUnavailable, OtpCooldown,
    OtpTooManyCodes or OtpTooManyAttempts.
    """
    member = member_lock(member)
    locked_until = _lockout_until(member)
    if locked_until is not None:
        raise OtpTooManyAttempts(retry_at=locked_until)
    device = otp_device_lock(member=member, channel=channel)
    challenge = _challenge_for_purpose(member=member, purpose_ref=purpose_ref, channel=channel, language=language)
    if challenge.codes_issued >= settings.OTP_MAX_CODES_PER_CHALLENGE:
        raise OtpTooManyCodes()
    is_allowed, details = device.generate_is_allowed()
    if not is_allowed:
        raise OtpCooldown(retry_at=details["next_generation_at"])

    challenge.channel = channel
    challenge.language = _message_language(language)
    delivery = otp_code_send(
        member=member,
        challenge=challenge,
        device=device,
        channel=channel,
        kind=DeliveryKind.OTP,
        update_fields=("channel", "language"),
    )
    audit_record(
        actor=member,
        action="otp.issue",
        target=challenge,
        payload={"purpose_ref": purpose_ref, "channel": channel, "delivery_id": delivery.pk},
    )
    if channel == Channel.SMS:
        fallback_check_enqueue(delivery.pk, countdown=settings.OTP_SMS_FALLBACK_SECONDS)
    logger.info("otp issued", extra={"member_id": member.pk, "channel": channel, "delivery_id": delivery.pk})
    return challenge


def _challenge_for_purpose(*, member, purpose_ref: str, channel: str, language: str | None) -> Challenge:
    """The member's active challenge for `purpose_ref`, or a new one; every other active
    or verified challenge of the member is superseded."""
    carried_failures = 0
    challenge = None
    for other in Challenge.objects.select_for_update().filter(
        member=member, state__in=[ChallengeState.ACTIVE, ChallengeState.VERIFIED]
    ):
        if other.state == ChallengeState.ACTIVE and other.purpose_ref == purpose_ref:
            challenge = other
            continue
        if other.state == ChallengeState.ACTIVE:
            # Wrong guesses follow the member, not the purpose: switching ballots does not
            # buy fresh attempts.
            carried_failures = other.failed_attempts
        _challenge_supersede(other, member=member)
    if challenge is not None:
        return challenge
    return Challenge.objects.create(
        member=member,
        purpose_ref=purpose_ref,
        channel=channel,
        failed_attempts=carried_failures,
        language=_message_language(language),
    )


def _challenge_supersede(challenge: Challenge, *, member) -> None:
    challenge.supersede()
    challenge.save()
    audit_record(actor=member, action="otp.supersede", target=challenge, payload={"purpose_ref": challenge.purpose_ref})
    # Its codes die with it (they could not verify for another challenge anyway).
    for stale in _live_devices(member):
        stale.token = None
        stale.save(update_fields=["token"])


def otp_challenge_switch_to_email(*, member, purpose_ref: str, language: str | None = None) -> Challenge:
    """«دریافت کد تایید از طریق پست الکترونیک»: send a code by email at once. A code
    already sent by SMS for the same purpose keeps working until it expires."""
    return otp_challenge_issue(member=member, purpose_ref=purpose_ref, channel=Channel.EMAIL, language=language)


# ------------------------------------------------------------------------ verify


@sensitive_variables()  # error reports never show a code or a message text
def otp_challenge_verify(*, member, purpose_ref: str, token: str) -> Challenge:
    """Check a code typed by the member for `purpose_ref`. On success the challenge is
    `verified` (committed) and the code is spent; the caller then consumes it inside its
    own transaction with `otp_challenge_consume`.

    Call it OUTSIDE any transaction.atomic block: a wrong guess must be counted even when
    the caller rolls back. Raises OtpWrongCode, OtpExpired, OtpNoChallenge,
    OtpAlreadyUsed, OtpThrottled or OtpTooManyAttempts.
    """
    challenge, error = _challenge_verify(member=member, purpose_ref=purpose_ref, token=token)
    if error is not None:
        raise error
    return challenge


@sensitive_variables()  # error reports never show a code or a message text
@transaction.atomic
def _challenge_verify(*, member, purpose_ref: str, token: str) -> tuple[Challenge | None, OtpError | None]:
    """The check itself, in its own transaction: an error is returned, not raised, so a
    counted wrong guess commits."""
    member = member_lock(member)
    locked_until = _lockout_until(member)
    if locked_until is not None:
        return None, OtpTooManyAttempts(retry_at=locked_until)
    challenge = (
        Challenge.objects.select_for_update()
        .filter(member=member, purpose_ref=purpose_ref, state=ChallengeState.ACTIVE)
        .first()
    )
    if challenge is None:
        used = Challenge.objects.filter(
            member=member, purpose_ref=purpose_ref, state__in=[ChallengeState.VERIFIED, ChallengeState.CONSUMED]
        ).exists()
        return None, (OtpAlreadyUsed() if used else OtpNoChallenge())

    devices = _live_devices(member)
    live = [device for device in devices if device.has_live_code]
    if not live:
        return None, OtpExpired()
    for device in live:
        is_allowed, details = device.verify_is_allowed()
        if not is_allowed:
            return None, OtpThrottled(retry_at=details["locked_until"])

    code = normalize_digits(token or "").strip().replace(" ", "")
    matched = next((device for device in live if device.code_matches(challenge_id=challenge.pk, code=code)), None)
    if matched is not None:
        _challenge_verified(challenge, member=member, device=matched, devices=devices)
        return challenge, None
    return None, _wrong_guess_count(challenge, member=member, live=live, devices=devices)


def _challenge_verified(challenge: Challenge, *, member, device, devices: list) -> None:
    """The right code on `device`: every code of the member is spent, the challenge verified."""
    for spent in devices:
        spent.code_consume()
    challenge.verify()
    challenge.save()
    audit_record(
        actor=member,
        action="otp.verify",
        target=challenge,
        payload={"purpose_ref": challenge.purpose_ref, "channel": device.channel},
    )


def _wrong_guess_count(challenge: Challenge, *, member, live: list, devices: list) -> OtpError:
    """A wrong code: throttle the live devices and count the guess; the last allowed
    wrong guess locks the challenge. Returns the error to show."""
    for device in live:
        device.throttle_increment()
    challenge.failed_attempts += 1
    remaining = settings.OTP_MAX_FAILED_ATTEMPTS - challenge.failed_attempts
    if remaining <= 0:
        return _challenge_lock(challenge, member=member, devices=devices)
    challenge.save(update_fields=["failed_attempts"])
    audit_record(
        actor=member,
        action="otp.verify_failed",
        target=challenge,
        payload={"purpose_ref": challenge.purpose_ref, "failed_attempts": challenge.failed_attempts},
    )
    next_allowed = max((device.verify_is_allowed()[1] or {}).get("locked_until", timezone.now()) for device in live)
    return OtpWrongCode(remaining_attempts=remaining, retry_at=next_allowed)


def _challenge_lock(challenge: Challenge, *, member, devices: list) -> OtpTooManyAttempts:
    """Too many wrong guesses: lock the challenge and erase every code of the member."""
    challenge.lock()
    challenge.save()
    for device in devices:
        device.token = None
        device.save(update_fields=["token"])
    audit_record(
        actor=member,
        action="otp.lock",
        target=challenge,
        payload={"purpose_ref": challenge.purpose_ref, "failed_attempts": challenge.failed_attempts},
    )
    logger.warning("otp locked after wrong guesses", extra={"member_id": member.pk})
    return OtpTooManyAttempts(retry_at=challenge.state_changed_at + timedelta(seconds=settings.OTP_LOCKOUT_SECONDS))


# ----------------------------------------------------------------------- consume


@transaction.atomic
def otp_challenge_consume(*, member, purpose_ref: str) -> Challenge:
    """Spend a verified challenge inside the caller's transaction (e.g. ballot_confirm),
    so the code counts exactly once together with what it confirms. Raises OtpNoChallenge
    (never verified, or verified longer than OTP_VERIFIED_GRACE_SECONDS ago) or
    OtpAlreadyUsed."""
    challenge = (
        Challenge.objects.select_for_update()
        .filter(member=member, purpose_ref=purpose_ref, state__in=[ChallengeState.VERIFIED, ChallengeState.CONSUMED])
        .order_by("-created_at")
        .first()
    )
    if challenge is None:
        raise OtpNoChallenge()
    if challenge.state == ChallengeState.CONSUMED:
        raise OtpAlreadyUsed()
    if challenge.state_changed_at < timezone.now() - timedelta(seconds=settings.OTP_VERIFIED_GRACE_SECONDS):
        raise OtpExpired()
    challenge.consume()
    challenge.save()
    audit_record(actor=member, action="otp.consume", target=challenge, payload={"purpose_ref": purpose_ref})
    return challenge
