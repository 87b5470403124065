"""Writes of the one-time-code and delivery layer. See docs/otp_delivery.md.

Public API (keyword-only):
- `otp_challenge_issue(member=, purpose_ref=, channel=) -> Challenge`
- `otp_challenge_switch_to_email(member=, purpose_ref=) -> Challenge`
- `otp_challenge_verify(member=, purpose_ref=, token=) -> Challenge`   (own transaction)
- `otp_challenge_consume(member=, purpose_ref=) -> Challenge`          (inside the caller's)
- `message_queue(channel=, recipient=, text=, ...) -> Delivery`        (any other message)

Internal (Celery tasks and the provider webhook call these): `delivery_send`,
`delivery_report_apply`, `otp_fallback_check`, `delivery_sweep`.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from cms_site.audit.services import audit_record
from cms_site.common.digits import normalize_digits

from . import sms
from .crypto import SealError, seal, unseal
from .exceptions import (
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
from .models import (
    Challenge,
    ChallengeState,
    Channel,
    Delivery,
    DeliveryKind,
    DeliveryState,
    EmailDevice,
    SmsDevice,
)

logger = logging.getLogger(__name__)


class DeliveryRetry(Exception):
    """Try this delivery again in `countdown` seconds (the task turns it into a retry)."""

    def __init__(self, countdown: float):
        super().__init__(f"retry in {countdown:.0f}s")
        self.countdown = countdown


# --------------------------------------------------------------------------- helpers


def member_mobile(member) -> str:
    """The registered mobile (the members app stores it as 09xxxxxxxxx), or ""."""
    return (getattr(member, "mobile", None) or "").strip()


def member_email(member) -> str:
    return (getattr(member, "email", None) or "").strip()


def _lock_member(member):
    """Serialises every code operation of one member (issue, verify, fallback). Returns
    the caller's instance: its mobile and email are the ones the caller loaded."""
    list(get_user_model().objects.select_for_update().filter(pk=member.pk).values_list("pk", flat=True))
    return member


def _device_for(*, member, channel: str):
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


def _delivery_create(*, channel, kind, recipient, text, subject="", member=None, challenge=None) -> Delivery:
    delivery = Delivery.objects.create(
        channel=channel,
        kind=kind,
        recipient=recipient,
        subject=subject,
        sealed_body=seal(text),
        member=member,
        challenge=challenge,
    )
    _enqueue_send(delivery.pk)
    return delivery


def _enqueue_send(delivery_id: int) -> None:
    from .tasks import delivery_send_task

    # robust: a broker outage must not turn the committed request into an error page; the
    # delivery stays pending and `delivery_sweep` re-queues it once the broker is back.
    transaction.on_commit(lambda: delivery_send_task.delay(delivery_id), robust=True)


def _enqueue_fallback(delivery_id: int, *, countdown: float = 0) -> None:
    from .tasks import otp_fallback_check_task

    transaction.on_commit(lambda: otp_fallback_check_task.apply_async((delivery_id,), countdown=countdown), robust=True)


# ------------------------------------------------------------------ public: messages


@sensitive_variables()  # error reports never show a code or a message text
@transaction.atomic
def message_queue(
    *, channel: str, recipient: str, text: str, subject: str = "", member=None, action: str = "message.queue"
) -> Delivery:
    """Queue any message (e.g. a new password) for reliable delivery: sealed at rest,
    sent by a worker with retries, erased once sent. Returns the Delivery record."""
    delivery = _delivery_create(
        channel=channel, kind=DeliveryKind.NOTICE, recipient=recipient, text=text, subject=subject, member=member
    )
    audit_record(actor=member, action=action, target=delivery, payload={"channel": channel})
    return delivery


