"""Issue 13 «Degraded cache is not an outage» without a Redis server: the cache and the
rate-limit store point at a port where nothing listens (127.0.0.1:1).

- public pages are built from the database, not a 500;
- the rate limits fail closed with «سامانه موقتا در دسترس نیست…» (503), not a 500;
- sessions are in the database, so a logged-in member stays logged in.
The same with a real Redis killed and restarted: test_cache_outage_redis.py.
"""

import logging

import pytest
from django.core.cache import cache

from cms_site.common import cache as degrading
from cms_site.common.cache import DegradingRedisCache
from election_pages.lifecycle import cache as election_cache
from election_pages.lifecycle.models import ElectionState
from tests.conftest import captcha_answer, form_post
from tests.factories import AssociationFactory, MemberFactory, announced_election, election_page_for
from tests.voting_helpers import open_election_with_ballot, voter_for

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"
UNAVAILABLE = "سامانه موقتا در دسترس نیست؛ چند دقیقه بعد دوباره تلاش کنید."


@pytest.fixture(autouse=True)
def _fresh_outages():
    degrading._OUTAGES.clear()
    yield
    degrading._OUTAGES.clear()


@pytest.fixture
def dead_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "cms_site.common.cache.DegradingRedisCache", "LOCATION": DEAD_REDIS},
    }


@pytest.fixture
def dead_limits(settings):
    settings.RATELIMIT_STORAGE_URI = DEAD_REDIS


def test_a_dead_redis_is_a_miss_and_writes_are_dropped_with_one_log_line(caplog):
    backend = DegradingRedisCache(DEAD_REDIS, {"OPTIONS": {"RETRY_SECONDS": 0}})
    with caplog.at_level(logging.WARNING, logger="cms_site.common.cache"):
        assert backend.get("k") is None
        assert backend.get("k", "fallback") == "fallback"
        assert backend.get_many(["a", "b"]) == {}
        assert backend.has_key("k") is False
        assert backend.add("k", 1) is False
        backend.set("k", 1)
        assert backend.set_many({"a": 1, "b": 2}) == ["a", "b"]
        assert backend.get_or_set("k", lambda: "built") == "built"
        assert backend.delete("k") is False
        backend.delete_many(["a"])
        with pytest.raises(ValueError):
            backend.incr("k")
    assert backend.is_degraded
    outage_lines = [r for r in caplog.records if r.getMessage() == "cache unavailable; pages are built without it"]
    assert len(outage_lines) == 1, "logged once per outage, not once per call"
    assert DEAD_REDIS not in caplog.text


def test_after_a_failure_redis_is_not_asked_again_until_the_retry_time(monkeypatch):
    backend = DegradingRedisCache(DEAD_REDIS, {"OPTIONS": {"RETRY_SECONDS": 60}})
    assert backend.get("k") is None
    calls = []
    monkeypatch.setattr(backend._cache, "get", lambda *args: calls.append(args))
    assert backend.get("k") is None
    assert calls == [], "inside the retry window the dead server costs nothing"


def test_a_slow_redis_has_a_short_timeout_by_default():
    backend = DegradingRedisCache(DEAD_REDIS, {})
    assert backend._options["socket_timeout"] <= 1 and backend._options["socket_connect_timeout"] <= 1
    assert "RETRY_SECONDS" not in backend._options


def test_redis_cache_urls_get_the_degrading_backend():
    from cms_site.settings.base import degrading_cache

    redis = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://h:6379/1"}
    assert degrading_cache(redis)["BACKEND"] == "cms_site.common.cache.DegradingRedisCache"
    locmem = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    assert degrading_cache(locmem) == locmem


def test_public_pages_are_built_from_the_database_when_the_cache_is_down(client, portal, dead_cache):
    election = announced_election(title="انتخابات بی‌کش")
    for path in ["/", "/upcoming-elections/", "/election-history/", "/en/", "/api/v1/elections/"]:
        response = client.get(path)
        assert response.status_code == 200, path
    assert "انتخابات بی‌کش" in client.get("/upcoming-elections/").content.decode()
    assert client.get(f"/upcoming-elections/election-{election.pk}/").status_code == 200
    assert client.get(f"/api/v1/elections/{election.pk}/candidates/").status_code == 200


def test_health_still_reports_the_cache_down(client, dead_cache):
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["cache"] == "down"


def test_rate_limited_forms_fail_closed_with_a_persian_503(client, portal, dead_limits):
    for path, data in [
        ("/accounts/check/", {"national_code": "0012345679"}),
        ("/accounts/status/", {"national_code": "0012345679"}),
        ("/accounts/password/forgot/", {"national_code": "0012345679", "option": "sms"}),
    ]:
        response = form_post(client, path, data)
        assert response.status_code == 503, path
        assert UNAVAILABLE in response.content.decode()
        assert response["Retry-After"]


def test_voting_login_keeps_its_guard_in_the_database_when_the_limits_store_is_down(client, portal, dead_limits):
    # The login guard (member_workflow.services.logins) counts in the database, not in the
    # limits' store: with that store down the voting door still checks and counts, so the
    # rightful voter gets in and a wrong password is still refused and counted.
    from member_workflow.models import LoginThrottle

    election, *_ = open_election_with_ballot()
    election_page_for(election)
    member = voter_for(election)
    url = f"/voting/{election.pk}/"
    key, answer = captcha_answer(client.get(url).content.decode())
    wrong = client.post(url, {"username": member.username, "password": "wrong", "captcha_0": key, "captcha_1": answer})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    assert LoginThrottle.objects.filter(failures__gt=0).exists()
    key, answer = captcha_answer(client.get(url).content.decode())
    response = client.post(
        url, {"username": member.username, "password": "Member2026pass", "captcha_0": key, "captcha_1": answer}
    )
    assert response.status_code == 302 and response["Location"].endswith("/channel/")
    assert client.session["_auth_user_id"] == str(member.pk)


def test_a_logged_in_member_stays_logged_in_when_the_cache_is_down(client, portal, dead_cache, settings):
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    member = MemberFactory()
    client.force_login(member)
    response = client.get("/accounts/me/")
    assert response.status_code == 200 and member.first_name in response.content.decode()


def test_a_generation_bump_lost_in_an_outage_is_stored_once_the_cache_answers(monkeypatch):
    """Invalidation during an outage is remembered and stored at the next render, so a
    Redis that comes back with its old contents cannot serve fragments from before it."""
    cache.set(election_cache.GENERATION_KEY, 5, timeout=None)
    with monkeypatch.context() as outage:
        outage.setattr(cache, "incr", lambda *a, **k: (_ for _ in ()).throw(ValueError("cache unavailable")))
        outage.setattr(cache, "add", lambda *a, **k: False)
        election_cache.election_cache_invalidate()
    assert election_cache._bump_pending
    assert election_cache.election_cache_generation() == 6
    assert not election_cache._bump_pending
    assert election_cache.election_cache_generation() == 6


def test_an_open_election_page_renders_with_the_cache_down(client, portal, dead_cache):
    election, *_ = open_election_with_ballot(association=AssociationFactory())
    page = election_page_for(election, slug="open-no-cache")
    assert election.state == ElectionState.OPEN
    for suffix in ["", "candidates/", "participate/"]:
        assert client.get(page.url + suffix).status_code == 200, suffix
