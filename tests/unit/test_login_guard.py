"""The login guard (issue 13, «Lockout can't be turned on a victim»; SPEC M5 at every login):
failures per place (address, national code) and per address, growing delays instead of
blocks, and the second factor for an account tried from many addresses. The clock is
passed as `now=`; nothing sleeps."""

from datetime import timedelta

import pytest
from django.utils import timezone

from member_workflow.errors import LoginDelayed, LoginSecondFactorRequired, LoginSecondFactorWrong
from member_workflow.models import LoginThrottle
from member_workflow.services.logins import (
    login_address,
    login_authenticate,
    login_second_factor_verify,
    login_throttle_purge,
)
from otp_delivery.gateways import sms
from otp_delivery.models import Delivery
from tests.factories import MemberFactory
from tests.otp_helpers import last_sms_code, run_deliveries

pytestmark = pytest.mark.django_db

PASSWORD = "Member2026pass"  # the factories' password
OWNER_HOME = "198.51.100.10"


@pytest.fixture
def t0():
    return timezone.now()


def _try(address, code, password="wrong", *, now, verified=False):
    return login_authenticate(
        address=address, national_code=code, password=password, is_second_factor_verified=verified, now=now
    )


def _fail_from_many_addresses(code, *, now, addresses=10, tries=5) -> dict:
    """An attacker spreading guesses over many addresses. Returns how the tries ended:
    checked and wrong, delayed, or held for the second factor."""
    outcomes = {"wrong": 0, "delayed": 0, "held": 0}
    for n in range(addresses):
        for _ in range(tries):
            try:
                assert _try(f"203.0.113.{n + 1}", code, now=now) is None
                outcomes["wrong"] += 1
            except LoginDelayed:
                outcomes["delayed"] += 1
            except LoginSecondFactorRequired:
                outcomes["held"] += 1
    return outcomes


def test_persian_and_arabic_digits_and_dashes_are_one_account(t0):
    member = MemberFactory(username="0012345679")
    for spelling in ["۰۰۱۲۳۴۵۶۷۹", "٠٠١٢٣٤٥٦٧٩", "001-234-5679", "0012345679", " 0012345679 "]:
        assert _try("192.0.2.1", spelling, now=t0) is None
    assert LoginThrottle.objects.get(address="192.0.2.1", national_code="0012345679").failures == 5
    with pytest.raises(LoginDelayed):
        _try("192.0.2.1", "۰۰۱۲۳۴۵۶۷۹", PASSWORD, now=t0)
    # The right password in Persian digits' account logs in from elsewhere.
    assert _try("192.0.2.2", "۰۰۱۲۳۴۵۶۷۹", PASSWORD, now=t0) == member


def test_a_place_past_its_budget_waits_a_growing_delay_never_a_block(t0, settings):
    member = MemberFactory()
    code = member.national_code
    for _ in range(settings.LOGIN_PAIR_FREE_FAILURES):
        _try("192.0.2.1", code, now=t0)
    with pytest.raises(LoginDelayed) as refused:
        _try("192.0.2.1", code, PASSWORD, now=t0 + timedelta(seconds=29))
    assert refused.value.retry_at == t0 + timedelta(seconds=30)
    # After the delay one more wrong try doubles it; the delays stop at the cap.
    now = t0 + timedelta(seconds=30)
    expected = 60
    for _ in range(8):
        _try("192.0.2.1", code, now=now)
        with pytest.raises(LoginDelayed) as refused:
            _try("192.0.2.1", code, PASSWORD, now=now)
        assert refused.value.retry_at == now + timedelta(seconds=expected)
        now += timedelta(seconds=expected)
        expected = min(expected * 2, settings.LOGIN_PAIR_DELAY_MAX_SECONDS)
    assert expected == settings.LOGIN_PAIR_DELAY_MAX_SECONDS
    # Once the delay has passed, the right password logs in and the place starts afresh.
    assert _try("192.0.2.1", code, PASSWORD, now=now) == member
    assert LoginThrottle.objects.get(address="192.0.2.1", national_code=code).failures == 0


def test_failures_elsewhere_never_delay_the_owners_own_address(t0):
    member = MemberFactory()
    outcomes = _fail_from_many_addresses(member.national_code, now=t0, addresses=2, tries=20)
    assert outcomes == {"wrong": 10, "delayed": 30, "held": 0}
    assert _try(OWNER_HOME, member.national_code, PASSWORD, now=t0) == member