# -------------------------------------------------------------- public: challenges


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
    member = _lock_member(member)
    locked_until = _lockout_until(member)
    if locked_until is not None:
        raise OtpTooManyAttempts(retry_at=locked_until)
    device = _device_for(member=member, channel=channel)

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
        other.supersede()
        other.save()
        audit_record(actor=member, action="otp.supersede", target=other, payload={"purpose_ref": other.purpose_ref})
        # Its codes die with it (they could not verify for another challenge anyway).
        for stale in _live_devices(member):
            stale.token = None
            stale.save(update_fields=["token"])

    if challenge is None:
        challenge = Challenge.objects.create(
            member=member,
            purpose_ref=purpose_ref,
            channel=channel,
            failed_attempts=carried_failures,
            language=_message_language(language),
        )
    if challenge.codes_issued >= settings.OTP_MAX_CODES_PER_CHALLENGE:
        raise OtpTooManyCodes()
    is_allowed, details = device.generate_is_allowed()
    if not is_allowed:
        raise OtpCooldown(retry_at=details["next_generation_at"])

    code = device.code_generate(challenge_id=challenge.pk)
    challenge.codes_issued += 1
    challenge.channel = channel
    challenge.language = _message_language(language)
    challenge.save(update_fields=["codes_issued", "channel", "language"])
    subject, text = _otp_text(code=code, channel=channel, language=challenge.language)
    recipient = device.number if channel == Channel.SMS else device.email
    delivery = _delivery_create(
        channel=channel,
        kind=DeliveryKind.OTP,
        recipient=recipient,
        text=text,
        subject=subject,
        member=member,
        challenge=challenge,
    )
    audit_record(
        actor=member,
        action="otp.issue",
        target=challenge,
        payload={"purpose_ref": purpose_ref, "channel": channel, "delivery_id": delivery.pk},
    )
    if channel == Channel.SMS:
        _enqueue_fallback(delivery.pk, countdown=settings.OTP_SMS_FALLBACK_SECONDS)
    logger.info("otp issued", extra={"member_id": member.pk, "channel": channel, "delivery_id": delivery.pk})
    return challenge


def otp_challenge_switch_to_email(*, member, purpose_ref: str, language: str | None = None) -> Challenge:
    """«دریافت کد تایید از طریق پست الکترونیک»: send a code by email at once. A code
    already sent by SMS for the same purpose keeps working until it expires."""
    return otp_challenge_issue(member=member, purpose_ref=purpose_ref, channel=Channel.EMAIL, language=language)


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


@transaction.atomic
def _challenge_verify(*, member, purpose_ref: str, token: str) -> tuple[Challenge | None, OtpError | None]:
    member = _lock_member(member)
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
    for device in live:
        if device.code_matches(challenge_id=challenge.pk, code=code):
            for spent in devices:
                spent.code_consume()
            challenge.verify()
            challenge.save()
            audit_record(
                actor=member,
                action="otp.verify",
                target=challenge,
                payload={"purpose_ref": purpose_ref, "channel": device.channel},
            )
            return challenge, None

    for device in live:
        device.throttle_increment()
    challenge.failed_attempts += 1
    remaining = settings.OTP_MAX_FAILED_ATTEMPTS - challenge.failed_attempts
    if remaining <= 0:
        challenge.lock()
        challenge.save()
        for device in devices:
            device.token = None
            device.save(update_fields=["token"])
        audit_record(
            actor=member,
            action="otp.lock",
            target=challenge,
            payload={"purpose_ref": purpose_ref, "failed_attempts": challenge.failed_attempts},
        )
        logger.warning("otp locked after wrong guesses", extra={"member_id": member.pk})
        return None, OtpTooManyAttempts(
            retry_at=challenge.state_changed_at + timedelta(seconds=settings.OTP_LOCKOUT_SECONDS)
        )
    challenge.save(update_fields=["failed_attempts"])
    audit_record(
        actor=member,
        action="otp.verify_failed",
        target=challenge,
        payload={"purpose_ref": purpose_ref, "failed_attempts": challenge.failed_attempts},
    )
    next_allowed = max((device.verify_is_allowed()[1] or {}).get("locked_until", timezone.now()) for device in live)
    return None, OtpWrongCode(remaining_attempts=remaining, retry_at=next_allowed)


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


# ---------------------------------------------------------------- delivery (tasks)


def _backoff(attempts: int) -> float:
    return min(settings.DELIVERY_RETRY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), 300)


