"""P3, P5, V1 in Chromium: from the home page's «شرکت در انتخابات» to the open demo election,
its candidates, a résumé PDF and the participation view; and the same pages on a phone."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_elections(portal):
    from cms_site.demo.elections import demo_elections_build
    from cms_site.demo.members import demo_staff_build

    return demo_elections_build(staff=demo_staff_build())


def test_p3_p5_v1_home_to_open_election_candidates_resume_and_participation(
    page, live_server, demo_elections, screenshot
):
    open_election = demo_elections["open"]
    page.goto(live_server.url + "/")
    clicks = 0

    page.locator("[data-role=participate]").click()
    clicks += 1
    page.wait_for_url("**/upcoming-elections/")
    expect(page.locator("h1")).to_have_text("انتخابات پیش رو", use_inner_text=True)
    rows = page.locator("[data-role=upcoming-elections] tbody tr")
    expect(rows).to_have_count(2)  # the announced and the open one; never the draft or the past one
    row = page.locator(f'tr[data-election="{open_election.pk}"]')
    expect(row).to_contain_text("در حال رای‌گیری", use_inner_text=True)
    screenshot(page, "elections-upcoming")

    row.get_by_role("link", name="ورود به صفحه انتخابات").click()
    clicks += 1
    page.wait_for_url("**/upcoming-elections/medical-informatics-board/")
    assert clicks <= 3, "the open demo election is at most three clicks from home"
    expect(page.locator(".election-association")).to_contain_text(
        "انجمن علمی انفورماتیک پزشکی ایران", use_inner_text=True
    )
    # A Jalali date in Persian digits: at least one of ۰-۹ and a "/".
    expect(page.locator("[data-role=voting-starts]")).to_have_text(
        re.compile(r"^(?=.*[۰۱۲۳۴۵۶۷۸۹])(?=.*/)", re.DOTALL), use_inner_text=True
    )
    screenshot(page, "election-intro")

    page.locator("[data-role=candidates-link]").click()
    page.wait_for_url("**/medical-informatics-board/candidates/")
    last_names = ["بابایی", "پاکزاد", "جعفری", "چگینی", "ژیان", "گودرزی"]
    expect(page.locator(".position").first.locator(".candidate-card__name")).to_have_text(
        [re.compile(rf"(^|\s){last}$") for last in last_names], use_inner_text=True
    )
    expect(page.locator(".position").nth(1).locator("h3")).to_have_text("بازرس", use_inner_text=True)
    photo = page.locator(".candidate-card__photo").first
    expect(photo).to_have_js_property("complete", True)
    expect(photo).not_to_have_js_property("naturalWidth", 0)  # complete and empty: a broken image
    screenshot(page, "election-candidates")

    resume = page.locator("[data-role=resume]").first
    href = resume.get_attribute("href")
    response = page.request.get(live_server.url + href)
    assert response.status == 200
    assert response.body().startswith(b"%PDF")
    with page.expect_download() as download_info:
        resume.click(modifiers=["Alt"])  # Alt-click asks Chromium to save the link
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"

    page.locator("[data-role=participate-link]").click()
    page.wait_for_url("**/medical-informatics-board/participate/")
    status = page.locator("[data-role=participate-status]")
    expect(status).to_have_attribute("data-status", "open")
    expect(status).to_contain_text("هم‌اکنون باز است", use_inner_text=True)
    screenshot(page, "election-participate")


def test_p3_p5_election_pages_fit_a_360px_phone(phone, live_server, demo_elections, screenshot):
    def no_sideways_scroll():
        overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a 360-px phone"

    phone.goto(live_server.url + "/upcoming-elections/")
    no_sideways_scroll()
    enter = phone.get_by_role("link", name="ورود به صفحه انتخابات").first
    assert enter.bounding_box()["height"] >= 44
    screenshot(phone, "elections-upcoming-phone")
    phone.goto(live_server.url + "/upcoming-elections/medical-informatics-board/candidates/")
    no_sideways_scroll()
    for selector in ("[data-role=participate-link]", "[data-role=resume]"):
        box = phone.locator(selector).first.bounding_box()
        assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 360
    screenshot(phone, "election-candidates-phone")
    phone.locator("[data-role=participate-link]").tap()
    phone.wait_for_url("**/participate/")
    no_sideways_scroll()
    expect(phone.locator("[data-role=participate-status]")).to_have_attribute("data-status", "open")
    screenshot(phone, "election-participate-phone")
