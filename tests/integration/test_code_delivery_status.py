"""V5 and issue 13: the voting page never says a code was sent before a gateway accepted it.
While the message waits (broker or workers down) it says «در حال ارسال…» and polls; a code
that can no longer arrive in time, or that the gateway refused, is shown as such with a way
to ask for a new one."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from otp_delivery.gateways import sms
from otp_delivery.models import Delivery, DeliveryState
from otp_delivery.selectors import otp_code_delivery
from otp_delivery.services import delivery_send
from tests.conftest import captcha_answer
from tests.factories import election_page_for
from tests.otp_helpers import Clock, run_deliveries
from tests.voting_helpers import open_election_with_ballot, voter_for

pytestmark = pytest.mark.django_db

PASSWORD = "Member2026pass"
SENDING_SMS = "کد تایید در حال ارسال به تلفن همراه ثبت شده شما…"
SENDING_EMAIL = "کد تایید در حال ارسال به پست الکترونیک ثبت شده شما…"
SENT_SMS = "کد تایید به تلفن همراه ثبت شده شما پیامک شد."
SENT_EMAIL = "کد تایید به پست الکترونیک ثبت شده شما ارسال شد."
LATE = "کد تایید به موقع ارسال نشد و دیگر اعتبار ندارد."
FAILED = "ارسال کد تایید ناموفق بود."
RESEND = "ارسال دوباره کد تایید"


@pytest.fixture
def voting(client, portal):
    """A voter on the review page of an open election, the code SMS queued, not yet sent."""
    election, board, _inspector, board_candidates, _ic = open_election_with_ballot()
    election_page_for(election)
    member = voter_for(election)
    url = reverse("voting:start", args=[election.pk])
    key, answer = captcha_answer(client.get(url).content.decode())
    client.post(url, {"username": member.username, "password": PASSWORD, "captcha_0": key, "captcha_1": answer})
    client.post(reverse("voting:channel", args=[election.pk]), {"channel": "sms"})
    response = client.post(
        reverse("voting:ballot", args=[election.pk]), {f"position_{board.pk}": [str(board_candidates[0].pk)]}
    )
    assert response["Location"].endswith("/review/")
    return election, member


def _review(client, election) -> str:
    return client.get(reverse("voting:review", args=[election.pk])).content.decode()


def _status(client, election) -> dict:
    return client.get(reverse("voting:status", args=[election.pk])).json()


def test_v5_review_says_sending_until_the_gateway_accepts_the_code(client, voting):
    election, _member = voting
    page = _review(client, election)
    assert SENDING_SMS in page and SENT_SMS not in page
    assert 'data-state="sending"' in page and "data-delivery-poll=" in page  # the page polls
    assert _status(client, election)["code_delivery"] == "sending"
    run_deliveries()  # a worker hands it to the gateway
    assert _status(client, election)["code_delivery"] == "sent"
    page = _review(client, election)
    assert SENT_SMS in page and SENDING_SMS not in page and "data-delivery-poll=" not in page


def test_v5_email_switch_says_sending_not_sent(client, voting):
    election, _member = voting
    response = client.post(reverse("voting:code_email", args=[election.pk]), follow=True)
    page = response.content.decode()
    assert "کد تایید تازه در حال ارسال به پست الکترونیک ثبت شده شماست." in page
    assert SENDING_EMAIL in page and SENT_EMAIL not in page
    run_deliveries()
    assert SENT_EMAIL in _review(client, election)


def test_v5_a_code_still_waiting_when_it_expires_is_late_never_sent_and_a_new_one_can_be_asked(
    client, voting, settings
):
    election, member = voting
    # The message waited longer than its code lives (the broker was down all along).
    waited = datetime.timedelta(seconds=settings.OTP_CODE_VALIDITY_SECONDS + 1)
    Delivery.objects.update(created_at=timezone.now() - waited)
    page = _review(client, election)
    assert LATE in page and RESEND in page and SENT_SMS not in page and SENDING_SMS not in page
    record = Delivery.objects.get(channel="sms")
    delivery_send(delivery_id=record.pk)  # the broker is back: the dead code is not sent
    record.refresh_from_db()
    assert record.state == DeliveryState.FAILED and sms.outbox == []
    assert LATE in _review(client, election)
    with Clock() as clock:
        clock.advance(seconds=settings.OTP_RESEND_COOLDOWN_SECONDS + 1)
        response = client.post(reverse("voting:code_resend", args=[election.pk]), follow=True)
    assert "کد تایید تازه در حال ارسال است." in response.content.decode()
    assert SENDING_SMS in _review(client, election)
    run_deliveries()
    assert len(sms.outbox) == 1 and SENT_SMS in _review(client, election)


def test_v5_a_refused_code_says_so(client, voting, monkeypatch):
    election, member = voting

    class Refusing:
        def send(self, message):
            raise sms.SmsDeliveryError("gateway: status 418", is_transient=False)

        def lookup(self, local_id):
            return None

    monkeypatch.setattr(sms, "get_sms_backend", Refusing)
    run_deliveries()
    page = _review(client, election)
    assert FAILED in page and RESEND in page and SENT_SMS not in page


def test_code_delivery_state_follows_the_newest_code_message(voting):
    election, member = voting
    session_purpose = Delivery.objects.get().challenge.purpose_ref
    state = otp_code_delivery(member=member, purpose_ref=session_purpose)
    assert (state.state, state.channel, state.is_fallback, state.needs_new_code) == ("sending", "sms", False, False)
    later = timezone.now() + datetime.timedelta(minutes=11)
    assert otp_code_delivery(member=member, purpose_ref=session_purpose, now=later).needs_new_code
    assert otp_code_delivery(member=member, purpose_ref="ballot:nothing") is None
