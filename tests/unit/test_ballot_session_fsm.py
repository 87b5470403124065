"""The BallotSession FSM owns every state of the ballot (V3–V6); the services ask it which
step a session may take."""

import pytest
from django.db import transaction
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed

from election_pages.voting import services
from election_pages.voting.errors import (
    SessionWrongStep,
)
from election_pages.voting.models import BallotSession, BallotSessionState, ConfirmChannel, SealedBallot
from tests.voting_helpers import mail_code, open_election_with_ballot, voter_for

pytestmark = pytest.mark.django_db

S = BallotSessionState


def _session(election, member, state=S.DRAFT, channel="", **fields) -> BallotSession:
    """A session put in `state` directly (the field is protected: through the queryset)."""
    session = BallotSession.objects.create(
        election=election, member=member, channel=channel, expires_at=election.voting_ends_at, **fields
    )
    BallotSession.objects.filter(pk=session.pk).update(state=state)
    return BallotSession.objects.get(pk=session.pk)


@pytest.fixture
def ballot():
    election, board, inspector, bc, ic = open_election_with_ballot()
    return election, voter_for(election, mobile="09121231234")


# ------------------------------------------------------------------ the machine itself


def test_v6_state_is_protected_and_every_transition_has_a_label(ballot):
    election, member = ballot
    session = _session(election, member)
    with pytest.raises(AttributeError):
        session.state = S.CONFIRMED
    for transition in session.get_all_state_transitions():
        assert transition.custom.get("label"), f"{transition.name} has no label"


@pytest.mark.parametrize(
    ("state", "channel", "allowed"),
    [
        (S.DRAFT, "", []),  # V3 before V4: no channel, no ballot
        (S.DRAFT, "sms", ["select"]),
        (S.SELECTED, "sms", ["select"]),
        (S.CODE_SENT, "sms", ["reselect"]),
        (S.CODE_RECEIVED, "inbound_sms", ["reselect"]),
        (S.CONFIRMED, "sms", []),
        (S.EXPIRED, "sms", []),
        (S.ABANDONED, "sms", []),
    ],
)
def test_v6_choosing_candidates_is_select_before_the_code_and_reselect_after(ballot, state, channel, allowed):
    election, member = ballot
    session = _session(election, member, state=state, channel=channel)
    assert [name for name in ("select", "reselect") if can_proceed(getattr(session, name))] == allowed


def test_v6_reselect_keeps_the_session_where_it_was(ballot):
    """Going back after the code went out replaces the selections; the code stays valid."""
    election, member = ballot
    for state, channel in ((S.CODE_SENT, "sms"), (S.CODE_RECEIVED, "inbound_sms")):
        session = _session(election, member, state=state, channel=channel, inbound_code_digest="d")
        session.reselect(selections={"1": [2]})
        assert (session.state, session.selections, session.inbound_code_digest) == (state, {"1": [2]}, "d")
    with pytest.raises(TransitionNotAllowed):
        _session(election, member, state=S.SELECTED, channel="sms").reselect(selections={})


def test_v5_receive_code_is_the_third_channel_only_and_uses_the_code_once(ballot):
    election, member = ballot
    session = _session(election, member, state=S.CODE_SENT, channel="inbound_sms", inbound_code_digest="d")
    session.receive_code()
    assert session.state == S.CODE_RECEIVED and session.is_code_received and session.inbound_code_digest == ""
    for state, channel in ((S.CODE_SENT, "sms"), (S.CODE_SENT, "email"), (S.SELECTED, "inbound_sms")):
        with pytest.raises(TransitionNotAllowed):
            _session(election, member, state=state, channel=channel).receive_code()


def test_v5_switch_to_email_assigns_the_channel_and_drops_a_third_channel_code(ballot):
    election, member = ballot
    for state in (S.CODE_SENT, S.CODE_RECEIVED):
        session = _session(election, member, state=state, channel="inbound_sms", inbound_code_digest="d")
        session.switch_to_email()
        assert (session.state, session.channel, session.inbound_code_digest) == (S.CODE_SENT, "email", "")
    for state in (S.DRAFT, S.SELECTED, S.CONFIRMED):
        with pytest.raises(TransitionNotAllowed):
            _session(election, member, state=state, channel="sms").switch_to_email()


