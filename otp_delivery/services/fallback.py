"""The email fallback of a code SMS: when the SMS is not confirmed delivered (it failed,
or no report came within OTP_SMS_FALLBACK_SECONDS), a fresh code for the same challenge
goes by email, exactly once (a partial unique constraint plus the challenge's row lock).
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from cms_site.audit.services import audit_record

from ..exceptions import OtpChannelUnavailable
from ..gateways import sms
from ..models import Challenge, ChallengeState, Channel, Delivery, DeliveryKind, DeliveryState
from .challenges import member_lock, otp_code_send, otp_device_lock
from .deliveries import delivery_report_apply


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
        _delivery_status_poll(record)
    try:
        return _fallback_send(delivery_id=delivery_id)
    except IntegrityError:
        # Another worker created the one fallback email at the same moment.
        return Delivery.objects.filter(challenge_id=record.challenge_id, kind=DeliveryKind.OTP_FALLBACK).first()


def _delivery_status_poll(record: Delivery) -> None:
    """Ask the gateway for the SMS's delivery report (none came by webhook); an
    unreachable gateway leaves the record as it is."""
    try:
        receipt = sms.get_sms_backend().status(record.provider_message_id)
    except sms.SmsDeliveryError:
        return
    delivery_report_apply(
        provider_message_id=record.provider_message_id,
        delivery=receipt.delivery,
        provider_status=receipt.provider_status,
    )


@transaction.atomic
def _fallback_send(*, delivery_id: int) -> Delivery | None:
    record = Delivery.objects.get(pk=delivery_id)
    challenge = Challenge.objects.select_for_update().get(pk=record.challenge_id)
    record = Delivery.objects.select_for_update().get(pk=delivery_id)
    existing = Delivery.objects.filter(challenge=challenge, kind=DeliveryKind.OTP_FALLBACK).first()
    if existing is not None:
        return existing
    if not _fallback_is_due(record, challenge=challenge):
        return None
    member = member_lock(challenge.member)
    try:
        device = otp_device_lock(member=member, channel=Channel.EMAIL)
    except OtpChannelUnavailable:
        audit_record(actor=None, action="otp.fallback_unavailable", target=challenge, payload={"channel": "email"})
        return None
    fallback = otp_code_send(
        member=member, challenge=challenge, device=device, channel=Channel.EMAIL, kind=DeliveryKind.OTP_FALLBACK
    )
    audit_record(
        actor=None,
        action="otp.fallback",
        target=challenge,
        payload={"sms_delivery_id": record.pk, "sms_state": record.state, "delivery_id": fallback.pk},
    )
    return fallback


def _fallback_is_due(record: Delivery, *, challenge: Challenge) -> bool:
    """The SMS is not delivered, the challenge still open, the SMS failed or its delay
    passed, and the member has not asked for the code by email."""
    if record.state == DeliveryState.DELIVERED or challenge.state != ChallengeState.ACTIVE:
        return False
    due_at = record.created_at + timedelta(seconds=settings.OTP_SMS_FALLBACK_SECONDS)
    if record.state != DeliveryState.FAILED and timezone.now() < due_at:
        return False
    return not Delivery.objects.filter(challenge=challenge, kind=DeliveryKind.OTP, channel=Channel.EMAIL).exists()
