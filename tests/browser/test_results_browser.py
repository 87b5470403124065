"""R1/R2 in Chromium: a voter reads the published results on a phone and checks a receipt."""

import pytest
from playwright.sync_api import expect

from election_pages.lifecycle.services import election_transition
from election_pages.results.services import election_tally
from election_pages.voting.models import CastBallot
from tests.factories import StaffFactory
from tests.integration.test_tally import _vote
from tests.secrecy_helpers import unseal
from tests.voting_helpers import open_election_with_ballot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_r1_r2_results_and_receipt_on_a_phone(phone, live_server, portal, screenshot):
    from captcha.models import CaptchaStore

    election, board, inspector, (a, b, c, d), (x, y) = open_election_with_ballot()
    for picks in ({board.pk: [a.pk, b.pk], inspector.pk: [x.pk]}, {board.pk: [a.pk], inspector.pk: [y.pk]}):
        _vote(election, {str(k): [str(v) for v in vs] for k, vs in picks.items()})
    staff = StaffFactory()
    election_transition(election_id=election.pk, transition="force_close", actor=staff, reason="آزمون")
    unseal(election)
    election_tally(election_id=election.pk, actor=staff)
    election_transition(election_id=election.pk, transition="publish_results", actor=staff)

    phone.goto(f"{live_server.url}/results/{election.pk}/")
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    expect(phone.locator("[data-role=turnout]")).to_be_visible()
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    screenshot(phone, "results-phone")

    phone.get_by_role("link", name="بررسی کد پیگیری برگه رای").click()
    receipt = CastBallot.objects.filter(election=election).values_list("tracker", flat=True).first()
    key = phone.locator("input[name=captcha_0]").get_attribute("value")
    phone.fill("input[name=tracker]", receipt)
    phone.fill("input[name=captcha_1]", CaptchaStore.objects.get(hashkey=key).response)
    phone.get_by_role("button", name="بررسی").click()
    expect(phone.locator("[data-role=receipt-counted]")).to_be_visible()
    screenshot(phone, "receipt-phone")
