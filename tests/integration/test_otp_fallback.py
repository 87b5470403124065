"""V5: if the code SMS fails, or has no delivery confirmation within 2 minutes, the code
goes by email automatically, exactly once, whoever triggers the check."""

import pytest
from django.core import mail

from otp_delivery.gateways import sms
from otp_delivery.models import Delivery, DeliveryKind, DeliveryState
from otp_delivery.services import (
    delivery_send,
    delivery_sweep,
    otp_challenge_issue,
    otp_challenge_switch_to_email,
    otp_challenge_verify,
    otp_fallback_check,
)
from tests.otp_helpers import Clock, last_mail_code, run_deliveries, voter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean(settings):
    sms.outbox.clear()
    mail.outbox.clear()
    settings.SMS_LOCAL_CONFIRMS_DELIVERY = False  # the gateway never confirms by itself


class DownGateway:
    def send(self, message):
        raise sms.SmsDeliveryError("gateway: status 418", is_transient=False)

    def lookup(self, local_id):
        return None

    def status(self, provider_message_id):
        raise sms.SmsDeliveryError("down")


def sms_record():
    return Delivery.objects.get(channel="sms", kind=DeliveryKind.OTP)


def test_v5_gateway_down_sends_the_code_by_email_once(monkeypatch):
    monkeypatch.setattr(sms, "get_sms_backend", DownGateway)
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    run_deliveries()
    assert sms_record().state == DeliveryState.FAILED
    first = otp_fallback_check(delivery_id=sms_record().pk)
    again = otp_fallback_check(delivery_id=sms_record().pk)
    assert first is not None and again.pk == first.pk
    delivery_sweep()
    run_deliveries()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [member.email]
    assert Delivery.objects.filter(kind=DeliveryKind.OTP_FALLBACK).count() == 1
    otp_challenge_verify(member=member, purpose_ref="ballot:1", token=last_mail_code())


def test_v5_no_delivery_report_within_two_minutes_sends_email(settings):
    member = voter()
    with Clock() as clock:
        otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
        run_deliveries()
        assert sms_record().state == DeliveryState.SENT
        clock.advance(seconds=settings.OTP_SMS_FALLBACK_SECONDS - 5)
        assert otp_fallback_check(delivery_id=sms_record().pk) is None
        clock.advance(seconds=10)
        assert otp_fallback_check(delivery_id=sms_record().pk) is not None
        run_deliveries()
    assert len(mail.outbox) == 1
    # The SMS code still works too if it arrives late.
    assert len(sms.outbox) == 1


def test_v5_delivered_sms_needs_no_fallback(settings):
    settings.SMS_LOCAL_CONFIRMS_DELIVERY = True
    member = voter()
    with Clock() as clock:
        otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
        run_deliveries()
        assert sms_record().state == DeliveryState.DELIVERED
        clock.advance(minutes=3)
        assert otp_fallback_check(delivery_id=sms_record().pk) is None
        assert delivery_sweep()["fallback_checked"] == 0
    assert mail.outbox == []


def test_v5_no_fallback_after_the_member_switched_to_email_or_confirmed(settings):
    member = voter()
    with Clock() as clock:
        otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
        otp_challenge_switch_to_email(member=member, purpose_ref="ballot:1")
        run_deliveries()
        clock.advance(minutes=3)
        assert otp_fallback_check(delivery_id=sms_record().pk) is None
    assert len(mail.outbox) == 1

    other = voter(mobile="09120000000")
    with Clock() as clock:
        otp_challenge_issue(member=other, purpose_ref="ballot:2", channel="sms")
        run_deliveries()
        code = sms.outbox[-1].text.split(":")[1].split()[0]
        otp_challenge_verify(member=other, purpose_ref="ballot:2", token=code)
        clock.advance(minutes=3)
        record = Delivery.objects.get(member=other, channel="sms")
        assert otp_fallback_check(delivery_id=record.pk) is None


def test_v5_sweep_finds_due_sms_and_requeues_lost_sends(settings, monkeypatch):
    from otp_delivery import tasks

    queued = []
    monkeypatch.setattr(tasks.delivery_send_task, "apply_async", lambda args, **k: queued.append(("send", *args)))
    monkeypatch.setattr(
        tasks.otp_fallback_check_task, "apply_async", lambda args, **k: queued.append(("fallback", *args))
    )
    member = voter()
    with Clock() as clock:
        otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
        record = sms_record()
        # The send task was lost (worker down, broker restarted): the sweep re-queues it.
        clock.advance(seconds=settings.DELIVERY_SEND_LEASE_SECONDS + 1)
        delivery_sweep()
        assert ("send", record.pk) in queued
        delivery_send(delivery_id=record.pk)
        queued.clear()
        clock.advance(seconds=settings.OTP_SMS_FALLBACK_SECONDS)
        delivery_sweep()
        assert ("fallback", record.pk) in queued


def test_v5_fallback_email_speaks_the_language_of_the_request(monkeypatch):
    monkeypatch.setattr(sms, "get_sms_backend", DownGateway)
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms", language="en")
    run_deliveries()
    otp_fallback_check(delivery_id=sms_record().pk)
    run_deliveries()
    assert mail.outbox[0].subject.startswith("Voting confirmation code")
    assert "works once" in mail.outbox[0].body
