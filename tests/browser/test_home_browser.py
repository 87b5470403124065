"""P1, P2 in a real browser: RTL home page, the «انتخابات» menu, the language switch, a phone."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_p1_p2_home_in_chromium(page, live_server, portal, screenshot):
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "fa"
    # The web font is our own static file, loaded without any CDN.
    assert page.evaluate("document.fonts.check('16px Vazirmatn')")

    menu = page.locator("[data-menu=elections]")
    assert not menu.locator(".top-menu__items").is_visible()
    menu.locator(".top-menu__label").hover()
    items = menu.locator(".top-menu__items a")
    assert items.all_inner_texts() == ["انتخابات پیش رو", "راهنمای شرکت در انتخابات", "تاریخچه انتخابات برگزار شده"]

    side = page.locator(".side-menu__item")
    assert side.count() == 8
    yellow = page.locator(".side-menu__item--yellow")
    assert yellow.inner_text() == "ثبت نام عضو جدید در سامانه"
    assert yellow.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(251, 192, 45)"
    purple = page.locator("[data-role=participate]")
    assert purple.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(106, 27, 154)"
    screenshot(page, "home-fa")

    items.first.click()
    page.wait_for_url("**/upcoming-elections/")
    assert page.locator("h1").inner_text() == "انتخابات پیش رو"


def test_language_switch_in_chromium(page, live_server, portal, screenshot):
    page.goto(live_server.url + "/participation-guide/")
    page.locator("[data-role=language-switch]").click()
    page.wait_for_url("**/en/participation-guide/")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator("h1").inner_text() == "How to take part in an election"
    screenshot(page, "guide-en")
    page.locator("[data-role=language-switch]").click()
    page.wait_for_url(live_server.url + "/participation-guide/")
    assert page.locator("html").get_attribute("dir") == "rtl"


def test_home_fits_a_360px_phone(phone, live_server, portal, screenshot):
    phone.goto(live_server.url + "/")
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a 360-px phone"
    # Side menu and content stack; the purple button is a comfortable tap target.
    button = phone.locator("[data-role=participate]").bounding_box()
    assert button["height"] >= 44
    phone.locator(".top-menu__label").tap()
    dropdown = phone.locator(".top-menu__items")
    assert dropdown.is_visible()
    box = dropdown.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, f"the open menu leaves the screen: {box}"
    screenshot(phone, "home-phone")
