"""Shared fixtures: the demo portal, captcha solving, service checks."""

import re

import pytest

from tests import services


def pytest_terminal_summary(terminalreporter):
    if services.MISSING:
        bar = "!" * 78
        terminalreporter.write_line(bar, red=True, bold=True)
        terminalreporter.write_line(
            f"{len(services.MISSING)} test(s) SKIPPED because a real service is missing:", red=True, bold=True
        )
        for line in sorted(set(services.MISSING)):
            terminalreporter.write_line(f"  - {line}", red=True)
        terminalreporter.write_line(bar, red=True, bold=True)


@pytest.fixture
def portal(db):
    """The demo portal pages (Persian tree and English translation); returns the home page."""
    from election_pages.demo import portal_pages_build

    return portal_pages_build()


def captcha_answer(html: str) -> tuple[str, str]:
    """Read the captcha key from a rendered form and look its answer up, as a human reads
    the image. Returns (hashkey, response)."""
    from captcha.models import CaptchaStore

    match = re.search(r'name="captcha_0" value="([0-9a-f]+)"', html)
    assert match, "no captcha on the form"
    store = CaptchaStore.objects.get(hashkey=match.group(1))
    return store.hashkey, store.response
