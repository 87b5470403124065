"""V5/V6 one-time codes (issue 5, otp_delivery): 10-minute single-use codes bound to one
purpose, throttled guesses with a hard bound, resend cooldown, email switch."""

import pytest
from django.core import mail
from django.utils import translation

from cms_site.audit.models import AuditEntry
from otp_delivery import exceptions as otp_errors
from otp_delivery.gateways import sms
from otp_delivery.models import Challenge, ChallengeState, Delivery, EmailDevice, SmsDevice
from otp_delivery.services import (
    otp_challenge_consume,
    otp_challenge_issue,
    otp_challenge_switch_to_email,
    otp_challenge_verify,
)
from tests.otp_helpers import Clock, last_mail_code, last_sms_code, run_deliveries, voter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_outboxes():
    sms.outbox.clear()
    mail.outbox.clear()


@pytest.fixture
def clock():
    with Clock() as clock:
        yield clock


@pytest.fixture
def no_backoff(settings):
    """Switch django-otp's back-off off where a test is about the hard bound only."""
    settings.OTP_THROTTLE_FACTOR = 0


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_v5_sms_code_arrives_and_verifies_once():
    member = voter()
    with translation.override("fa"):
        challenge = otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    assert challenge.language == "fa"
    run_deliveries()
    assert [m.to for m in sms.outbox] == ["09121234567"]
    code = last_sms_code()
    assert "کد تایید" in sms.outbox[-1].text

    verified = otp_challenge_verify(member=member, purpose_ref="ballot:1", token=code)
    assert verified.pk == challenge.pk and verified.state == ChallengeState.VERIFIED
    consumed = otp_challenge_consume(member=member, purpose_ref="ballot:1")
    assert consumed.state == ChallengeState.CONSUMED

    with pytest.raises(otp_errors.OtpAlreadyUsed) as error:
        otp_challenge_verify(member=member, purpose_ref="ballot:1", token=code)
    assert "قبلاً به کار رفته" in str(error.value)
    with pytest.raises(otp_errors.OtpAlreadyUsed):
        otp_challenge_consume(member=member, purpose_ref="ballot:1")


def test_v6_persian_digits_are_accepted():
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    run_deliveries()
    persian = last_sms_code().translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert otp_challenge_verify(member=member, purpose_ref="ballot:1", token=f" {persian} ").state == "verified"


def test_v6_wrong_code_is_refused_with_remaining_attempts(no_backoff):
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    run_deliveries()
    with pytest.raises(otp_errors.OtpWrongCode) as error:
        otp_challenge_verify(member=member, purpose_ref="ballot:1", token=wrong(last_sms_code()))
    assert error.value.remaining_attempts == 4
    assert "نادرست" in str(error.value) and "۴" in str(error.value)
    # The wrong guess was counted (committed), and the right code still works.
    assert Challenge.objects.get(member=member).failed_attempts == 1
    otp_challenge_verify(member=member, purpose_ref="ballot:1", token=last_sms_code())


def test_v6_code_expires_after_ten_minutes(clock):
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    run_deliveries()
    clock.advance(minutes=9, seconds=59)
    code = last_sms_code()
    device = SmsDevice.objects.get(user=member)
    assert device.has_live_code
    clock.advance(seconds=2)
    with pytest.raises(otp_errors.OtpExpired) as error:
        otp_challenge_verify(member=member, purpose_ref="ballot:1", token=code)
    assert "منقضی" in str(error.value) and "کد جدید" in str(error.value)


def test_v6_code_for_another_ballot_fails():
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:A", channel="sms")
    run_deliveries()
    code_a = last_sms_code()
    # Never issued for B.
    with pytest.raises(otp_errors.OtpNoChallenge) as error:
        otp_challenge_verify(member=member, purpose_ref="ballot:B", token=code_a)
    assert "برای این برگه رای صادر نشده" in str(error.value)


