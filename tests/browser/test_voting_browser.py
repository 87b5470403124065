"""The whole voting journey in Chromium, once per channel (V2–V6): login, channel, ballot,
review, going back to change the ballot, «ثبت رای», thanks with the receipt, and a second
attempt after voting. On a 360-px phone for the SMS channel."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from election_pages.voting.models import CastBallot, Participation
from otp_delivery.gateways import sms
from tests.factories import election_page_for
from tests.otp_helpers import run_deliveries
from tests.secrecy_helpers import sole_ballot_choices
from tests.voting_helpers import open_election_with_ballot, voter_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Member2026pass"
THANKS = "با تشکر از توجه شما، رای شما با موفقیت ثبت شد."
CODE = re.compile(r"\b(\d{6})\b")


def _captcha(page) -> str:
    from captcha.models import CaptchaStore

    key = page.locator("input[name=captcha_0]").input_value()
    return CaptchaStore.objects.get(hashkey=key).response


def _login(page, member):
    page.fill("input[name=username]", member.username)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=captcha_1]", _captcha(page))
    page.locator("[data-step=login] button[type=submit]").click()


def _pick(page, candidate):
    page.locator(f"input[data-role=candidate][value='{candidate.pk}']").check()


def _journey(page, live_server, screenshot, channel, name):
    election, board, inspector, bc, ic = open_election_with_ballot()
    election_page = election_page_for(election)
    member = voter_for(election, mobile="09121112233")

    page.goto(live_server.url + election_page.url + "participate/")
    page.locator("[data-role=ballot-start]").click()
    page.wait_for_selector("[data-step=login]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    _login(page, member)

    page.wait_for_selector("[data-step=channel]")
    expect(page.locator("[data-role=sms-warning]")).to_contain_text("پیامک های تبلیغاتی", use_inner_text=True)
    page.locator(f"input[data-role=channel-{channel}]").check()
    screenshot(page, f"voting-{name}-channel")
    page.locator("[data-step=channel] form.voting-channels button[type=submit]").click()

    page.wait_for_selector("[data-step=ballot]")
    expect(page.locator(".ballot-position legend")).to_have_text(
        ["انتخاب هیات مدیره (حداکثر ۳ نفر)", "انتخاب بازرس (۱ نفر)"], use_inner_text=True
    )
    for candidate in bc:  # over the limit: a clear error, nothing kept
        _pick(page, candidate)
    page.locator("[data-role=ballot-submit]").click()
    page.wait_for_selector("[data-role=ballot-error]")
    expect(page.locator("[data-role=ballot-error]")).to_contain_text("حداکثر ۳ نفر", use_inner_text=True)
    _pick(page, bc[0])
    _pick(page, ic[0])
    screenshot(page, f"voting-{name}-ballot")
    page.locator("[data-role=ballot-submit]").click()

    page.wait_for_selector("[data-step=review]")
    expect(page.locator("[data-role=summary]")).to_contain_text(bc[0].full_name, use_inner_text=True)

    # Back to the ballot, change the choice, review again (V6).
    page.locator("[data-role=back-to-ballot]").click()
    page.wait_for_selector("[data-step=ballot]")
    page.locator(f"input[data-role=candidate][value='{ic[0].pk}']").uncheck()
    _pick(page, ic[1])
    page.locator("[data-role=ballot-submit]").click()
    page.wait_for_selector("[data-step=review]")
    summary = page.locator("[data-role=summary]")
    expect(summary).to_contain_text(ic[1].full_name, use_inner_text=True)
    expect(summary).not_to_contain_text(ic[0].full_name, use_inner_text=True)
    screenshot(page, f"voting-{name}-review")

    if channel == "inbound_sms":
        from cms_site.common.digits import normalize_digits
        from member_workflow.services.inbound_sms import inbound_sms_dispatch

        shown = normalize_digits(page.locator("[data-role=inbound-code]").inner_text()).strip()
        assert inbound_sms_dispatch(sender="09350000000", text=shown).outcome == "no_match"
        assert inbound_sms_dispatch(sender=member.mobile, text=shown).outcome == "accepted"
        page.wait_for_selector("[data-step=done]", timeout=15000)  # the page polls, then seals
    else:
        run_deliveries()
        text = sms.outbox[-1].text if channel == "sms" else mail.outbox[-1].body
        page.fill("input[name=code]", CODE.search(text).group(1))
        page.locator("[data-role=confirm]").dblclick()  # a double click: one vote
        page.wait_for_selector("[data-step=done]")

    expect(page.locator("[data-role=thanks]")).to_have_text(THANKS, use_inner_text=True)
    receipt = page.locator("[data-role=receipt]").get_attribute("data-tracker")
    ballot = CastBallot.objects.get(election=election)
    assert ballot.tracker == receipt
    assert sole_ballot_choices() == {str(board.pk): [bc[0].pk], str(inspector.pk): [ic[1].pk]}
    screenshot(page, f"voting-{name}-done")

    # A second attempt after voting: told so, nothing changes.
    page.goto(live_server.url + f"/voting/{election.pk}/")
    if page.locator("[data-step=login]").count():
        _login(page, member)
    page.wait_for_selector("[data-role=already-voted]")
    assert Participation.objects.filter(election=election).count() == 1
    assert CastBallot.objects.filter(election=election).count() == 1


def test_v2_v6_journey_by_email_in_chromium(page, live_server, portal, screenshot):
    _journey(page, live_server, screenshot, "email", "email")


def test_v2_v6_journey_by_sms_on_a_phone(phone, live_server, portal, screenshot):
    _journey(phone, live_server, screenshot, "sms", "sms-phone")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360


def test_v5_journey_by_sms_to_the_system_in_chromium(page, live_server, portal, screenshot):
    _journey(page, live_server, screenshot, "inbound_sms", "inbound")