def _stable_message_id(delivery: Delivery) -> str:
    """The same Message-ID on every attempt, so a resend after a worker crash (SMTP has no
    idempotency key) is recognised as the same message by mail clients."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
    return f"<delivery-{delivery.pk}.{int(delivery.created_at.timestamp())}@{domain}>"


def _classify_email_error(exc: Exception) -> bool:
    """True when an email error is worth retrying."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return False
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code < 500
    return isinstance(exc, smtplib.SMTPException | OSError)


@sensitive_variables()  # error reports never show a code or a message text
def delivery_send(*, delivery_id: int) -> None:
    """Send one queued message, at most once to the gateway and never lost.

    1. Claim it (pending → sending) under a row lock; a `sending` record whose lease ran
       out (the worker died mid-send) is reclaimed.
    2. Outside any transaction: for a reclaimed SMS, ask the gateway whether a message
       with this local id already left; only if not, send it.
    3. Record the outcome (sent / back to pending for a retry / failed) under the lock.
    Raises DeliveryRetry when the task should run again later.
    """
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.state not in (DeliveryState.PENDING, DeliveryState.SENDING):
            return
        recovering = delivery.state == DeliveryState.SENDING
        if recovering:
            lease_ends = delivery.claimed_at + timedelta(seconds=settings.DELIVERY_SEND_LEASE_SECONDS)
            if lease_ends > timezone.now():
                raise DeliveryRetry((lease_ends - timezone.now()).total_seconds() + 1)
            delivery.reclaim()
        else:
            delivery.claim()
        if delivery.attempts > settings.DELIVERY_MAX_ATTEMPTS:
            _delivery_fail(delivery, error="too many attempts")
            return
        try:
            text = unseal(delivery.sealed_body)
        except SealError:
            # SECRET_KEY changed since it was queued: retrying cannot help.
            _delivery_fail(delivery, error="sealed body cannot be opened")
            return
        delivery.save()

    error, is_transient, receipt = "", False, None
    try:
        if delivery.channel == Channel.SMS:
            backend = sms.get_sms_backend()
            if recovering or delivery.attempts > 1:
                receipt = backend.lookup(delivery.local_id)
            if receipt is None:
                receipt = backend.send(
                    sms.SmsMessage(
                        to=delivery.recipient, text=text, sent_at=timezone.now().isoformat(), local_id=delivery.local_id
                    )
                )
        else:
            message_id = _stable_message_id(delivery)
            EmailMessage(
                subject=delivery.subject,
                body=text,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[delivery.recipient],
                headers={"Message-ID": message_id},
            ).send()
            receipt = sms.SmsReceipt(message_id, sms.DELIVERY_PENDING, "accepted")
    except sms.SmsDeliveryError as exc:
        error, is_transient = str(exc), exc.is_transient
    except (smtplib.SMTPException, OSError) as exc:
        error, is_transient = f"email: {type(exc).__name__}", _classify_email_error(exc)
    del text

    retry_in = None
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.state != DeliveryState.SENDING:
            return
        if receipt is not None:
            delivery.mark_sent(provider_message_id=receipt.provider_message_id, provider_status=receipt.provider_status)
            if receipt.delivery == sms.DELIVERY_DELIVERED:
                delivery.mark_delivered(provider_status=receipt.provider_status)
            delivery.save()
            audit_record(
                actor=None,
                action="delivery.sent",
                target=delivery,
                payload={"channel": delivery.channel, "kind": delivery.kind},
            )
            logger.info("message sent", extra={"delivery_id": delivery.pk, "channel": delivery.channel})
        elif is_transient and delivery.attempts < settings.DELIVERY_MAX_ATTEMPTS:
            delivery.release(error=error)
            delivery.save()
            retry_in = _backoff(delivery.attempts)
            logger.warning("message send failed, will retry", extra={"delivery_id": delivery.pk, "error": error})
        else:
            _delivery_fail(delivery, error=error)
    if retry_in is not None:
        raise DeliveryRetry(retry_in)


