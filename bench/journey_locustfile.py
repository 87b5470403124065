"""Locust users of the voting-journey benchmark; started by bench/journey_bench.py, which
passes the run's configuration in the JSON file named by $BENCH_JOURNEY_CONFIG.

Each user takes the next voter from the list and walks the whole journey as a browser
would, then takes the next voter, until none is left:

    1 GET the voting login page, 1 GET its captcha image, 2 POST national code + password
    + captcha, 3 GET/POST the channel page (SMS), 4 GET/POST the ballot (the POST queues
    the code), 5 GET the review page, wait for the SMS the Celery worker writes to the
    `file` backend's outbox, 6 POST the code («ثبت رای»), GET the thank-you page and read
    the receipt.

Every request is its own locust entry (redirects are not followed, so each step is timed
alone). The captcha answer is read from django-simple-captcha's table by the image's key,
as the test suite does ("as a human reads the image"): the server still generates,
renders, checks and deletes every challenge. Each voter's connections leave from a
loopback address of its own (127.1.x.y), so the per-IP rate limits see distinct voters.
Codes are never logged; the summary keeps counts, times and receipts only.
"""

import json
import os
import random
import re
import time
from pathlib import Path

import gevent
import psycopg
from gevent.lock import Semaphore
from locust import HttpUser, constant, events, task
from locust.clients import HttpSession
from locust.exception import StopUser
from urllib3 import PoolManager

CONFIG = json.loads(Path(os.environ["BENCH_JOURNEY_CONFIG"]).read_text(encoding="utf-8"))
THANKS = "با تشکر از توجه شما، رای شما با موفقیت ثبت شد."
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CAPTCHA_KEY = re.compile(r'name="captcha_0" value="([0-9a-f]+)"')
CAPTCHA_IMAGE = re.compile(r'<img src="([^"]+)"[^>]*class="captcha__image"')
CHECKBOX = re.compile(r'type="checkbox" name="position_(\d+)" value="(\d+)"')
RECEIPT = re.compile(r'data-role="receipt">([^<]+)<')
SMS_CODE = re.compile(r"\b(\d{6})\b")

_voters = iter(CONFIG["voters"])
_summary = {"completed": 0, "failed": 0, "receipts": [], "journeys": [], "code_waits": [], "errors": []}
_db_lock = Semaphore()
_db = {"conn": None}


class JourneyFailed(Exception):
    pass


class SmsOutbox:
    """Tails the `file` SMS backend's outbox (one JSON object a line) and keeps the codes
    by recipient mobile, read once each."""

    def __init__(self, path: str):
        self.path = Path(path)
        self.offset = 0
        self.codes: dict[str, list[str]] = {}

    def _read(self) -> None:
        if not self.path.exists():
            return
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            data = handle.read()
        complete = data[: data.rfind(b"\n") + 1]
        self.offset += len(complete)
        for line in complete.decode("utf-8").splitlines():
            message = json.loads(line)
            match = SMS_CODE.search(message["text"])
            if match:
                self.codes.setdefault(message["to"], []).append(match.group(1))

    def take(self, mobile: str) -> str | None:
        self._read()
        codes = self.codes.get(mobile)
        return codes.pop(0) if codes else None


_outbox = SmsOutbox(CONFIG["sms_file"])


def captcha_answer(key: str) -> str:
    with _db_lock:
        if _db["conn"] is None:
            _db["conn"] = psycopg.connect(
                CONFIG["database_url"], autocommit=True, application_name="journey-bench-client"
            )
        row = _db["conn"].execute("SELECT response FROM captcha_captchastore WHERE hashkey = %s", [key]).fetchone()
    if row is None:
        raise JourneyFailed("captcha challenge not in the database")
    return row[0]


@events.test_start.add_listener
def _watch_for_the_end(environment, **_kwargs):
    """Stop the run once every voter's journey has ended, whatever its outcome."""

    def watch():
        while _summary["completed"] + _summary["failed"] < len(CONFIG["voters"]):
            gevent.sleep(0.2)
        environment.runner.quit()

    gevent.spawn(watch)


@events.quitting.add_listener
def _write_summary(environment, **_kwargs):
    """The journeys and every step's figures, from locust's own statistics (complete at
    this point, unlike the CSV file written on a timer)."""
    _summary["steps"] = [
        {
            "name": entry.name,
            "method": entry.method,
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50": entry.get_response_time_percentile(0.5),
            "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99),
            "mean": entry.avg_response_time,
        }
        for entry in sorted(environment.stats.entries.values(), key=lambda e: e.name)
    ]
    Path(CONFIG["summary_file"]).write_text(json.dumps(_summary), encoding="utf-8")


