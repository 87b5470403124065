"""A3 on PostgreSQL: the beat task run on several workers at once opens (and closes) each
election exactly once — the services lock the row and re-check the state."""

import datetime

import pytest
from django.utils import timezone

from cms_site.audit.models import AuditEntry
from election_pages.lifecycle.models import Election, ElectionState
from election_pages.lifecycle.services import elections_schedule_run
from tests.concurrency import in_threads
from tests.factories import AssociationFactory, CandidateFactory, ElectionFactory, PositionFactory, approved_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKERS = 6


def _run_concurrently(target):
    outcomes = in_threads(WORKERS, lambda i: target(), timeout=60)
    assert all(kind == "ok" for kind, _value in outcomes), outcomes


def _ready(**fields):
    association = AssociationFactory()
    approved_member(association)
    election = ElectionFactory(association=association, state=ElectionState.ANNOUNCED, **fields)
    CandidateFactory(position=PositionFactory(election=election))
    return election


def test_a3_concurrent_beat_runs_open_each_election_once():
    now = timezone.now()
    elections = [
        _ready(voting_starts_at=now - datetime.timedelta(minutes=1), voting_ends_at=now + datetime.timedelta(hours=1))
        for _ in range(3)
    ]
    _run_concurrently(elections_schedule_run)
    states = set(Election.objects.filter(pk__in=[e.pk for e in elections]).values_list("state", flat=True))
    assert states == {ElectionState.OPEN}
    assert AuditEntry.objects.filter(action="election.open").count() == 3


def test_a3_concurrent_beat_runs_close_each_election_once():
    now = timezone.now()
    election = ElectionFactory(
        state=ElectionState.OPEN,
        voting_starts_at=now - datetime.timedelta(hours=2),
        voting_ends_at=now - datetime.timedelta(seconds=30),
    )
    _run_concurrently(elections_schedule_run)
    election.refresh_from_db()
    assert election.state == ElectionState.CLOSED
    assert AuditEntry.objects.filter(action="election.close").count() == 1


def test_a3_concurrent_beat_run_and_chain_stays_valid():
    from cms_site.audit.selectors import audit_chain_verify

    now = timezone.now()
    _ready(voting_starts_at=now - datetime.timedelta(minutes=1), voting_ends_at=now + datetime.timedelta(hours=1))
    _run_concurrently(elections_schedule_run)
    assert audit_chain_verify().is_intact
