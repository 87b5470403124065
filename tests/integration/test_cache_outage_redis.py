"""Issue 13 «Degraded cache is not an outage», against a real Redis that the test starts on a
free port, kills with SIGKILL and starts again (the shared Redis on 6379 is never touched).

Up: pages are cached in Redis and the rate limits count there. Killed: public pages still
200 (built from the database), a form whose limits count in Redis says «سامانه موقتا در
دسترس نیست…» (503, it fails closed), the voting door still works (its login guard counts in
the database), a logged-in member and a voter mid-journey keep their sessions.
Restarted: the cache fills again and the limits count again, with no action by anyone.
"""

import shutil
import signal
import socket
import subprocess
import time

import pytest
import redis
from django.test import Client

from tests import services
from tests.conftest import captcha_answer, form_post
from tests.factories import MemberFactory, announced_election, election_page_for
from tests.voting_helpers import open_election_with_ballot, voter_for
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db

UNAVAILABLE = "سامانه موقتا در دسترس نیست؛ چند دقیقه بعد دوباره تلاش کنید."
PASSWORD = "Member2026pass"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    """A redis-server of this test only: no persistence, on its own port."""

    def __init__(self, binary: str, port: int, folder):
        self.command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.command += ["--daemonize", "no", "--dir", str(folder)]
        self.port = port
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        probe = redis.Redis(port=self.port, socket_connect_timeout=0.2)

        def answers() -> bool:
            try:
                return bool(probe.ping())
            except redis.ConnectionError:
                return False

        wait_until(answers, timeout=10, message="the test's redis-server did not start")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def keys(self, db: int, pattern: str = "*") -> list:
        return redis.Redis(port=self.port, db=db).keys(pattern)


@pytest.fixture
def own_redis(tmp_path):
    binary = shutil.which("redis-server")
    services.require("redis-server", binary is not None, "apt-get install redis-server (the test starts its own)")
    server = OwnRedis(binary, _free_port(), tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.kill()


@pytest.fixture
def cache_on(own_redis, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "cms_site.common.cache.DegradingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{own_redis.port}/0",
            # Try Redis again at once after a failure, so the test sees the recovery directly.
            "OPTIONS": {"RETRY_SECONDS": 0},
        }
    }
    settings.RATELIMIT_STORAGE_URI = f"redis://127.0.0.1:{own_redis.port}/1"
    return own_redis


def _voting_login(client, election, member):
    url = f"/voting/{election.pk}/"
    key, answer = captcha_answer(client.get(url).content.decode())
    return client.post(url, {"username": member.username, "password": PASSWORD, "captcha_0": key, "captcha_1": answer})


def _timed_get(client, path):
    started = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - started


def test_redis_killed_and_restarted_pages_stay_up_limits_fail_closed_sessions_survive(cache_on, portal, client):
    upcoming = announced_election(title="انتخابات در برابر خرابی")
    election, *_ = open_election_with_ballot()
    election_page_for(election, slug="outage-open")
    early_voter, late_voter = voter_for(election), voter_for(election)
    member = MemberFactory()
    member_client, voter_client, late_client = Client(), Client(), Client()

    # --- Redis up: pages are cached in it, the limits count in it.
    for path in ["/", "/upcoming-elections/", f"/upcoming-elections/election-{upcoming.pk}/candidates/"]:
        assert client.get(path).status_code == 200, path
    assert cache_on.keys(0, "*election_pages*"), "the public fragments are cached in this Redis"
    member_client.force_login(member)
    assert member_client.get("/accounts/me/").status_code == 200
    assert _voting_login(voter_client, election, early_voter).status_code == 302
    assert form_post(client, "/accounts/check/", {"national_code": "0012345679"}).status_code in (200, 302)
    assert cache_on.keys(1), "the national-code check was counted in this Redis"

    # --- Redis killed.
    cache_on.kill()
    for path in ["/", "/upcoming-elections/", "/en/", f"/upcoming-elections/election-{upcoming.pk}/candidates/"]:
        response, seconds = _timed_get(client, path)
        assert response.status_code == 200, path
        assert seconds < 5, f"{path} took {seconds:.1f}s"
    assert "انتخابات در برابر خرابی" in client.get("/upcoming-elections/").content.decode()
    refused = form_post(client, "/accounts/check/", {"national_code": "0012345679"})
    assert refused.status_code == 503 and UNAVAILABLE in refused.content.decode(), "the limit failed closed"
    assert _voting_login(late_client, election, late_voter).status_code == 302, "the login guard is in the database"
    page = member_client.get("/accounts/me/")
    assert page.status_code == 200 and member.first_name in page.content.decode(), "the member is still logged in"
    assert voter_client.get(f"/voting/{election.pk}/channel/").status_code == 200, "the voter's journey goes on"
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["cache"] == "down"

    # --- Redis back (empty: no persistence), nobody restarts the portal.
    cache_on.start()
    assert client.get("/upcoming-elections/").status_code == 200
    assert cache_on.keys(0, "*election_pages*"), "the cache fills again"
    assert form_post(client, "/accounts/check/", {"national_code": "0012345679"}).status_code in (200, 302)
    assert cache_on.keys(1), "the limits count again"
    assert client.get("/healthz").json()["cache"] == "ok"
