"""Migration 0009 turns the third channel's `is_code_received` flag into the BallotSession
state `code_received` and back, keeping every waiting voter where they were (V5)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from election_pages.voting.models import BallotSession, BallotSessionState
from tests.voting_helpers import open_election_with_ballot, voter_for

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("election_pages", "0008_approved_members_at_close")]
AFTER = [("election_pages", "0009_ballot_session_code_received")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def _rows(columns: str) -> dict:
    table = BallotSession._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {columns} FROM {table}")  # noqa: S608 — constant names
        return {str(row[0]).replace("-", ""): tuple(row[1:]) for row in cursor.fetchall()}


def _session(election, state, channel):
    session = BallotSession.objects.create(
        election=election, member=voter_for(election), channel=channel, expires_at=election.voting_ends_at
    )
    BallotSession.objects.filter(pk=session.pk).update(state=state)
    return session.pk.hex


def test_v5_received_inbound_code_survives_the_migration_both_ways():
    election, *_ = open_election_with_ballot()
    received = _session(election, BallotSessionState.CODE_RECEIVED, "inbound_sms")
    waiting = _session(election, BallotSessionState.CODE_SENT, "inbound_sms")
    sealed = _session(election, BallotSessionState.CONFIRMED, "sms")
    try:
        _migrate(BEFORE)
        assert _rows("state, is_code_received") == {
            received: ("code_sent", True),
            waiting: ("code_sent", False),
            sealed: ("confirmed", False),
        }
        _migrate(AFTER)
        assert _rows("state") == {received: ("code_received",), waiting: ("code_sent",), sealed: ("confirmed",)}
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("election_pages"))
