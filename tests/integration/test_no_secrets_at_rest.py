"""Issue 12: a whole election through the services, with the real key ceremony, leaves no
secret at rest on the server: not in the database, the cache (a real Redis), the broker's
queues, the logs, or any file under var/ and MEDIA_ROOT.

The secrets, all known to the test only:
- the supervisors' personal private keys (they live on the supervisors' computers);
- the election's share phrases, which the supervisors open from their sealed shares, and
  the election's private key, which the test rebuilds from two phrases as the supervisors
  do at the unsealing (raw, hex, base64);
- each voter's selections key, which only the voter's browser keeps;
- each voter's choices in the clear: nowhere before the unsealing, and never in the logs,
  the broker or a file (the unsealing writes the anonymous ballots, so the database and
  the cache may hold choices afterwards, never linked to a voter).

Redis: the cache of the PostgreSQL/Redis pass (CACHE_URL), otherwise this test's own
database on the local redis-server, which CI starts for both passes.
"""

import base64
import json
import logging
import os
import re
import secrets
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import redis
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.db import connection

from cms_site.celery import app as celery_app
from election_pages.lifecycle.models import ElectionState
from election_pages.lifecycle.services import election_transition
from election_pages.results.services import election_tally
from election_pages.secrecy import crypto
from election_pages.secrecy.models import ElectionSupervisor
from election_pages.secrecy.services import election_supervisors_set, supervisor_key_register
from election_pages.voting import services
from election_pages.voting.unsealing import election_unseal
from otp_delivery.gateways import sms
from tests import services as real_services
from tests.factories import CandidateFactory, ElectionFactory, MemberFactory, PositionFactory, StaffFactory
from tests.voting_helpers import sms_code, voter_for

pytestmark = pytest.mark.django_db

DEGRADING_REDIS = "cms_site.common.cache.DegradingRedisCache"
PRIVATE_CACHE_DB = 12  # this test's own Redis database when CACHE_URL names no Redis
MAX_FILE_BYTES = 20 * 1024 * 1024


# --- Where the server keeps things -------------------------------------------------------
@pytest.fixture
def redis_cache(settings):
    """A redis-py client on the Django cache's Redis database."""
    config = settings.CACHES["default"]
    private = config["BACKEND"] != DEGRADING_REDIS
    if private:
        local = urlparse(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379")
        url = f"redis://{local.hostname or '127.0.0.1'}:{local.port or 6379}/{PRIVATE_CACHE_DB}"
    else:
        url = config["LOCATION"] if isinstance(config["LOCATION"], str) else config["LOCATION"][0]
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)
    try:
        up = bool(client.ping())
    except redis.RedisError:
        up = False
    real_services.require("Redis", up, "start redis-server on 127.0.0.1:6379 (or set CACHE_URL=redis://...)")
    if private:
        client.flushdb()
        settings.CACHES = {"default": {"BACKEND": DEGRADING_REDIS, "LOCATION": url, "OPTIONS": {"RETRY_SECONDS": 0}}}
    # Positive control: what the portal caches is what this client reads.
    cache.set("no-secrets-at-rest-probe", "probe-value", 60)
    assert b"probe-value" in _redis_contents(client), "the client does not read the cache's Redis database"
    yield client
    if private:
        client.flushdb()


def _redis_contents(client) -> bytes:
    """Every key and value of one Redis database, whatever its type."""
    out = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        if kind == b"string":
            value = [client.get(key) or b""]
        elif kind == b"list":
            value = client.lrange(key, 0, -1)
        elif kind == b"hash":
            value = [b for pair in client.hgetall(key).items() for b in pair]
        elif kind == b"set":
            value = list(client.smembers(key))
        elif kind == b"zset":
            value = client.zrange(key, 0, -1)
        else:
            value = []
        out.append(key + b"\n" + b"\n".join(value))
    return _with_decoded_messages(b"\n".join(out))


def _with_decoded_messages(raw: bytes) -> bytes:
    """Kombu keeps a message's body base64-encoded inside its JSON: add the decoded bodies."""
    decoded = []
    for body in re.findall(rb'"body": ?"([A-Za-z0-9+/=]+)"', raw):
        try:
            decoded.append(base64.b64decode(body))
        except ValueError:
            pass
    return raw + b"\n" + b"\n".join(decoded)


def _broker_contents() -> bytes:
    """The messages waiting in the Celery broker's queues (Redis, memory or filesystem)."""
    url = celery_app.conf.broker_url or ""
    if url.startswith("redis://"):
        return _redis_contents(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5))
    if url.startswith("memory://"):
        from kombu.transport.memory import Channel

        return _with_decoded_messages(
            b"\n".join(json.dumps(m, default=str).encode() for q in Channel.queues.values() for m in list(q.queue))
        )
    folder = (celery_app.conf.broker_transport_options or {}).get("data_folder_in")
    return b"\n".join(p.read_bytes() for p in Path(folder).glob("*")) if folder else b""


