"""Shared fixtures: the demo portal, captcha solving, service checks."""

import re

import pytest

from tests import services


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests (marker `postgres`) run in the PostgreSQL pass; on SQLite they
    are deselected with a loud notice rather than skipped one by one."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("postgres") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
        services.MISSING.append(
            f"PostgreSQL — {len(deselected)} test(s) marked `postgres` not run on SQLite; "
            "run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal (CI does)"
        )


def pytest_terminal_summary(terminalreporter):
    if services.MISSING:
        bar = "!" * 78
        terminalreporter.write_line(bar, red=True, bold=True)
        terminalreporter.write_line(
            "Tests NOT RUN because a real service is missing or not configured:", red=True, bold=True
        )
        for line in sorted(set(services.MISSING)):
            terminalreporter.write_line(f"  - {line}", red=True)
        terminalreporter.write_line(bar, red=True, bold=True)


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in Persian, whatever language an earlier request activated."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Build the demo portal pages once into the test database; every test's rollback
    keeps them. Transactional tests flush the database; `portal` rebuilds it then."""
    from cms_site.demo.elections import portal_pages_build

    with django_db_blocker.unblock():
        portal_pages_build()


@pytest.fixture
def portal(db):
    """The demo portal pages (Persian tree and English translation); returns the home page."""
    from cms_site.demo.elections import portal_pages_build

    return portal_pages_build()


def captcha_answer(html: str) -> tuple[str, str]:
    """Read the captcha key from a rendered form and look its answer up, as a human reads
    the image. Returns (hashkey, response)."""
    from captcha.models import CaptchaStore

    match = re.search(r'name="captcha_0" value="([0-9a-f]+)"', html)
    assert match, "no captcha on the form"
    store = CaptchaStore.objects.get(hashkey=match.group(1))
    return store.hashkey, store.response


@pytest.fixture(autouse=True)
def _member_rate_limits_and_sms_outbox_reset():
    """Each test starts with fresh rate-limit counters and an empty SMS outbox."""
    from member_workflow.throttling import limits_reset
    from otp_delivery.gateways import sms

    limits_reset()
    sms.outbox.clear()
    yield


@pytest.fixture(autouse=True)
def _task_publish_backoff_reset():
    """After a failed publish a process leaves its tasks to the outbox relay for a moment
    (cms_site.common.queueing); no test inherits that moment from the one before."""
    from cms_site.common import queueing

    queueing._broker_down_until = 0.0


@pytest.fixture
def celery_eager():
    """Run Celery tasks in-process (tasks scheduled with delay_on_commit run at commit)."""
    from cms_site.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def form_post(client, url, data, *, follow=False):
    """GET the form, solve its captcha, POST `data` with the answer."""
    page = client.get(url)
    key, answer = captcha_answer(page.content.decode())
    return client.post(url, {**data, "captcha_0": key, "captcha_1": answer}, follow=follow)
