"""The voting journey through the Django client (V1–V6, M5, M10)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from election_pages.voting.models import BallotSession, BallotSessionState, CastBallot, Participation
from member_workflow.models import MembershipState
from tests.conftest import captcha_answer
from tests.factories import MemberFactory, MembershipFactory, election_page_for
from tests.secrecy_helpers import sole_ballot_choices
from tests.voting_helpers import mail_code, open_election_with_ballot, sms_code, voter_for

pytestmark = pytest.mark.django_db

PASSWORD = "Member2026pass"
THANKS = "با تشکر از توجه شما، رای شما با موفقیت ثبت شد."


@pytest.fixture
def ballot(portal):
    election, board, inspector, bc, ic = open_election_with_ballot()
    election_page_for(election)
    return election, board, inspector, bc, ic


def _login(client, election, member, password=PASSWORD):
    url = reverse("voting:start", args=[election.pk])
    page = client.get(url)
    key, answer = captcha_answer(page.content.decode())
    return client.post(url, {"username": member.username, "password": password, "captcha_0": key, "captcha_1": answer})


def _through_ballot(client, election, picks, channel="sms"):
    client.post(reverse("voting:channel", args=[election.pk]), {"channel": channel})
    data = {}
    for position_id, ids in picks.items():
        data[f"position_{position_id}"] = [str(i) for i in ids]
    return client.post(reverse("voting:ballot", args=[election.pk]), data)


def test_v2_v4_v5_v6_whole_journey_by_sms(client, ballot):
    election, board, inspector, bc, ic = ballot
    member = voter_for(election)
    response = _login(client, election, member)
    assert response.status_code == 302 and response["Location"].endswith("/channel/")
    page = client.get(response["Location"]).content.decode()
    assert "پیامک های تبلیغاتی" in page and "ارسال کد تایید از طریق پیامک به سامانه" in page
    response = _through_ballot(client, election, {board.pk: [bc[0].pk, bc[1].pk], inspector.pk: [ic[0].pk]})
    assert response.status_code == 302 and response["Location"].endswith("/review/")
    page = client.get(response["Location"]).content.decode()
    assert bc[0].full_name in page and ic[0].full_name in page and bc[2].full_name not in page
    assert "ثبت رای" in page and "دریافت کد تایید از طریق پست الکترونیک" in page
    response = client.post(reverse("voting:review", args=[election.pk]), {"code": sms_code()})
    assert response.status_code == 302 and response["Location"].endswith("/done/")
    done = client.get(response["Location"]).content.decode()
    assert THANKS in done
    receipt = CastBallot.objects.get().tracker
    assert receipt in done
    # A second attempt after confirming, later in the same browser (a new login session;
    # the receipt cookie stays in the browser): told so, never a second vote.
    client.cookies.pop("sessionid")
    response = _login(client, election, member)
    assert response["Location"].endswith("/done/?again=1")
    page = client.get(response["Location"]).content.decode()
    assert "قبلاً ثبت شده است" in page and receipt in page and THANKS not in page
    assert Participation.objects.count() == 1 and CastBallot.objects.count() == 1


def test_v4_ballot_heading_shows_the_limit(client, ballot):
    election, *_ = ballot
    _login(client, election, voter_for(election))
    client.post(reverse("voting:channel", args=[election.pk]), {"channel": "email"})
    page = client.get(reverse("voting:ballot", args=[election.pk])).content.decode()
    assert "انتخاب هیات مدیره (حداکثر ۳ نفر)" in page
    assert "انتخاب بازرس (۱ نفر)" in page
    assert "انتخاب</button>" in page


def test_v4_over_the_limit_is_refused_with_a_clear_error_and_nothing_changes(client, ballot):
    election, board, _inspector, bc, _ic = ballot
    _login(client, election, voter_for(election))
    response = _through_ballot(client, election, {board.pk: [c.pk for c in bc]})
    assert response.status_code == 200
    assert "حداکثر ۳ نفر را می‌توانید انتخاب کنید" in response.content.decode()
    session = BallotSession.objects.get()
    assert session.state == BallotSessionState.DRAFT and session.selections_sealed is None


def test_v4_tampered_post_is_refused(client, ballot):
    election, *_ = ballot
    _login(client, election, voter_for(election))
    client.post(reverse("voting:channel", args=[election.pk]), {"channel": "email"})
    response = client.post(reverse("voting:ballot", args=[election.pk]), {"position_abc": ["1"]})
    assert response.status_code == 200 and "برگه رای معتبر نیست" in response.content.decode()


def test_m10_unapproved_member_gets_the_seed_message(client, ballot):
    election, *_ = ballot
    member = MemberFactory()
    MembershipFactory(member=member, association=election.association, state=MembershipState.PENDING)
    response = _login(client, election, member)
    assert response.status_code == 200
    assert "شما عضو این انجمن نیستید" in response.content.decode()
    assert not BallotSession.objects.exists()


def test_m5_password_equal_to_national_code_is_refused(client, ballot):
    election, *_ = ballot
    member = voter_for(election)
    member.set_password(member.username)
    member.save()
    response = _login(client, election, member, password=member.username)
    assert response.status_code == 200 and "کلمه عبور شما برابر کد ملی است" in response.content.decode()
    assert not BallotSession.objects.exists()


def test_v1_outside_the_window_the_door_says_so(client, portal):
    election, *_ = open_election_with_ballot(
        voting_starts_at=timezone.now() - datetime.timedelta(hours=3),
        voting_ends_at=timezone.now() - datetime.timedelta(hours=1),
    )
    election_page_for(election)
    page = client.get(reverse("voting:start", args=[election.pk])).content.decode()
    assert 'data-role="voting-closed"' in page and "به پایان رسیده است" in page


def test_v3_unusable_channel_is_disabled_with_reason(client, ballot):
    election, *_ = ballot
    _login(client, election, voter_for(election, mobile=None))
    page = client.get(reverse("voting:channel", args=[election.pk])).content.decode()
    assert 'value="sms" data-role="channel-sms" disabled' in page
    assert "شماره تلفن همراهی برای شما ثبت نشده است." in page
    response = client.post(reverse("voting:channel", args=[election.pk]), {"channel": "sms"})
    assert response.status_code == 200 and "در دسترس نیست" in response.content.decode()


def test_v5_email_switch_and_v6_double_click_gives_one_vote(client, ballot):
    election, board, _inspector, bc, _ic = ballot
    _login(client, election, voter_for(election))
    _through_ballot(client, election, {board.pk: [bc[0].pk]})
    response = client.post(reverse("voting:code_email", args=[election.pk]))
    assert response.status_code == 302
    code = mail_code()
    review = reverse("voting:review", args=[election.pk])
    first = client.post(review, {"code": code})
    second = client.post(review, {"code": code})  # the double click
    assert first["Location"].endswith("/done/") and "/done/" in second["Location"]
    assert Participation.objects.count() == 1 and CastBallot.objects.count() == 1


def test_v6_back_to_the_ballot_then_confirm_seals_the_new_choice(client, ballot):
    election, board, inspector, bc, ic = ballot
    _login(client, election, voter_for(election))
    _through_ballot(client, election, {board.pk: [bc[0].pk]})
    code = sms_code()
    page = client.get(reverse("voting:ballot", args=[election.pk])).content.decode()
    assert f'value="{bc[0].pk}" data-role="candidate" checked' in page
    client.post(reverse("voting:ballot", args=[election.pk]), {f"position_{inspector.pk}": [str(ic[1].pk)]})
    client.post(reverse("voting:review", args=[election.pk]), {"code": code})
    assert sole_ballot_choices() == {str(board.pk): [], str(inspector.pk): [ic[1].pk]}


def test_v5_third_channel_shows_code_and_number_and_the_page_seals_after_the_sms(client, ballot, settings):
    """The code reaches the real webhook POST /sms/inbound/; another number is ignored."""
    import re

    from django.test import Client

    from cms_site.common.digits import normalize_digits

    settings.SMS_INBOUND_TOKEN = "test-inbound-token"
    election, board, _inspector, bc, _ic = ballot
    member = voter_for(election, mobile="09121119999")
    _login(client, election, member)
    _through_ballot(client, election, {board.pk: [bc[0].pk]}, channel="inbound_sms")
    page = client.get(reverse("voting:review", args=[election.pk])).content.decode()
    assert 'data-role="inbound-code"' in page and "data-poll-url" in page
    number = re.search(r'data-role="system-number">([^<]+)<', page).group(1)
    assert normalize_digits(number) == settings.SMS_SYSTEM_NUMBER
    shown = normalize_digits(re.search(r'data-role="inbound-code">([^<]+)<', page).group(1))
    # V7: the code to show lives in this browser's signed cookie; the database keeps only
    # its digest (nothing in the session table, nothing in the ballot session).
    from django.contrib.sessions.models import Session

    assert not any(shown in str(stored.get_decoded()) for stored in Session.objects.all())
    assert shown not in str(BallotSession.objects.filter(member=member).values().get())
    status = reverse("voting:status", args=[election.pk])
    assert client.get(status).json() == {
        "state": "code_sent", "is_code_received": False, "is_code_void": False, "code_delivery": ""
    }

    gateway = Client()
    headers = {"X-Inbound-Token": "test-inbound-token"}

    def deliver(sender):
        return gateway.post("/sms/inbound/", {"from": sender, "message": shown}, headers=headers).json()

    # The webhook answers alike (issue 13); the status page tells what happened.
    assert deliver("09120000001") == {"ok": True}
    assert client.get(status).json()["is_code_received"] is False
    assert deliver(member.mobile) == {"ok": True}
    assert client.get(status).json()["is_code_received"] is True
    response = client.post(reverse("voting:confirm_received", args=[election.pk]))
    assert response["Location"].endswith("/done/")
    assert THANKS in client.get(response["Location"]).content.decode()
    assert Participation.objects.count() == 1


def test_p5_participate_view_links_to_the_voting_login(client, ballot):
    election, *_ = ballot
    page = election.pages.first()
    html = client.get(page.url + "participate/").content.decode()
    assert reverse("voting:start", args=[election.pk]) in html


def test_v5_broker_down_when_the_code_is_requested_the_code_still_arrives(
    client, ballot, django_capture_on_commit_callbacks
):
    """The worker/broker is down: the voter still reaches the review page; the delivery
    waits (pending, its task in the outbox for the relay) and is sent once the worker is
    back. (tests/integration/test_broker_faults.py does this with a real broker.)"""
    from unittest import mock

    from kombu.exceptions import OperationalError

    from cms_site.common.models import OutboxTask
    from otp_delivery.models import Delivery
    from otp_delivery.tasks import delivery_send_task

    election, board, _inspector, bc, _ic = ballot
    _login(client, election, voter_for(election))
    broken = mock.patch.object(delivery_send_task, "apply_async", side_effect=OperationalError("broker down"))
    with broken as apply_async, django_capture_on_commit_callbacks(execute=True):
        response = _through_ballot(client, election, {board.pk: [bc[0].pk]})
    assert apply_async.called
    assert response.status_code == 302 and response["Location"].endswith("/review/")
    assert Delivery.objects.get().state == "pending"
    assert OutboxTask.objects.filter(name="otp_delivery.delivery_send").count() == 1  # waits for the relay
    code = sms_code()  # the worker is back: the pending delivery is sent
    response = client.post(reverse("voting:review", args=[election.pk]), {"code": code})
    assert response["Location"].endswith("/done/")
    assert Participation.objects.count() == 1


def test_voting_pages_in_english(client, ballot):
    """The journey under /en/ (the English page tree), left to right."""
    from wagtail.models import Locale

    from election_pages.pages.models import ElectionPage

    election, *_ = ballot
    fa_page = ElectionPage.objects.get(election=election)
    fa_page.copy_for_translation(Locale.objects.get(language_code="en"), copy_parents=False).save_revision().publish()
    try:
        html = client.get(f"/en/voting/{election.pk}/").content.decode()
    finally:
        translation.activate("fa")  # the request leaves English active in this thread
    assert 'dir="ltr"' in html and "Sign in to the election system" in html


def test_v1_window_closing_mid_journey_gives_a_clear_message_and_erases_the_ballot(client, ballot):
    from election_pages.lifecycle.models import Election

    election, board, _inspector, bc, _ic = ballot
    _login(client, election, voter_for(election))
    _through_ballot(client, election, {board.pk: [bc[0].pk]})
    code = sms_code()
    Election.objects.filter(pk=election.pk).update(voting_ends_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.post(reverse("voting:review", args=[election.pk]), {"code": code}, follow=True)
    html = response.content.decode()
    assert "زمان رای‌گیری این انتخابات نیست" in html
    assert 'data-role="voting-closed"' in html
    session = BallotSession.objects.get()
    assert session.state == BallotSessionState.EXPIRED and session.selections_sealed is None
    assert not Participation.objects.exists() and not CastBallot.objects.exists()


def test_m10_membership_suspended_mid_journey_gives_the_seed_message(client, ballot):
    from member_workflow.models import Membership

    election, board, _inspector, bc, _ic = ballot
    member = voter_for(election)
    _login(client, election, member)
    _through_ballot(client, election, {board.pk: [bc[0].pk]})
    code = sms_code()
    Membership.objects.filter(member=member).update(state=MembershipState.SUSPENDED)
    response = client.post(reverse("voting:review", args=[election.pk]), {"code": code}, follow=True)
    assert "شما عضو این انجمن نیستید" in response.content.decode()
    assert not Participation.objects.exists() and not CastBallot.objects.exists()
    session = BallotSession.objects.get()
    assert session.state == BallotSessionState.ABANDONED and session.selections_sealed is None


def test_v5_wrong_code_shows_a_persian_error_and_keeps_the_ballot(client, ballot):
    election, board, _inspector, bc, _ic = ballot
    _login(client, election, voter_for(election))
    _through_ballot(client, election, {board.pk: [bc[0].pk]})
    code = sms_code()
    response = client.post(
        reverse("voting:review", args=[election.pk]), {"code": "999999" if code != "999999" else "111111"}
    )
    assert response.status_code == 200 and "کد تایید وارد شده نادرست است" in response.content.decode()
    assert bc[0].full_name in response.content.decode()
    assert BallotSession.objects.get().state == BallotSessionState.CODE_SENT