def test_attacker_from_many_addresses_cannot_lock_the_owner_out_of_their_own_address(t0):
    member = MemberFactory()
    assert _try(OWNER_HOME, member.national_code, PASSWORD, now=t0) == member  # the owner's usual place
    later = t0 + timedelta(days=3)
    outcomes = _fail_from_many_addresses(member.national_code, now=later, addresses=30)
    # Two addresses' worth of guesses are checked; then every untrusted try is held.
    assert outcomes["wrong"] == 2 * 5 + 1 and outcomes["held"] == 150 - 11
    # Still the attack goes on; the owner logs in from home at once, no code asked.
    assert _try(OWNER_HOME, member.national_code, PASSWORD, now=later) == member
    # The owner's own typos still count on the owner's own place only.
    for _ in range(5):
        _try(OWNER_HOME, member.national_code, now=later)
    with pytest.raises(LoginDelayed):
        _try(OWNER_HOME, member.national_code, PASSWORD, now=later)


def test_account_tried_from_many_addresses_needs_the_second_factor_first(t0):
    member = MemberFactory(mobile="09121234567", email="owner@example.org")
    _fail_from_many_addresses(member.national_code, now=t0, addresses=3, tries=1)
    # From a place the owner never used, even the right password is not checked yet.
    with pytest.raises(LoginSecondFactorRequired) as held:
        _try("192.0.2.50", member.national_code, PASSWORD, now=t0)
    assert held.value.retry_at is None
    messages = Delivery.objects.filter(member=member)
    assert sorted(messages.values_list("channel", flat=True)) == ["email", "sms"]
    run_deliveries()
    token = last_sms_code()
    assert sms.outbox[-1].to == "09121234567"
    # A wrong code counts as a failure of that place, like a wrong password.
    with pytest.raises(LoginSecondFactorWrong):
        login_second_factor_verify(address="192.0.2.99", national_code=member.national_code, token="000000", now=t0)
    assert LoginThrottle.objects.get(address="192.0.2.99", national_code=member.national_code).failures == 1
    # The code (in Persian digits too) lets that browser try its password.
    persian = token.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    login_second_factor_verify(address="192.0.2.50", national_code=member.national_code, token=persian, now=t0)
    assert _try("192.0.2.50", member.national_code, PASSWORD, now=t0, verified=True) == member
    # The code is spent.
    with pytest.raises(LoginSecondFactorWrong):
        login_second_factor_verify(address="192.0.2.50", national_code=member.national_code, token=token, now=t0)


def test_held_tries_are_spaced_by_a_growing_delay_and_send_one_live_code(t0, settings):
    member = MemberFactory(mobile="09121234567")
    _fail_from_many_addresses(member.national_code, now=t0, addresses=3, tries=1)
    with pytest.raises(LoginSecondFactorRequired):
        _try("192.0.2.50", member.national_code, now=t0)
    now = t0 + timedelta(seconds=10)
    with pytest.raises(LoginSecondFactorRequired) as held:
        _try("192.0.2.51", member.national_code, PASSWORD, now=now)
    assert held.value.retry_at == t0 + timedelta(seconds=settings.LOGIN_ACCOUNT_DELAY_SECONDS)
    now = held.value.retry_at
    with pytest.raises(LoginSecondFactorRequired):
        _try("192.0.2.52", member.national_code, now=now)
    with pytest.raises(LoginSecondFactorRequired) as held:
        _try("192.0.2.53", member.national_code, now=now)
    assert held.value.retry_at == now + timedelta(seconds=2 * settings.LOGIN_ACCOUNT_DELAY_SECONDS)
    # While a code is live no other is sent: whoever asked, the owner's phone holds it.
    assert Delivery.objects.filter(member=member, channel="sms").count() == 1


def test_unknown_national_code_under_attack_is_held_alike_and_nothing_is_sent(t0):
    _fail_from_many_addresses("2271185327", now=t0, addresses=3, tries=1)
    with pytest.raises(LoginSecondFactorRequired) as held:
        _try("192.0.2.50", "2271185327", now=t0)
    assert held.value.retry_at is None
    assert not Delivery.objects.exists()


