"""Playwright driving Debian's Chromium (/usr/bin/chromium); never `playwright install`.

Assert on the page with Playwright's auto-waiting `expect(locator).to_have_text(...)`,
`.to_be_visible()`, `.to_have_count(...)`: they retry until the page agrees or the
timeout below passes. A snapshot (`assert locator.is_visible()`, `inner_text() == ...`)
reads the page once, possibly before the navigation a click started has finished."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.services import require_chromium

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# (fixtures, lookups) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Playwright's default of 5 s is short for a live server and Chromium on a loaded machine.
expect.set_options(timeout=20_000)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def csp_violations_watch(page) -> list[str]:
    """Chromium reports each Content-Security-Policy refusal on the console; collect them.
    A refused script or style means a broken page (issue 13)."""
    violations: list[str] = []

    def on_console(message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    return violations


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="fa-IR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    violations = csp_violations_watch(page)
    yield page
    context.close()
    assert not violations, violations  # every browser journey runs under the real CSP


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(
        locale="fa-IR", viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    violations = csp_violations_watch(page)
    yield page
    context.close()
    assert not violations, violations


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
