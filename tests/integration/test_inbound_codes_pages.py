"""Bounded inbound codes through the pages (issue 13, failure 5; SPEC V5, M4): the webhook
answers alike whatever it matched, the review page tells the voter in Persian that the
code is void and offers a new one, and the option-2 page states the rule."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cms_site.common.digits import normalize_digits
from election_pages.voting.models import Participation
from member_workflow.models import PasswordState
from tests.conftest import captcha_answer, form_post
from tests.factories import election_page_for, member_with_password_state
from tests.voting_helpers import open_election_with_ballot, voter_for

pytestmark = pytest.mark.django_db

HEADERS = {"X-Inbound-Token": "test-inbound-token"}


def _sms(sender: str, text: str):
    return Client().post("/sms/inbound/", {"from": sender, "message": text}, headers=HEADERS)


def _shown_code(html: str) -> str:
    return normalize_digits(re.search(r'data-role="inbound-code">([^<]+)<', html).group(1))


def test_v5_void_code_is_explained_and_a_new_code_confirms_the_vote(client, portal, settings):
    election, board, _inspector, bc, _ic = open_election_with_ballot()
    election_page_for(election)
    member = voter_for(election, mobile="09121119999")
    start = reverse("voting:start", args=[election.pk])
    key, answer = captcha_answer(client.get(start).content.decode())
    client.post(
        start, {"username": member.username, "password": "Member2026pass", "captcha_0": key, "captcha_1": answer}
    )
    client.post(reverse("voting:channel", args=[election.pk]), {"channel": "inbound_sms"})
    client.post(reverse("voting:ballot", args=[election.pk]), {f"position_{board.pk}": [str(bc[0].pk)]})
    review = reverse("voting:review", args=[election.pk])
    page = client.get(review).content.decode()
    shown = _shown_code(page)
    assert "۵ پیامک با کد نادرست" in page  # the rule, before it bites
    wrong = [f"{i:04d}" for i in range(10) if f"{i:04d}" != shown][: settings.INBOUND_CODE_MAX_WRONG]
    answers = {_sms(member.mobile, code).content for code in wrong}
    status = client.get(reverse("voting:status", args=[election.pk])).json()
    assert (status["state"], status["is_code_received"], status["is_code_void"]) == ("code_sent", False, True)
    # The right code now matches nothing, and the webhook's answer never told them apart.
    answers.add(_sms(member.mobile, shown).content)
    assert answers == {b'{"ok": true}'}
    page = client.get(review).content.decode()
    assert 'data-role="inbound-code-void"' in page and "باطل شد" in page
    assert 'data-role="inbound-code"' not in page and "data-poll-url" not in page
    # «دریافت کد تازه»: a new code on the page, with its own tries.
    response = client.post(reverse("voting:code_resend", args=[election.pk]), follow=True)
    page = response.content.decode()
    assert "کد تازه‌ای ساخته شد" in page
    fresh = _shown_code(page)
    assert _sms(member.mobile, fresh).json() == {"ok": True}
    assert client.get(reverse("voting:status", args=[election.pk])).json()["is_code_received"] is True
    client.post(reverse("voting:confirm_received", args=[election.pk]))
    assert Participation.objects.filter(member=member).count() == 1


def test_m4_option2_page_states_the_wrong_code_rule(client):
    member = member_with_password_state(PasswordState.SELF_SET)
    html = form_post(
        client, "/accounts/password/forgot/", {"national_code": member.national_code, "option": "sms"}
    ).content.decode()
    assert "پس از ۵ پیامک با کد نادرست، این کد باطل می‌شود" in html
