"""Codes under concurrency, on PostgreSQL with real threads (each its own connection):
a double click verifies once, the guess bound holds when guesses race, racing resends
send one code, and racing fallback checks send one email."""

import threading

import pytest
from django.db import connection

from otp_delivery import exceptions as otp_errors
from otp_delivery.gateways import sms
from otp_delivery.models import Challenge, Delivery, DeliveryKind, DeliveryState
from otp_delivery.services import otp_challenge_issue, otp_challenge_verify, otp_fallback_check
from tests.otp_helpers import enqueue_nothing, last_sms_code, run_deliveries, voter

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(count: int, action) -> list:
    """Run `action()` in `count` threads released together; return results or errors."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index):
        try:
            barrier.wait()
            results[index] = action()
        except Exception as error:  # noqa: BLE001 - the test inspects every outcome
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    sms.outbox.clear()
    enqueue_nothing(monkeypatch)


def test_v6_double_click_verifies_exactly_once():
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    run_deliveries()
    code = last_sms_code()
    results = race(8, lambda: otp_challenge_verify(member=member, purpose_ref="ballot:1", token=code))
    assert sum(isinstance(r, Challenge) for r in results) == 1
    assert all(isinstance(r, Challenge | otp_errors.OtpAlreadyUsed) for r in results), results


def test_v6_racing_wrong_guesses_stay_within_the_bound(settings):
    settings.OTP_THROTTLE_FACTOR = 0
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    run_deliveries()
    wrong = f"{(int(last_sms_code()) + 1) % 1_000_000:06d}"
    results = race(10, lambda: otp_challenge_verify(member=member, purpose_ref="ballot:1", token=wrong))
    assert sum(isinstance(r, otp_errors.OtpWrongCode) for r in results) == settings.OTP_MAX_FAILED_ATTEMPTS - 1
    assert sum(isinstance(r, otp_errors.OtpTooManyAttempts) for r in results) == 10 - (
        settings.OTP_MAX_FAILED_ATTEMPTS - 1
    )
    assert Challenge.objects.get(member=member).failed_attempts == settings.OTP_MAX_FAILED_ATTEMPTS


def test_v5_racing_resends_send_one_code():
    member = voter()
    results = race(6, lambda: otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms"))
    assert sum(isinstance(r, Challenge) for r in results) == 1
    assert all(isinstance(r, Challenge | otp_errors.OtpCooldown) for r in results), results
    assert Delivery.objects.filter(kind=DeliveryKind.OTP).count() == 1


def test_v5_racing_fallback_checks_send_one_email(monkeypatch):
    class Down:
        def send(self, message):
            raise sms.SmsDeliveryError("refused", is_transient=False)

        def lookup(self, local_id):
            return None

    monkeypatch.setattr(sms, "get_sms_backend", Down)
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    run_deliveries()
    record = Delivery.objects.get(channel="sms")
    assert record.state == DeliveryState.FAILED
    results = race(8, lambda: otp_fallback_check(delivery_id=record.pk))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.pk for r in results}) == 1
    assert Delivery.objects.filter(kind=DeliveryKind.OTP_FALLBACK).count() == 1
