"""Issue 6 "Done when": in Chromium, staff close, unseal (issue 12: two supervisors' share
phrases pasted on the supervision page), tally and publish an election in the Wagtail
admin; then a voter checks their ballot's tracker and finds the minutes and CSV (R1, R2)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from election_pages.lifecycle.models import Election, ElectionState
from election_pages.secrecy.models import ElectionSupervisor
from tests.factories import MemberFactory, StaffFactory
from tests.integration.test_tally import _vote
from tests.secrecy_helpers import TEST_PHRASES, TEST_THRESHOLD
from tests.voting_helpers import open_election_with_ballot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _transition(page, name: str):
    page.locator(f"[data-transition={name}]").click()
    page.locator("[data-role=confirm]").click()
    page.wait_for_selector("[data-role=election-state]")


def test_r1_r2_staff_close_tally_publish_then_voter_checks_receipt(
    chromium, live_server, portal, celery_eager, screenshot
):
    from captcha.models import CaptchaStore

    election, board, inspector, (a, b, c, d), (x, y) = open_election_with_ballot()
    tracker = _vote(election, {str(board.pk): [str(a.pk), str(b.pk)], str(inspector.pk): [str(x.pk)]})
    _vote(election, {str(board.pk): [str(a.pk)], str(inspector.pk): [str(y.pk)]})
    # Voting time is over (the scheduler would close it; here staff do, from the admin).
    now = timezone.now()
    Election.objects.filter(pk=election.pk).update(
        voting_starts_at=now - datetime.timedelta(hours=3), voting_ends_at=now - datetime.timedelta(minutes=1)
    )
    # The factory's election carries the test key (2 of 3) as if the ceremony had run; seat
    # its three supervisors too, so the unseal form offers one field per supervisor.
    for _ in range(3 - ElectionSupervisor.objects.filter(election=election).count()):
        ElectionSupervisor.objects.create(election=election, user=MemberFactory())
    staff = StaffFactory()
    base = live_server.url

    admin = chromium.new_context(locale="fa-IR", viewport={"width": 1280, "height": 900}).new_page()
    admin.goto(base + "/admin/login/")
    admin.fill("#id_username", staff.username)
    admin.fill("#id_password", "Member2026pass")
    key = admin.locator("input[name=captcha_0]").input_value()
    admin.fill("input[name=captcha_1]", CaptchaStore.objects.get(hashkey=key).response)
    admin.click("button[type=submit]")
    admin.wait_for_url("**/admin/")
    admin.goto(f"{base}/admin/elections/inspect/{election.pk}/")

    _transition(admin, "close")
    assert Election.objects.get(pk=election.pk).state == ElectionState.CLOSED

    # Issue 12: two of the three supervisors bring their share phrases; one request unseals.
    admin.locator("[data-role=supervision-link]").click()
    form = admin.locator("[data-role=unseal-form]")
    expect(form).to_be_visible()
    for index, phrase in enumerate(TEST_PHRASES[:TEST_THRESHOLD]):
        form.locator(f"textarea[name=share_{index}]").fill(phrase)
    form.locator("[data-role=unseal]").click()
    admin.wait_for_url(f"**/admin/elections/inspect/{election.pk}/")
    expect(admin.locator("[data-role=unsealed]")).to_be_visible()
    assert Election.objects.get(pk=election.pk).unsealed_ballots == 2

    _transition(admin, "tally")  # «شمارش آرا»: the Celery task runs eagerly in tests
    run = admin.locator("[data-role=tally-run]")
    expect(run).to_have_attribute("data-state", "done")
    expect(run).to_contain_text("شمارش پایان یافت", use_inner_text=True)
    expect(admin.locator("[data-role=election-state]")).to_contain_text("شمارش شده", use_inner_text=True)
    expect(admin.locator("[data-role=minutes-pdf]")).to_be_visible()
    screenshot(admin, "admin-tally-done")
    _transition(admin, "publish_results")  # «اعلام نتایج»
    assert Election.objects.get(pk=election.pk).state == ElectionState.PUBLISHED
    admin.context.close()

    voter = chromium.new_context(locale="fa-IR", viewport={"width": 360, "height": 740}, is_mobile=True).new_page()
    voter.goto(f"{base}/results/{election.pk}/receipts/")
    key = voter.locator("input[name=captcha_0]").get_attribute("value")
    voter.fill("input[name=tracker]", tracker)
    voter.fill("input[name=captcha_1]", CaptchaStore.objects.get(hashkey=key).response)
    voter.get_by_role("button", name="بررسی").click()
    expect(voter.locator("[data-role=receipt-counted]")).to_be_visible()
    screenshot(voter, "voter-receipt-counted")

    voter.get_by_role("link", name="بازگشت به نتایج").click()
    minutes, table = voter.locator("[data-role=minutes-pdf]"), voter.locator("[data-role=results-csv]")
    expect(minutes).to_be_visible()
    expect(table).to_be_visible()
    pdf = voter.request.get(base + minutes.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    csv_text = voter.request.get(base + table.get_attribute("href")).body().decode("utf-8")
    assert csv_text.startswith("\ufeff") and "هیات مدیره" in csv_text
    screenshot(voter, "voter-results-exports")
    voter.context.close()