def _delivery_fail(delivery: Delivery, *, error: str, provider_status: str = "") -> None:
    delivery.fail(error=error, provider_status=provider_status)
    delivery.save()
    audit_record(
        actor=None,
        action="delivery.failed",
        target=delivery,
        payload={"channel": delivery.channel, "kind": delivery.kind, "error": delivery.last_error},
    )
    logger.warning("message failed", extra={"delivery_id": delivery.pk, "error": delivery.last_error})
    if delivery.channel == Channel.SMS and delivery.kind == DeliveryKind.OTP:
        _enqueue_fallback(delivery.pk)


@transaction.atomic
def delivery_report_apply(*, provider_message_id: str, delivery: str, provider_status: str = "") -> Delivery | None:
    """A delivery report (webhook or poll) for an SMS: sent → delivered | failed."""
    record = (
        Delivery.objects.select_for_update()
        .filter(channel=Channel.SMS, provider_message_id=provider_message_id)
        .first()
    )
    if record is None or record.state != DeliveryState.SENT:
        return record
    if delivery == sms.DELIVERY_DELIVERED:
        record.mark_delivered(provider_status=provider_status)
        record.save()
        audit_record(actor=None, action="delivery.delivered", target=record, payload={"kind": record.kind})
    elif delivery == sms.DELIVERY_FAILED:
        _delivery_fail(record, error=f"provider reported {provider_status}", provider_status=provider_status)
    return record


@sensitive_variables()  # error reports never show a code or a message text
def otp_fallback_check(*, delivery_id: int) -> Delivery | None:
    """If a code SMS is not confirmed delivered (it failed, or no report came within
    OTP_SMS_FALLBACK_SECONDS), send a fresh code for the same challenge by email, once.
    Idempotent: the countdown task, the failure path and the beat sweep may all call it.
    Returns the fallback email's Delivery, or None."""
    record = Delivery.objects.filter(pk=delivery_id, channel=Channel.SMS, kind=DeliveryKind.OTP).first()
    if record is None or record.challenge_id is None:
        return None
    if record.state == DeliveryState.SENT and record.provider_message_id:
        try:
            receipt = sms.get_sms_backend().status(record.provider_message_id)
        except sms.SmsDeliveryError:
            receipt = None
        if receipt is not None:
            delivery_report_apply(
                provider_message_id=record.provider_message_id,
                delivery=receipt.delivery,
                provider_status=receipt.provider_status,
            )
    try:
        return _fallback_send(delivery_id=delivery_id)
    except IntegrityError:
        # Another worker created the one fallback email at the same moment.
        return Delivery.objects.filter(challenge_id=record.challenge_id, kind=DeliveryKind.OTP_FALLBACK).first()


@transaction.atomic
def _fallback_send(*, delivery_id: int) -> Delivery | None:
    record = Delivery.objects.get(pk=delivery_id)
    challenge = Challenge.objects.select_for_update().get(pk=record.challenge_id)
    record = Delivery.objects.select_for_update().get(pk=delivery_id)
    existing = Delivery.objects.filter(challenge=challenge, kind=DeliveryKind.OTP_FALLBACK).first()
    if existing is not None:
        return existing
    if record.state == DeliveryState.DELIVERED or challenge.state != ChallengeState.ACTIVE:
        return None
    due_at = record.created_at + timedelta(seconds=settings.OTP_SMS_FALLBACK_SECONDS)
    if record.state != DeliveryState.FAILED and timezone.now() < due_at:
        return None
    if Delivery.objects.filter(challenge=challenge, kind=DeliveryKind.OTP, channel=Channel.EMAIL).exists():
        return None  # the member already asked for the code by email
    member = _lock_member(challenge.member)
    try:
        device = _device_for(member=member, channel=Channel.EMAIL)
    except OtpChannelUnavailable:
        audit_record(actor=None, action="otp.fallback_unavailable", target=challenge, payload={"channel": "email"})
        return None
    code = device.code_generate(challenge_id=challenge.pk)
    challenge.codes_issued += 1
    challenge.save(update_fields=["codes_issued"])
    subject, text = _otp_text(code=code, channel=Channel.EMAIL, language=challenge.language)
    fallback = _delivery_create(
        channel=Channel.EMAIL,
        kind=DeliveryKind.OTP_FALLBACK,
        recipient=device.email,
        text=text,
        subject=subject,
        member=member,
        challenge=challenge,
    )
    audit_record(
        actor=None,
        action="otp.fallback",
        target=challenge,
        payload={"sms_delivery_id": record.pk, "sms_state": record.state, "delivery_id": fallback.pk},
    )
    return fallback


