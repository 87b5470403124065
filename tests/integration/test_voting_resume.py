"""Every page of the voting journey opens its ballot session through
`ballot_session_resume`: a page (GET) and the form it posts (POST) give the same refusal,
with the same Persian message and the same fate for the ballot (V1, V6, M5, M10)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from election_pages.lifecycle.models import Election
from election_pages.voting.models import BallotSession, BallotSessionState, Participation
from member_workflow.models import Membership, MembershipState
from tests.factories import election_page_for
from tests.integration.test_voting_journey import _login, _through_ballot
from tests.voting_helpers import open_election_with_ballot, sms_code, voter_for

pytestmark = pytest.mark.django_db

NOT_OPEN = "زمان رای‌گیری این انتخابات نیست"
NOT_A_MEMBER = "شما عضو این انجمن نیستید"
EXPIRED = "مهلت این برگه رای به پایان رسیده"
SIGN_IN = "برای شرکت در انتخابات ابتدا با کد ملی و کلمه عبور وارد شوید."


def _window_closed(election, member, session):
    Election.objects.filter(pk=election.pk).update(voting_ends_at=timezone.now() - datetime.timedelta(seconds=1))


def _suspended_and_past_deadline(election, member, session):
    Membership.objects.filter(member=member).update(state=MembershipState.SUSPENDED)
    BallotSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))


def _past_deadline(election, member, session):
    BallotSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))


# (what happened mid-journey, the message shown, what became of the ballot session)
SCENARIOS = {
    "window_closed": (_window_closed, NOT_OPEN, BallotSessionState.EXPIRED),
    "suspended_and_past_deadline": (_suspended_and_past_deadline, NOT_A_MEMBER, BallotSessionState.ABANDONED),
    "past_deadline": (_past_deadline, EXPIRED, BallotSessionState.EXPIRED),
}


def _request(client, method, election, page):
    url = reverse(f"voting:{page}", args=[election.pk])
    if method == "get":
        return client.get(url, follow=True)
    data = {"code": "123456"} if page == "review" else {}
    return client.post(url, data, follow=True)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("page", ["ballot", "review"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_v1_m10_a_page_and_its_form_give_the_same_refusal(client, portal, scenario, page, method):
    election, board, _inspector, bc, _ic = open_election_with_ballot()
    election_page_for(election)
    member = voter_for(election)
    _login(client, election, member)
    _through_ballot(client, election, {board.pk: [bc[0].pk]})
    session = BallotSession.objects.get(member=member)
    change, message, fate = SCENARIOS[scenario]
    change(election, member, session)
    response = _request(client, method, election, page)
    html = response.content.decode()
    assert response.redirect_chain[0][0] == reverse("voting:start", args=[election.pk])
    assert message in html and bc[0].full_name not in html
    session.refresh_from_db()
    assert session.state == fate and session.selections_sealed is None
    assert not Participation.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_v6_after_the_vote_a_page_and_its_form_both_lead_to_already_voted(client, portal, method):
    election, board, _inspector, bc, _ic = open_election_with_ballot()
    election_page_for(election)
    member = voter_for(election)
    _login(client, election, member)
    _through_ballot(client, election, {board.pk: [bc[0].pk]})
    client.post(reverse("voting:review", args=[election.pk]), {"code": sms_code()})
    for page in ("channel", "ballot", "review"):
        response = _request(client, method, election, page)
        assert response.redirect_chain[-1][0].endswith("/done/?again=1"), page
        assert "قبلاً ثبت شده است" in response.content.decode()
    assert Participation.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_m5_password_set_to_the_national_code_mid_journey_ends_the_ballot_pages(client, portal, method):
    """The login that passed M5 ends when the password changes (Django's session hash), so
    no page of the journey shows the ballot again until the voting door is passed anew,
    and the door refuses the national code while the election is open."""
    election, board, _inspector, bc, _ic = open_election_with_ballot()
    election_page_for(election)
    member = voter_for(election)
    _login(client, election, member)
    _through_ballot(client, election, {board.pk: [bc[0].pk]})
    member.set_password(member.national_code)
    member.save()
    for page in ("ballot", "review"):
        response = _request(client, method, election, page)
        html = response.content.decode()
        assert response.redirect_chain[-1][0] == reverse("voting:start", args=[election.pk]), page
        assert SIGN_IN in html and bc[0].full_name not in html
    response = _login(client, election, member, password=member.national_code)
    assert response.status_code == 200 and "کلمه عبور شما برابر کد ملی است" in response.content.decode()
    assert not Participation.objects.exists()
