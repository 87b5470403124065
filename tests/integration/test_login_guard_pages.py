"""The login guard through the pages (issue 13, «Lockout can't be turned on a victim»; SPEC
M5 at the portal login, the voting door and /admin/login/): each client has its own
REMOTE_ADDR, the clock is moved by a patch, nothing sleeps."""

import pytest
from django.test import Client
from django.urls import reverse

from member_workflow.models import LoginThrottle
from member_workflow.services.logins import login_authenticate
from tests.conftest import form_post
from tests.factories import AssociationFactory, MemberFactory, StaffFactory, association_admin, election_page_for
from tests.otp_helpers import Clock, last_sms_code, run_deliveries
from tests.voting_helpers import open_election_with_ballot, voter_for

pytestmark = pytest.mark.django_db

PASSWORD = "Member2026pass"
DELAYED = "دوباره تلاش کنید"


def _client(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def _attack(code: str, addresses: int = 3) -> None:
    """Wrong passwords for `code` from many addresses (each within its own budget)."""
    for n in range(addresses):
        login_authenticate(address=f"203.0.113.{n + 1}", national_code=code, password="wrong")


def _login(client, code, password=PASSWORD, path="/accounts/login/"):
    return form_post(client, path, {"username": code, "password": password})


def test_attacker_from_many_addresses_cannot_lock_the_owner_out_of_their_own_address(settings):
    member = MemberFactory()
    home = _client("198.51.100.10")
    assert _login(home, member.national_code)["Location"] == "/accounts/me/"
    home.post("/accounts/logout/")
    for n in range(12):  # every attacker address past its own budget, and the account under attack
        attacker = _client(f"203.0.113.{n + 1}")
        for _ in range(settings.LOGIN_PAIR_FREE_FAILURES + 1):
            _login(attacker, member.national_code, "guess")
    response = _login(home, member.national_code)
    assert response.status_code == 302 and response["Location"] == "/accounts/me/"
    assert "_auth_user_id" in home.session


def test_persian_digit_spellings_in_the_form_count_as_one_account(settings):
    member = MemberFactory(username="0012345679")
    client = _client("192.0.2.1")
    for spelling in ["۰۰۱۲۳۴۵۶۷۹", "٠٠١٢٣٤٥٦٧٩", "0012345679", "۰۰۱-۲۳۴-۵۶۷۹", "0012345679"]:
        assert "کد ملی یا کلمه عبور درست نیست." in _login(client, spelling, "wrong").content.decode()
    response = _login(client, "۰۰۱۲۳۴۵۶۷۹")
    assert response.status_code == 429 and DELAYED in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert LoginThrottle.objects.get(address="192.0.2.1", national_code=member.national_code).failures == 5


def test_nat_address_gets_a_delay_page_not_a_block_and_logs_in_after_it(settings):
    settings.LOGIN_ADDRESS_FREE_FAILURES = 3
    voters = [MemberFactory() for _ in range(4)]
    with Clock() as clock:
        for voter in voters[:3]:
            _login(_client("192.0.2.200"), voter.national_code, "typo")
        hospital = _client("192.0.2.200")
        response = _login(hospital, voters[3].national_code)
        assert response.status_code == 429 and DELAYED in response.content.decode()
        clock.advance(seconds=settings.LOGIN_ADDRESS_DELAY_SECONDS)
        assert _login(hospital, voters[3].national_code)["Location"] == "/accounts/me/"
        # Its success counts in the address's favour: the next typo is not delayed either.
        other = _client("192.0.2.200")
        assert "کد ملی یا کلمه عبور درست نیست." in _login(other, voters[0].national_code, "typo").content.decode()


def test_attacked_account_needs_the_code_sent_to_the_member_before_the_password():
    member = MemberFactory(mobile="09121234567")
    _attack(member.national_code)
    browser = _client("192.0.2.50")
    response = _login(browser, member.national_code)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/verify/?next=%2Faccounts%2Flogin%2F"
    assert "_auth_user_id" not in browser.session
    page = browser.get(response["Location"]).content.decode()
    assert "کد تایید ارسال شده به تلفن همراه و پست الکترونیک" in page
    wrong = browser.post("/accounts/login/verify/", {"code": "000000", "next": "/accounts/login/"})
    assert "کد تایید درست نیست" in wrong.content.decode()
    run_deliveries()
    right = browser.post("/accounts/login/verify/", {"code": last_sms_code(), "next": "/accounts/login/"})
    assert right.status_code == 302 and right["Location"] == "/accounts/login/"
    assert _login(browser, member.national_code)["Location"] == "/accounts/me/"


def test_code_page_without_a_held_try_goes_back_to_the_login_form():
    assert _client("192.0.2.5").get("/accounts/login/verify/")["Location"] == "/accounts/login/"
    evil = _client("192.0.2.5").get("/accounts/login/verify/?next=https://evil.example/")
    assert evil["Location"] == "/accounts/login/"


def test_admin_login_has_a_captcha_and_checks_no_password_without_it():
    admin = StaffFactory()
    client = _client("192.0.2.7")
    assert 'name="captcha_0"' in client.get("/admin/login/").content.decode()
    response = client.post("/admin/login/", {"username": admin.national_code, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "کد امنیتی" in response.content.decode()
    assert not LoginThrottle.objects.exists()  # the password was not even tried
    assert _login(client, admin.national_code, path="/admin/login/").status_code == 302


def test_admin_login_is_throttled_like_the_portal_login(settings):
    admin = association_admin(AssociationFactory())
    client = _client("192.0.2.8")
    for spelling in ["wrong"] * settings.LOGIN_PAIR_FREE_FAILURES:
        assert _login(client, admin.national_code, spelling, path="/admin/login/").status_code == 200
    response = _login(client, admin.national_code, path="/admin/login/")
    assert response.status_code == 429 and DELAYED in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The owner's own address is untouched.
    assert _login(_client("198.51.100.20"), admin.national_code, path="/admin/login/").status_code == 302


def test_admin_login_of_an_attacked_account_needs_the_code_first():
    admin = association_admin(AssociationFactory())
    _attack(admin.national_code)
    response = _login(_client("192.0.2.9"), admin.national_code, path="/admin/login/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/verify/?next=%2Fadmin%2Flogin%2F"


def test_voting_door_goes_through_the_login_guard(portal, settings):
    election, *_rest = open_election_with_ballot()
    election_page_for(election)
    voter = voter_for(election)
    url = reverse("voting:start", args=[election.pk])
    attacker = _client("203.0.113.77")
    for _ in range(settings.LOGIN_PAIR_FREE_FAILURES):
        _login(attacker, voter.national_code, "guess", path=url)
    response = _login(attacker, voter.national_code, path=url)
    assert response.status_code == 429 and DELAYED in response.content.decode()
    # The voter, from their own address, is not held up by the attacker's failures.
    response = _login(_client("198.51.100.30"), voter.national_code, path=url)
    assert response.status_code == 302 and response["Location"].endswith("/channel/")
