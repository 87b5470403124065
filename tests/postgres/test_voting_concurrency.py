"""V7 on PostgreSQL with real threads, each on its own database connection: one member,
one vote, whatever arrives at the same moment."""

import threading

import pytest
from django.db import connection, transaction

from election_pages.lifecycle.models import Election
from election_pages.voting import services
from election_pages.voting.errors import VotingError, VotingNotOpen
from election_pages.voting.models import BallotSession, BallotSessionState, CastBallot, Participation
from otp_delivery.exceptions import OtpError
from tests.concurrency import in_threads
from tests.secrecy_helpers import TEST_SELECTIONS_KEY
from tests.voting_helpers import open_election_with_ballot, sms_code, voter_for
from tests.waiting import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REFUSED = (VotingError, OtpError)


def _ready_session(election, member, board, candidates, channel="sms"):
    session = services.ballot_session_start(election_id=election.pk, member=member)
    services.ballot_channel_choose(session_id=session.pk, member=member, channel=channel)
    services.ballot_select(session_id=session.pk, member=member, selections={board.pk: [candidates[0].pk]}, key=TEST_SELECTIONS_KEY)
    shown = services.ballot_code_request(session_id=session.pk, member=member)
    return session, shown


def test_v7_fifty_concurrent_confirmations_of_one_ballot_give_exactly_one_vote():
    election, board, _inspector, bc, _ic = open_election_with_ballot()
    member = voter_for(election)
    session, _ = _ready_session(election, member, board, bc)
    code = sms_code()
    outcomes = in_threads(
        50, lambda i: services.ballot_confirm(session_id=session.pk, member=member, code=code, key=TEST_SELECTIONS_KEY), refused=REFUSED
    )
    assert not [o for o in outcomes if o[0] == "crash"], outcomes
    assert [o[0] for o in outcomes].count("ok") == 1, outcomes
    assert {o[1] for o in outcomes if o[0] == "refused"} <= {"AlreadyVoted", "OtpAlreadyUsed"}
    assert Participation.objects.filter(election=election, member=member).count() == 1
    assert CastBallot.objects.filter(election=election).count() == 1


def test_v7_one_member_two_ballots_in_two_tabs_at_once_gives_exactly_one_vote():
    """Two live sessions (as two logins racing could make) confirmed at the same moment by
    the third channel: the participation constraint lets exactly one through."""
    election, board, _inspector, bc, _ic = open_election_with_ballot()
    member = voter_for(election, mobile="09121230000")
    first, first_code = _ready_session(election, member, board, bc, channel="inbound_sms")
    second = BallotSession.objects.create(election=election, member=member, expires_at=first.expires_at)
    services.ballot_channel_choose(session_id=second.pk, member=member, channel="inbound_sms")
    services.ballot_select(session_id=second.pk, member=member, selections={board.pk: [bc[1].pk]}, key=TEST_SELECTIONS_KEY)
    second_code = services.ballot_code_request(session_id=second.pk, member=member)
    for code in (first_code, second_code):
        assert services.ballot_inbound_code_accept(sender_mobile=member.mobile, code=code) == "accepted"
    sessions = [first, second]
    outcomes = in_threads(
        2, lambda i: services.ballot_confirm_received(session_id=sessions[i].pk, member=member, key=TEST_SELECTIONS_KEY), refused=REFUSED
    )
    assert not [o for o in outcomes if o[0] == "crash"], outcomes
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"], outcomes
    assert [o[1] for o in outcomes if o[0] == "refused"] == ["AlreadyVoted"]
    assert Participation.objects.filter(election=election, member=member).count() == 1
    assert CastBallot.objects.filter(election=election).count() == 1
    states = set(BallotSession.objects.filter(member=member).values_list("state", flat=True))
    assert BallotSessionState.CONFIRMED in states


def _someone_waits_for_my_lock() -> bool:
    """True once another session of the server waits for a lock this connection holds
    (pg_locks is read live; pg_stat_activity would be a snapshot frozen for the transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid)))"
        )
        return cursor.fetchone()[0]


def test_v1_confirmation_arriving_just_after_close_is_refused():
    """The close holds the election row FOR UPDATE; the confirmation waits for it (its FOR
    SHARE lock) and then sees the election closed. The close commits only once the
    server reports the confirmation blocked on its lock."""
    election, board, _inspector, bc, _ic = open_election_with_ballot()
    member = voter_for(election)
    session, _ = _ready_session(election, member, board, bc)
    code = sms_code()
    locked = threading.Event()
    outcome = {}

    def close():
        try:
            with transaction.atomic():
                Election.objects.select_for_update().get(pk=election.pk)
                locked.set()
                wait_until(_someone_waits_for_my_lock, message="the confirmation to wait for the close's lock")
                Election.objects.filter(pk=election.pk).update(state="closed")
        except AssertionError as exc:
            outcome["close failed"] = str(exc)
        finally:
            connection.close()

    def confirm():
        locked.wait(10)
        try:
            outcome["receipt"] = services.ballot_confirm(session_id=session.pk, member=member, code=code, key=TEST_SELECTIONS_KEY)
        except VotingNotOpen as exc:
            outcome["refused"] = str(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=close), threading.Thread(target=confirm)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert "refused" in outcome, outcome
    assert not Participation.objects.exists() and not CastBallot.objects.exists()