def test_nat_address_gets_short_delays_not_a_block_and_successes_count_in_its_favour(t0, settings):
    settings.LOGIN_ADDRESS_FREE_FAILURES = 20
    hospital = "192.0.2.200"
    voters = [MemberFactory() for _ in range(30)]
    # Twenty voters mistype once each: within the address's budget.
    for voter in voters[:20]:
        assert _try(hospital, voter.national_code, now=t0) is None
    # One more failure: the address waits, briefly.
    with pytest.raises(LoginDelayed) as refused:
        _try(hospital, voters[20].national_code, PASSWORD, now=t0)
    assert refused.value.retry_at == t0 + timedelta(seconds=settings.LOGIN_ADDRESS_DELAY_SECONDS)
    # However many failures, the wait never exceeds the cap: a slow-down, not a block.
    now = t0
    for voter in voters[20:30]:
        now += timedelta(seconds=settings.LOGIN_ADDRESS_DELAY_MAX_SECONDS)
        _try(hospital, voter.national_code, now=now)
        with pytest.raises(LoginDelayed) as refused:
            _try(hospital, voter.national_code, PASSWORD, now=now)
        assert refused.value.retry_at - now <= timedelta(seconds=settings.LOGIN_ADDRESS_DELAY_MAX_SECONDS)
    # After the wait the voters log in, and their successes buy the address its budget back.
    now += timedelta(seconds=settings.LOGIN_ADDRESS_DELAY_MAX_SECONDS)
    for voter in voters[:15]:
        assert _try(hospital, voter.national_code, PASSWORD, now=now) == voter
    assert _try(hospital, voters[15].national_code, now=now) is None  # a typo: no delay now
    assert _try(hospital, voters[15].national_code, PASSWORD, now=now) == voters[15]


def test_concurrent_tries_are_charged_before_the_password_check(t0, settings, monkeypatch):
    """A try counts as a failure before the (slow) password check, so tries running at the
    same time see each other; a right password refunds it."""
    member = MemberFactory()
    seen = []

    def authenticate_peeking(request, **credentials):
        seen.append(LoginThrottle.objects.get(address="192.0.2.1", national_code=member.national_code).failures)
        return member if credentials["password"] == PASSWORD else None

    monkeypatch.setattr("member_workflow.services.logins.authenticate", authenticate_peeking)
    _try("192.0.2.1", member.national_code, now=t0)
    _try("192.0.2.1", member.national_code, PASSWORD, now=t0)
    assert seen == [1, 2]
    row = LoginThrottle.objects.get(address="192.0.2.1", national_code=member.national_code)
    assert (row.failures, row.successes) == (0, 1)
    assert LoginThrottle.objects.get(address="192.0.2.1", national_code="").failures == 1


def test_failures_are_forgotten_after_the_window(t0, settings):
    member = MemberFactory()
    for _ in range(settings.LOGIN_PAIR_FREE_FAILURES):
        _try("192.0.2.1", member.national_code, now=t0)
    later = t0 + timedelta(seconds=settings.LOGIN_WINDOW_SECONDS + 1)
    assert _try("192.0.2.1", member.national_code, now=later) is None
    assert LoginThrottle.objects.get(address="192.0.2.1", national_code=member.national_code).failures == 1


def test_a_username_with_no_digits_left_is_refused_without_a_row(t0):
    assert _try("192.0.2.1", " -- ", now=t0) is None
    assert not LoginThrottle.objects.exists()


def test_ipv6_addresses_count_per_64_block():
    assert login_address("2001:db8:1:2:aaaa::1") == login_address("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert login_address("2001:db8:1:3::1") != login_address("2001:db8:1:2::1")
    assert login_address("::ffff:192.0.2.7") == "192.0.2.7"
    assert login_address("192.0.2.7") == "192.0.2.7"


def test_purge_keeps_trusted_places_and_recent_failures_only(t0, settings):
    member = MemberFactory()
    _try(OWNER_HOME, member.national_code, PASSWORD, now=t0)
    _try("192.0.2.9", member.national_code, now=t0)
    later = t0 + timedelta(seconds=settings.LOGIN_WINDOW_SECONDS + 1)
    login_throttle_purge(now=later)
    left = set(LoginThrottle.objects.values_list("address", "national_code"))
    assert left == {(OWNER_HOME, member.national_code), (OWNER_HOME, "")}
    login_throttle_purge(now=t0 + timedelta(days=settings.LOGIN_TRUSTED_PLACE_DAYS + 1))
    assert not LoginThrottle.objects.exists()