def test_v6_new_purpose_supersedes_and_codes_do_not_cross(clock):
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:A", channel="sms")
    run_deliveries()
    code_a = last_sms_code()
    clock.advance(seconds=61)
    otp_challenge_issue(member=member, purpose_ref="ballot:B", channel="sms")
    run_deliveries()
    code_b = last_sms_code()
    assert Challenge.objects.get(purpose_ref="ballot:A").state == ChallengeState.SUPERSEDED
    # A's code for B: the device hash is bound to B's challenge, so it is just wrong.
    if code_a != code_b:
        with pytest.raises(otp_errors.OtpWrongCode):
            otp_challenge_verify(member=member, purpose_ref="ballot:B", token=code_a)
    # B's code for A: A is no longer live.
    clock.advance(seconds=5)
    with pytest.raises(otp_errors.OtpNoChallenge):
        otp_challenge_verify(member=member, purpose_ref="ballot:A", token=code_b)
    otp_challenge_verify(member=member, purpose_ref="ballot:B", token=code_b)


def test_v6_guesses_are_bounded_then_locked(no_backoff, clock, settings):
    """At most OTP_MAX_FAILED_ATTEMPTS (5) wrong guesses; then even the right code is
    refused and no new code is issued for OTP_LOCKOUT_SECONDS (30 minutes)."""
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    run_deliveries()
    code = last_sms_code()
    for expected_remaining in (4, 3, 2, 1):
        with pytest.raises(otp_errors.OtpWrongCode) as error:
            otp_challenge_verify(member=member, purpose_ref="ballot:1", token=wrong(code))
        assert error.value.remaining_attempts == expected_remaining
    with pytest.raises(otp_errors.OtpTooManyAttempts) as error:
        otp_challenge_verify(member=member, purpose_ref="ballot:1", token=wrong(code))
    assert "۳۰ دقیقه" in str(error.value)
    assert Challenge.objects.get(member=member).state == ChallengeState.LOCKED

    with pytest.raises(otp_errors.OtpTooManyAttempts):
        otp_challenge_verify(member=member, purpose_ref="ballot:1", token=code)
    with pytest.raises(otp_errors.OtpTooManyAttempts):
        otp_challenge_issue(member=member, purpose_ref="ballot:2", channel="email")
    assert SmsDevice.objects.get(user=member).token is None

    clock.advance(seconds=settings.OTP_LOCKOUT_SECONDS + 1)
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    run_deliveries()
    otp_challenge_verify(member=member, purpose_ref="ballot:1", token=last_sms_code())


def test_v6_switching_purpose_does_not_reset_the_guess_count(no_backoff, clock):
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:A", channel="sms")
    run_deliveries()
    code = last_sms_code()
    for _ in range(4):
        with pytest.raises(otp_errors.OtpWrongCode):
            otp_challenge_verify(member=member, purpose_ref="ballot:A", token=wrong(code))
    otp_challenge_issue(member=member, purpose_ref="ballot:B", channel="email")
    run_deliveries()
    with pytest.raises(otp_errors.OtpTooManyAttempts):
        otp_challenge_verify(member=member, purpose_ref="ballot:B", token=wrong(last_mail_code()))


def test_v6_wrong_guesses_back_off_exponentially(clock):
    """django-otp's ThrottlingMixin: after n wrong codes the next try waits 2^(n-1) s."""
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    run_deliveries()
    code = last_sms_code()
    with pytest.raises(otp_errors.OtpWrongCode):
        otp_challenge_verify(member=member, purpose_ref="ballot:1", token=wrong(code))
    with pytest.raises(otp_errors.OtpThrottled) as error:
        otp_challenge_verify(member=member, purpose_ref="ballot:1", token=code)
    assert "ثانیه" in str(error.value)
    # A throttled try is not a guess: it is not counted.
    assert Challenge.objects.get(member=member).failed_attempts == 1
    clock.advance(seconds=1)
    with pytest.raises(otp_errors.OtpWrongCode):
        otp_challenge_verify(member=member, purpose_ref="ballot:1", token=wrong(code))
    clock.advance(seconds=1)
    with pytest.raises(otp_errors.OtpThrottled):
        otp_challenge_verify(member=member, purpose_ref="ballot:1", token=code)
    clock.advance(seconds=1)
    otp_challenge_verify(member=member, purpose_ref="ballot:1", token=code)