class Voter(HttpUser):
    wait_time = constant(0)

    def _session(self, voter) -> HttpSession:
        pool = PoolManager(source_address=(voter["source_ip"], 0), maxsize=2)
        return HttpSession(
            base_url=self.host, request_event=self.environment.events.request, user=self, pool_manager=pool
        )

    def _get(self, session, url, name, *, expect=200, location=None):
        return self._call(session.get, url, name, expect=expect, location=location)

    def _post(self, session, url, name, data, *, expect=302, location=None):
        return self._call(session.post, url, name, expect=expect, location=location, data=data)

    @staticmethod
    def _call(method, url, name, *, expect, location, **kwargs):
        with method(url, name=name, allow_redirects=False, catch_response=True, **kwargs) as response:
            if response.status_code != expect:
                response.failure(f"{name}: HTTP {response.status_code}, expected {expect}")
                raise JourneyFailed(f"{name}: HTTP {response.status_code}")
            if location and not response.headers.get("Location", "").endswith(location):
                response.failure(f"{name}: redirected to {response.headers.get('Location')!r}")
                raise JourneyFailed(f"{name}: wrong redirect")
            response.success()
            return response

    @staticmethod
    def _token(html: str) -> str:
        match = CSRF.search(html)
        if not match:
            raise JourneyFailed("no CSRF token on the page")
        return match.group(1)

    @task
    def journey(self):
        voter = next(_voters, None)
        if voter is None:
            raise StopUser()
        session = self._session(voter)
        started = time.time()
        try:
            receipt, code_wait = self._walk(session, voter)
        except Exception as exc:  # noqa: BLE001 - any error loses this voter's vote: count it, go on
            _summary["failed"] += 1
            _summary["errors"].append(f"{type(exc).__name__}: {exc}"[:300])
        else:
            _summary["completed"] += 1
            _summary["receipts"].append(receipt)
            _summary["journeys"].append([started, time.time()])
            _summary["code_waits"].append(code_wait)
        finally:
            session.close()

    def _walk(self, session, voter) -> tuple[str, float]:
        base = CONFIG["start_path"]
        page = self._get(session, base, "1 GET login page").text
        key_match, image_match = CAPTCHA_KEY.search(page), CAPTCHA_IMAGE.search(page)
        if not (key_match and image_match):
            raise JourneyFailed("no captcha on the login page")
        self._get(session, image_match.group(1), "1 GET captcha image")
        key = key_match.group(1)
        login = {
            "csrfmiddlewaretoken": self._token(page),
            "username": voter["national_code"],
            "password": CONFIG["password"],
            "captcha_0": key,
            "captcha_1": captcha_answer(key),
        }
        self._post(session, base, "2 POST login (password + captcha)", login, location="/channel/")

        page = self._get(session, base + "channel/", "3 GET channel page").text
        self._post(
            session,
            base + "channel/",
            "3 POST channel (SMS)",
            {"csrfmiddlewaretoken": self._token(page), "channel": "sms"},
            location="/ballot/",
        )

        page = self._get(session, base + "ballot/", "4 GET ballot").text
        by_position: dict[str, list[str]] = {}
        for position_id, candidate_id in CHECKBOX.findall(page):
            by_position.setdefault(position_id, []).append(candidate_id)
        if set(by_position) != set(CONFIG["limits"]):
            raise JourneyFailed("the ballot does not show the election's positions")
        ballot = {"csrfmiddlewaretoken": self._token(page)}
        for position_id, candidates in by_position.items():
            limit = CONFIG["limits"][position_id]
            ballot[f"position_{position_id}"] = random.sample(candidates, random.randint(1, limit))
        self._post(session, base + "ballot/", "4 POST ballot (queues the code)", ballot, location="/review/")
        code_requested = time.time()

        page = self._get(session, base + "review/", "5 GET review").text
        # The voter reads the review page, then the SMS: only the wait left after the page
        # has arrived is the worker's share of the journey's time.
        review_shown = time.time()
        code = None
        while code is None:
            code = _outbox.take(voter["mobile"])
            if code is None:
                if time.time() - code_requested > CONFIG["code_timeout_seconds"]:
                    raise JourneyFailed("no SMS code in the outbox in time")
                gevent.sleep(0.02)
        code_wait = time.time() - code_requested
        self.environment.events.request.fire(
            request_type="WAIT",
            name="5 wait for the SMS after the review page",
            response_time=(time.time() - review_shown) * 1000,
            response_length=0,
            exception=None,
            context={},
        )

        self._post(
            session,
            base + "review/",
            "6 POST confirm code («ثبت رای»)",
            {"csrfmiddlewaretoken": self._token(page), "code": code},
            location="/done/",
        )
        page = self._get(session, base + "done/", "6 GET thank-you + receipt").text
        receipt = RECEIPT.search(page)
        if THANKS not in page or not receipt:
            raise JourneyFailed("the thank-you page has no thanks or no receipt")
        return receipt.group(1).strip(), code_wait
