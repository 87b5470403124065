"""SPEC R1/R2/R3/P6: the results page (charts and numbers), the receipts board, the
downloads; staff see results after the tally, everyone after publication."""

import json

import pytest

from election_pages.lifecycle.services import election_transition
from election_pages.results.services import election_tally
from election_pages.voting.models import CastBallot
from tests.conftest import captcha_answer
from tests.factories import MemberFactory, StaffFactory
from tests.integration.test_tally import _vote
from tests.secrecy_helpers import unseal
from tests.voting_helpers import open_election_with_ballot

pytestmark = pytest.mark.django_db


@pytest.fixture
def tallied():
    election, board, inspector, (a, b, c, d), (x, y) = open_election_with_ballot()
    for picks in (
        {board.pk: [a.pk, b.pk], inspector.pk: [x.pk]},
        {board.pk: [a.pk], inspector.pk: [y.pk]},
        {board.pk: [a.pk, c.pk], inspector.pk: [x.pk]},
    ):
        _vote(election, {str(k): [str(v) for v in vs] for k, vs in picks.items()})
    staff = StaffFactory()
    election_transition(election_id=election.pk, transition="force_close", actor=staff, reason="آزمون")
    unseal(election)
    election_tally(election_id=election.pk, actor=staff)
    return election, staff


def _publish(election, staff):
    election_transition(election_id=election.pk, transition="publish_results", actor=staff)


def test_r1_staff_review_results_before_release_public_cannot(client, tallied):
    election, staff = tallied
    url = f"/results/{election.pk}/"
    assert client.get(url).status_code == 404
    client.force_login(MemberFactory())
    assert client.get(url).status_code == 404
    client.force_login(staff)
    html = client.get(url).content.decode()
    assert 'data-role="results-preview"' in html


def test_r1_published_results_show_elected_votes_turnout_and_charts(client, tallied):
    election, staff = tallied
    _publish(election, staff)
    html = client.get(f"/results/{election.pk}/").content.decode()
    assert 'data-role="results-preview"' not in html
    assert "منتخبان" in html
    assert html.count('class="chart__bar"') >= 7  # turnout + one bar per candidate
    assert 'data-role="votes">۳ ' in html  # the top board candidate, in Persian digits
    assert "۳ رای از ۳ عضو تأیید شده (۱۰۰٫۰٪)" in html or "۳ رای از ۳ عضو تأیید شده" in html
    english = client.get(f"/en/results/{election.pk}/").content.decode()
    assert 'dir="ltr"' in english and "Turnout" in english


def test_r2_tracker_board_says_cast_or_not(client, tallied):
    election, staff = tallied
    _publish(election, staff)
    url = f"/results/{election.pk}/receipts/"
    tracker = CastBallot.objects.filter(election=election).values_list("tracker", flat=True).first()
    typed = " ".join(tracker[i : i + 8] for i in range(0, 64, 8)).upper()  # as shown, in capitals
    for code, marker in (
        (typed, "receipt-counted"),
        (tracker[:16], "receipt-counted"),  # the first 16 characters are enough
        ("f" * 64, "receipt-missing"),
    ):
        key, answer = captcha_answer(client.get(url).content.decode())
        html = client.post(url, {"tracker": code, "captcha_0": key, "captcha_1": answer}).content.decode()
        assert f'data-role="{marker}"' in html, code


def test_r2_downloads_hold_receipts_and_anonymous_ballots_only(client, tallied):
    election, staff = tallied
    _publish(election, staff)
    receipts = client.get(f"/results/{election.pk}/receipts.txt").content.decode().split()
    assert receipts == sorted(CastBallot.objects.values_list("tracker", flat=True))  # sorted, not in cast order
    data = json.loads(client.get(f"/results/{election.pk}/ballots.json").content)
    assert len(data["ballots"]) == 3 and not set(json.dumps(data).split('"')) & set(receipts)
    csv_text = client.get(f"/results/{election.pk}/ballots.csv").content.decode()
    assert csv_text.startswith("position_id,candidate_ids")
    assert client.get(f"/results/{election.pk}/ballots.xml").status_code == 404


def test_r3_public_audit_summary_lists_transitions_and_head_hash(client, tallied):
    election, staff = tallied
    _publish(election, staff)
    html = client.get(f"/results/{election.pk}/").content.decode()
    assert "election.force_close" in html and "election.tally" in html
    assert election.result.audit_head_hash in html


@pytest.fixture
def closed_with_votes():
    election, board, inspector, (a, *_), (x, _y) = open_election_with_ballot()
    _vote(election, {str(board.pk): [str(a.pk)], str(inspector.pk): [str(x.pk)]})
    staff = StaffFactory()
    election_transition(election_id=election.pk, transition="force_close", actor=staff, reason="آزمون")
    unseal(election)
    return election, staff


def test_r1_staff_tally_and_publish_from_the_admin(
    client, closed_with_votes, celery_eager, django_capture_on_commit_callbacks
):
    from election_pages.lifecycle.models import Election, ElectionState

    election, staff = closed_with_votes
    client.force_login(staff)
    base = f"/admin/elections/{election.pk}/transition"
    assert "شمارش آرا" in client.get(f"{base}/tally/").content.decode()  # confirmation step
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{base}/tally/", {"reason": ""})
    assert response.status_code == 302
    election = Election.objects.get(pk=election.pk)
    assert election.state == ElectionState.TALLIED and election.result.ballots == 1
    assert client.get(f"/results/{election.pk}/").status_code == 200  # staff review before release
    client.logout()
    assert client.get(f"/results/{election.pk}/").status_code == 404
    client.force_login(staff)
    client.post(f"{base}/publish_results/", {"reason": ""})
    assert Election.objects.get(pk=election.pk).state == ElectionState.PUBLISHED
    client.logout()
    assert client.get(f"/results/{election.pk}/").status_code == 200


def test_r1_tally_transition_cannot_skip_the_count(closed_with_votes):
    from election_pages.lifecycle.services import ElectionTransitionError

    election, staff = closed_with_votes
    with pytest.raises(ElectionTransitionError) as error:
        election_transition(election_id=election.pk, transition="tally", actor=staff)
    assert "نتیجه شمارش هنوز ذخیره نشده است" in str(error.value.messages)


def test_p6_history_and_election_page_link_to_published_results(
    client, portal, tallied, django_capture_on_commit_callbacks
):
    from tests.factories import election_page_for

    election, staff = tallied
    page = election_page_for(election)
    history = client.get("/election-history/").content.decode()
    assert f'data-election="{election.pk}"' in history
    assert 'data-role="results-link"' not in history  # tallied, not yet published
    assert 'data-role="results-link"' not in client.get(page.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # publishing invalidates the cached table
        _publish(election, staff)
    history = client.get("/election-history/").content.decode()
    assert f'href="/results/{election.pk}/" data-role="results-link"' in history
    assert "۳ رای" in history
    assert f'href="/results/{election.pk}/"' in client.get(page.url).content.decode()