def test_v6_a_typed_code_seals_from_code_sent_an_inbound_sms_from_code_received(ballot):
    election, member = ballot
    assert not can_proceed(_session(election, member, state=S.CODE_RECEIVED, channel="inbound_sms").confirm)
    assert not can_proceed(_session(election, member, state=S.CODE_SENT, channel="inbound_sms").confirm_received)
    for state, seal in ((S.CODE_SENT, "confirm"), (S.CODE_RECEIVED, "confirm_received")):
        session = _session(election, member, state=state, channel="inbound_sms", selections={"1": [2]})
        getattr(session, seal)()
        assert (session.state, session.selections) == (S.CONFIRMED, {})


def test_v6_code_received_is_live_and_can_expire_or_be_abandoned(ballot):
    election, member = ballot
    for leave, target in (("expire", S.EXPIRED), ("abandon", S.ABANDONED), ("choose_channel", S.DRAFT)):
        session = _session(election, member, state=S.CODE_RECEIVED, channel="inbound_sms", selections={"1": [2]})
        assert session.is_live and session.has_code
        kwargs = {"channel": "sms"} if leave == "choose_channel" else {}
        getattr(session, leave)(**kwargs)
        assert session.state == target and not session.is_code_received


def test_v7_concurrent_transitions_of_one_session_cannot_both_be_saved(ballot):
    election, member = ballot
    session = _session(election, member, state=S.CODE_SENT, channel="inbound_sms")
    first, second = BallotSession.objects.get(pk=session.pk), BallotSession.objects.get(pk=session.pk)
    first.receive_code()
    first.save()
    second.switch_to_email()
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        second.save()
    assert BallotSession.objects.get(pk=session.pk).state == S.CODE_RECEIVED


# ------------------------------------------------------------------ the services apply it


def _to_code(election, member, channel, picks):
    session = services.ballot_session_start(election_id=election.pk, member=member)
    services.ballot_channel_choose(session_id=session.pk, member=member, channel=channel)
    services.ballot_select(session_id=session.pk, member=member, selections=picks)
    return session, services.ballot_code_request(session_id=session.pk, member=member)


def test_v4_choosing_candidates_before_a_channel_is_a_wrong_step():
    election, board, *_r, bc, _ic = open_election_with_ballot()
    member = voter_for(election)
    session = services.ballot_session_start(election_id=election.pk, member=member)
    with pytest.raises(SessionWrongStep):
        services.ballot_select(session_id=session.pk, member=member, selections={board.pk: [bc[0].pk]})
    session.refresh_from_db()
    assert session.state == S.DRAFT and session.selections == {}


def test_v5_inbound_sms_puts_the_session_in_code_received_and_going_back_keeps_it():
    election, board, inspector, bc, ic = open_election_with_ballot()
    member = voter_for(election, mobile="09121110001")
    session, shown = _to_code(election, member, "inbound_sms", {board.pk: [bc[0].pk]})
    assert services.ballot_inbound_code_accept(sender_mobile=member.mobile, code=shown) == "accepted"
    session.refresh_from_db()
    assert session.state == S.CODE_RECEIVED and session.inbound_code_digest == ""
    with pytest.raises(SessionWrongStep):  # the code arrived: nothing to send again
        services.ballot_code_request(session_id=session.pk, member=member)
    services.ballot_select(session_id=session.pk, member=member, selections={inspector.pk: [ic[1].pk]})
    session.refresh_from_db()
    assert session.state == S.CODE_RECEIVED
    services.ballot_confirm_received(session_id=session.pk, member=member)
    assert SealedBallot.objects.get().choices == {str(board.pk): [], str(inspector.pk): [ic[1].pk]}


def test_v5_switching_to_email_after_the_sms_arrived_needs_the_email_code():
    election, board, *_r, bc, _ic = open_election_with_ballot()
    member = voter_for(election, mobile="09121110002")
    session, shown = _to_code(election, member, "inbound_sms", {board.pk: [bc[0].pk]})
    services.ballot_inbound_code_accept(sender_mobile=member.mobile, code=shown)
    services.ballot_code_switch_to_email(session_id=session.pk, member=member)
    session.refresh_from_db()
    assert (session.state, session.channel) == (S.CODE_SENT, ConfirmChannel.EMAIL)
    with pytest.raises(SessionWrongStep):
        services.ballot_confirm_received(session_id=session.pk, member=member)
    services.ballot_confirm(session_id=session.pk, member=member, code=mail_code())
    assert SealedBallot.objects.count() == 1
