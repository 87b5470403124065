"""P1, P2 in a real browser: RTL home page, the «انتخابات» menu, the language switch, a phone."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_p1_p2_home_in_chromium(page, live_server, portal, screenshot):
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    # The web font is our own static file, loaded without any CDN (checked once every
    # font load the page started has settled).
    assert page.evaluate("document.fonts.ready.then(() => document.fonts.check('16px Vazirmatn'))")

    menu = page.locator("[data-menu=elections]")
    expect(menu.locator(".top-menu__items")).to_be_hidden()
    menu.locator(".top-menu__label").hover()
    items = menu.locator(".top-menu__items a")
    expect(items).to_have_text(
        ["انتخابات پیش رو", "راهنمای شرکت در انتخابات", "تاریخچه انتخابات برگزار شده"], use_inner_text=True
    )

    side = page.locator(".side-menu__item")
    expect(side).to_have_count(8)
    yellow = page.locator(".side-menu__item--yellow")
    expect(yellow).to_have_text("ثبت نام عضو جدید در سامانه", use_inner_text=True)
    expect(yellow).to_have_css("background-color", "rgb(251, 192, 45)")
    purple = page.locator("[data-role=participate]")
    expect(purple).to_have_css("background-color", "rgb(106, 27, 154)")
    screenshot(page, "home-fa")

    items.first.click()
    page.wait_for_url("**/upcoming-elections/")
    expect(page.locator("h1")).to_have_text("انتخابات پیش رو", use_inner_text=True)


def test_language_switch_in_chromium(page, live_server, portal, screenshot):
    page.goto(live_server.url + "/participation-guide/")
    page.locator("[data-role=language-switch]").click()
    page.wait_for_url("**/en/participation-guide/")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("h1")).to_have_text("How to take part in an election", use_inner_text=True)
    screenshot(page, "guide-en")
    page.locator("[data-role=language-switch]").click()
    page.wait_for_url(live_server.url + "/participation-guide/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


def test_home_fits_a_360px_phone(phone, live_server, portal, screenshot):
    phone.goto(live_server.url + "/")
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a 360-px phone"
    # Side menu and content stack; the purple button is a comfortable tap target.
    button = phone.locator("[data-role=participate]").bounding_box()
    assert button["height"] >= 44
    phone.locator(".top-menu__label").tap()
    dropdown = phone.locator(".top-menu__items")
    expect(dropdown).to_be_visible()
    box = dropdown.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, f"the open menu leaves the screen: {box}"
    screenshot(phone, "home-phone")