def test_v5_resend_has_a_cooldown_and_replaces_the_code(clock):
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    run_deliveries()
    first = last_sms_code()
    clock.advance(seconds=30)
    with pytest.raises(otp_errors.OtpCooldown) as error:
        otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    assert "۳۰ ثانیه" in str(error.value)
    clock.advance(seconds=31)
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    run_deliveries()
    second = last_sms_code()
    assert len(sms.outbox) == 2
    if first != second:
        with pytest.raises(otp_errors.OtpWrongCode):
            otp_challenge_verify(member=member, purpose_ref="ballot:1", token=first)
        clock.advance(seconds=2)
    otp_challenge_verify(member=member, purpose_ref="ballot:1", token=second)


def test_v5_codes_per_challenge_are_capped(settings):
    settings.OTP_RESEND_COOLDOWN_SECONDS = 0
    member = voter()
    for _ in range(settings.OTP_MAX_CODES_PER_CHALLENGE):
        otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    with pytest.raises(otp_errors.OtpTooManyCodes):
        otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")


def test_v5_switch_to_email_sends_at_once_and_both_codes_are_single_use():
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    otp_challenge_switch_to_email(member=member, purpose_ref="ballot:1")
    run_deliveries()
    sms_code, mail_code = last_sms_code(), last_mail_code()
    assert mail.outbox[-1].to == [member.email]
    assert "کد تایید" in mail.outbox[-1].subject
    otp_challenge_verify(member=member, purpose_ref="ballot:1", token=mail_code)
    # The SMS code of the same challenge is spent too: one confirmation per challenge.
    with pytest.raises(otp_errors.OtpAlreadyUsed):
        otp_challenge_verify(member=member, purpose_ref="ballot:1", token=sms_code)
    assert EmailDevice.objects.get(user=member).token is None
    assert SmsDevice.objects.get(user=member).token is None


def test_v3_unusable_channel_is_refused_with_the_reason():
    member = voter(mobile="")
    with pytest.raises(otp_errors.OtpChannelUnavailable) as error:
        otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    assert "شماره همراهی" in str(error.value)
    member = voter(email="")
    with pytest.raises(otp_errors.OtpChannelUnavailable) as error:
        otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="email")
    assert "پست الکترونیکی" in str(error.value)


def test_v6_consume_needs_a_recent_verification(clock, settings):
    member = voter()
    with pytest.raises(otp_errors.OtpNoChallenge):
        otp_challenge_consume(member=member, purpose_ref="ballot:1")
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    run_deliveries()
    otp_challenge_verify(member=member, purpose_ref="ballot:1", token=last_sms_code())
    clock.advance(seconds=settings.OTP_VERIFIED_GRACE_SECONDS + 1)
    with pytest.raises(otp_errors.OtpExpired):
        otp_challenge_consume(member=member, purpose_ref="ballot:1")


def test_r3_no_code_in_the_database_or_audit(no_backoff):
    """The device keeps a keyed hash, the queued body is sealed and erased once sent,
    and audit entries for issue / verify / failure carry no code."""
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    delivery = Delivery.objects.get()
    assert delivery.sealed_body and "کد" not in delivery.sealed_body
    run_deliveries()
    code = last_sms_code()
    device = SmsDevice.objects.get(user=member)
    assert device.token and code not in device.token
    delivery.refresh_from_db()
    assert delivery.sealed_body == ""
    with pytest.raises(otp_errors.OtpWrongCode):
        otp_challenge_verify(member=member, purpose_ref="ballot:1", token=wrong(code))
    otp_challenge_verify(member=member, purpose_ref="ballot:1", token=code)
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    for action in ("otp.issue", "otp.verify_failed", "otp.verify", "delivery.sent"):
        assert action in actions
    for entry in AuditEntry.objects.all():
        assert code not in str(entry.payload) and wrong(code) not in str(entry.payload)


def test_v6_superseded_challenge_leaves_no_live_code(clock):
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:A", channel="sms")
    otp_challenge_issue(member=member, purpose_ref="ballot:B", channel="email")
    assert SmsDevice.objects.get(user=member).token is None
    assert EmailDevice.objects.get(user=member).token