def delivery_sweep() -> dict:
    """Beat task body: re-queue messages whose task was lost (pending too long, or a
    `sending` lease that ran out) and run the email fallback for code SMS with no
    delivery confirmation. Every step is idempotent."""
    now = timezone.now()
    lease = timedelta(seconds=settings.DELIVERY_SEND_LEASE_SECONDS)
    stale_sending = now - lease
    # Never tried and waiting longer than a lease, or waiting for a retry longer than the
    # longest back-off: the task message was lost.
    lost = Q(attempts=0, created_at__lt=now - lease) | Q(
        attempts__gt=0, state_changed_at__lt=now - lease - timedelta(seconds=_backoff(99))
    )
    requeued = list(
        Delivery.objects.filter(lost, state=DeliveryState.PENDING).values_list("pk", flat=True)[:500]
    ) + list(
        Delivery.objects.filter(state=DeliveryState.SENDING, claimed_at__lt=stale_sending).values_list("pk", flat=True)[
            :500
        ]
    )
    from .tasks import delivery_send_task, otp_fallback_check_task

    for pk in requeued:
        delivery_send_task.delay(pk)
    fallback_due = now - timedelta(seconds=settings.OTP_SMS_FALLBACK_SECONDS)
    code_alive = now - timedelta(seconds=settings.OTP_CODE_VALIDITY_SECONDS)
    candidates = list(
        Delivery.objects.filter(
            channel=Channel.SMS,
            kind=DeliveryKind.OTP,
            created_at__lt=fallback_due,
            created_at__gte=code_alive,
            challenge__state=ChallengeState.ACTIVE,
        )
        .exclude(state=DeliveryState.DELIVERED)
        .exclude(challenge__deliveries__kind=DeliveryKind.OTP_FALLBACK)
        .values_list("pk", flat=True)[:500]
    )
    for pk in candidates:
        otp_fallback_check_task.delay(pk)
    return {"requeued": len(requeued), "fallback_checked": len(candidates)}


# ------------------------------------------------------------------ public: retention


def otp_records_purge(*, purpose_refs: list[str] | None = None, delivery_ids=None, before=None) -> dict:
    """Erase code requests and message records (issue 6, archive): those of `purpose_refs`
    (e.g. an archived election's ballot sessions), the messages `delivery_ids` (e.g. its
    notices), and/or every finished one created before `before` (the retention sweep). A
    message still pending or sending is never erased. Returns the counts erased."""
    finished = [DeliveryState.SENT, DeliveryState.DELIVERED, DeliveryState.FAILED]
    erased = {"challenges": 0, "deliveries": 0}
    for start in range(0, len(purpose_refs or []), 500):
        chunk = purpose_refs[start : start + 500]
        erased["deliveries"] += _count(Delivery.objects.filter(challenge__purpose_ref__in=chunk, state__in=finished))
        erased["challenges"] += _count(Challenge.objects.filter(purpose_ref__in=chunk))
    delivery_ids = list(delivery_ids or [])
    for start in range(0, len(delivery_ids), 500):
        chunk = delivery_ids[start : start + 500]
        erased["deliveries"] += _count(Delivery.objects.filter(pk__in=chunk, state__in=finished))
    if before is not None:
        erased["deliveries"] += _count(Delivery.objects.filter(created_at__lt=before, state__in=finished))
        erased["challenges"] += _count(
            Challenge.objects.filter(created_at__lt=before).exclude(
                deliveries__state__in=[DeliveryState.PENDING, DeliveryState.SENDING]
            )
        )
    return erased


def _count(queryset) -> int:
    """Delete and return how many rows of the queryset's own model went."""
    return queryset.delete()[1].get(queryset.model._meta.label, 0)