def _database_contents() -> bytes:
    """Every row of every table, read with the test's own connection."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        out.append(bytes(value))
                    elif isinstance(value, (dict, list)):  # jsonb on PostgreSQL
                        out.append(json.dumps(value).encode())
                    else:
                        out.append(str(value).encode())
    return b"\n".join(out)


def _files_contents(since: float) -> bytes:
    """Every file under var/ (outboxes, broker folders, media) and MEDIA_ROOT written since
    the test began (older files are other runs'; every secret here is newer than that)."""
    out = []
    for root in {Path(settings.BASE_DIR) / "var", Path(settings.MEDIA_ROOT)}:
        for path in root.rglob("*"):
            try:
                if path.is_file() and path.stat().st_mtime >= since and path.stat().st_size <= MAX_FILE_BYTES:
                    out.append(path.read_bytes())
            except OSError:  # a file another process just removed
                pass
    return b"\n".join(out)


def _log_contents(caplog) -> bytes:
    """Every log record so far: message, arguments, extra fields and tracebacks."""
    return "\n".join(f"{r.getMessage()} {r.__dict__!r} {r.exc_text or ''}" for r in caplog.records).encode()


def _outboxes() -> bytes:
    """The messages the portal sent (codes and notices): they left the server, but they
    must not carry a secret either."""
    texts = [m.text for m in sms.outbox] + [f"{m.subject}\n{m.body}" for m in mail.outbox]
    return "\n".join(texts).encode()


# --- What must not be there --------------------------------------------------------------
def _key_forms(key: bytes) -> list[bytes]:
    b64 = base64.b64encode(key)
    urlsafe = base64.urlsafe_b64encode(key)
    return [key, key.hex().encode(), key.hex().upper().encode(), b64, b64.rstrip(b"="), urlsafe.rstrip(b"=")]


def _phrase_forms(phrase: str) -> list[bytes]:
    words = phrase.split()
    return [phrase.encode(), " ".join(words).encode(), json.dumps(words).encode(), ",".join(words).encode()]


def _words(data: bytes) -> str:
    """Text reduced to lowercase words separated by single spaces."""
    return " " + " ".join(re.findall(r"[a-z]+", data.decode("utf-8", "replace").lower())) + " "


def _phrase_runs(phrases: list[str], run: int = 6) -> set[str]:
    """Every run of six consecutive words of a phrase: a share leaked in pieces or in
    another format still shows such a run (SLIP-39 words are not ordinary text)."""
    return {" " + " ".join(w[i : i + run]) + " " for w in (p.split() for p in phrases) for i in range(len(w) - run + 1)}


def _choice_forms(choices: dict) -> list[bytes]:
    """A voter's choices as they would read in the clear: canonical JSON (what is sealed),
    Python's JSON compact or spaced in either key order, ids as numbers or strings."""
    forms = {crypto.ballot_json(choices)}
    items = [(key, sorted(ids)) for key, ids in choices.items()]  # the portal keeps ids sorted
    for order in (items, items[::-1]):
        for as_text in (False, True):
            data = {k: [str(v) for v in vs] if as_text else vs for k, vs in order}
            forms.add(json.dumps(data, separators=(",", ":")).encode())
            forms.add(json.dumps(data).encode())
    return sorted(forms)


def _assert_absent(where: str, haystack: bytes, needles: dict[str, list[bytes]]) -> None:
    for what, forms in needles.items():
        for form in forms:
            assert form not in haystack, f"{what} found in {where}"


# --- The election --------------------------------------------------------------------------
def _announced_election_with_ceremony(staff):
    """An announced election with no key yet (the factory would give it the test key), its
    ballot, and three supervisors with personal keys; threshold 2 runs the real ceremony."""
    election = ElectionFactory(
        state=ElectionState.ANNOUNCED, public_key="", key_fingerprint="", key_share_set=None, supervisor_threshold=2
    )
    # Random 9-digit ids, so a voter's choices as JSON are this test's and nobody else's.
    ids = iter(secrets.SystemRandom().sample(range(10**8, 10**9), 8))
    board = PositionFactory(id=next(ids), election=election, name="هیات مدیره", selection_limit=3, seats=3)
    inspector = PositionFactory(id=next(ids), election=election, name="بازرس", selection_limit=1, seats=1)
    board_candidates = [CandidateFactory(id=next(ids), position=board) for _ in range(4)]
    inspector_candidates = [CandidateFactory(id=next(ids), position=inspector) for _ in range(2)]
    supervisors, supervisor_private = [MemberFactory() for _ in range(3)], {}
    for user in supervisors:
        private, public = crypto.keypair_new()  # on the supervisor's own computer
        supervisor_key_register(user=user, public_key=crypto.b64(public))
        supervisor_private[user.pk] = private
    usernames = [user.username for user in supervisors]
    election = election_supervisors_set(election_id=election.pk, usernames=usernames, threshold=2, actor=staff)
    assert election.public_key and election.key_share_set is not None, "the ceremony did not run"
    return election, board, inspector, board_candidates, inspector_candidates, supervisor_private


def test_no_key_share_or_choice_at_rest_during_a_whole_election(
    redis_cache, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    started = time.time() - 2  # file times may be coarser than the clock
    staff = StaffFactory()
    election, board, inspector, bc, ic, supervisor_private = _announced_election_with_ceremony(staff)
    voters = [voter_for(election) for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):  # the announcement goes to the broker
        election_transition(election_id=election.pk, transition="open", actor=staff)

    # The supervisors open their sealed shares on their own computers.
    phrases = [
        crypto.share_open(bytes(s.sealed_share), supervisor_private=supervisor_private[s.user_id])
        for s in ElectionSupervisor.objects.filter(election=election).order_by("pk")
    ]
    election_private = crypto.key_combine(
        phrases[:2],
        identifier=election.key_share_set,
        threshold=2,
        public=crypto.unb64(election.public_key),
    )
    assert crypto.public_key_of(election_private) == crypto.unb64(election.public_key)
    secrets_ = {
        "the election's private key": _key_forms(election_private),
        **{f"share phrase {i + 1}": _phrase_forms(p) for i, p in enumerate(phrases)},
        **{f"supervisor {pk}'s private key": _key_forms(k) for pk, k in supervisor_private.items()},
    }
    runs = _phrase_runs(phrases)

    # Voting: four voters confirm, a fifth stops on the review page (selections stored).
    ballots = [
        {str(board.pk): [bc[0].pk, bc[1].pk], str(inspector.pk): [ic[0].pk]},
        {str(board.pk): [bc[2].pk], str(inspector.pk): [ic[1].pk]},
        {str(board.pk): [bc[0].pk, bc[2].pk, bc[3].pk], str(inspector.pk): []},
        {str(board.pk): [bc[1].pk, bc[3].pk], str(inspector.pk): [ic[0].pk]},
        {str(board.pk): [bc[3].pk], str(inspector.pk): [ic[1].pk]},
    ]
    keys = [crypto.selections_key_new() for _ in voters]
    for i, (member, choices, key) in enumerate(zip(voters, ballots, keys, strict=True)):
        session = services.ballot_session_start(election_id=election.pk, member=member)
        services.ballot_channel_choose(session_id=session.pk, member=member, channel="sms")
        services.ballot_select(session_id=session.pk, member=member, selections=choices, key=key)
        services.ballot_code_request(session_id=session.pk, member=member)
        if i < 4:
            services.ballot_confirm(session_id=session.pk, member=member, code=sms_code(), key=key)
    secrets_.update({f"voter {i + 1}'s selections key": _key_forms(k) for i, k in enumerate(keys)})
    choices_ = {f"voter {i + 1}'s choices": _choice_forms(c) for i, c in enumerate(ballots)}

    def check(stage: str, *, choices_may_be_stored: bool) -> None:
        places = {
            "the database": _database_contents(),
            "the cache": _redis_contents(redis_cache),
            "the broker": _broker_contents(),
            "the logs": _log_contents(caplog),
            "the files": _files_contents(started),
            "the sent messages": _outboxes(),
        }
        for where, haystack in places.items():
            _assert_absent(f"{where} ({stage})", haystack, secrets_)
            words = _words(haystack)
            assert not [r for r in runs if r in words], f"words of a share phrase in {where} ({stage})"
            if not (choices_may_be_stored and where in ("the database", "the cache")):
                _assert_absent(f"{where} ({stage})", haystack, choices_)

    check("voting", choices_may_be_stored=False)
    election_transition(election_id=election.pk, transition="force_close", actor=staff, reason="آزمون")
    check("closed", choices_may_be_stored=False)

    election_unseal(election_id=election.pk, phrases=phrases[1:], actor=staff)
    election_tally(election_id=election.pk, actor=staff)
    with django_capture_on_commit_callbacks(execute=True):  # the results notice goes to the broker
        election_transition(election_id=election.pk, transition="publish_results", actor=staff)
    check("published", choices_may_be_stored=True)

    # Positive controls: the searches see what they search.
    database = _database_contents()
    assert any(form in database for form in _choice_forms(ballots[0])), "the anonymous ballots hold the choices"
    sealed = ElectionSupervisor.objects.filter(election=election).values_list("sealed_share", flat=True)
    assert all(bytes(s) in database for s in sealed)
    logs = _log_contents(caplog)
    assert b"ballot box unsealed" in logs and b"key ceremony done" in logs
    assert b"notification_run_start_task" in _broker_contents(), "the notices' messages are in the broker"
