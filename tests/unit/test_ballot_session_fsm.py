"""The BallotSession FSM owns every state of the ballot (V3–V6), every ballot rule is a
service that raises a typed error (V4), and `ballot_session_resume` refuses a page exactly
as the step it leads to would (V1, M10, M5)."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed

from election_pages.voting import services
from election_pages.voting.errors import (
    AlreadyVoted,
    BallotNotStarted,
    NotAMember,
    PasswordIsNationalCode,
    SessionExpired,
    SessionWrongStep,
    VotingNotOpen,
)
from election_pages.voting.models import BallotSession, BallotSessionState, CastBallot, ConfirmChannel
from member_workflow.models import Membership, MembershipState
from tests.factories import MemberFactory
from tests.otp_helpers import Clock
from tests.secrecy_helpers import TEST_SELECTIONS_KEY, sole_ballot_choices
from tests.voting_helpers import mail_code, open_election_with_ballot, sms_code, voter_for

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
        session.reselect(selections_sealed=b"sealed")
        assert (session.state, session.selections_sealed, session.inbound_code_digest) == (state, b"sealed", "d")
    with pytest.raises(TransitionNotAllowed):
        _session(election, member, state=S.SELECTED, channel="sms").reselect(selections_sealed=b"")


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
        session = _session(election, member, state=state, channel="inbound_sms", selections_sealed=b"sealed")
        getattr(session, seal)()
        assert (session.state, session.selections_sealed) == (S.CONFIRMED, None)


def test_v6_code_received_is_live_and_can_expire_or_be_abandoned(ballot):
    election, member = ballot
    for leave, target in (("expire", S.EXPIRED), ("abandon", S.ABANDONED), ("choose_channel", S.DRAFT)):
        session = _session(election, member, state=S.CODE_RECEIVED, channel="inbound_sms", selections_sealed=b"sealed")
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
    shown = services.ballot_submit(session_id=session.pk, member=member, selections=picks, key=TEST_SELECTIONS_KEY)
    return session, shown


def test_v4_choosing_candidates_before_a_channel_is_a_wrong_step():
    election, board, *_r, bc, _ic = open_election_with_ballot()
    member = voter_for(election)
    session = services.ballot_session_start(election_id=election.pk, member=member)
    with pytest.raises(SessionWrongStep):
        services.ballot_select(session_id=session.pk, member=member, selections={board.pk: [bc[0].pk]}, key=TEST_SELECTIONS_KEY)
    session.refresh_from_db()
    assert session.state == S.DRAFT and session.selections_sealed is None


def test_v5_inbound_sms_puts_the_session_in_code_received_and_going_back_keeps_it():
    election, board, inspector, bc, ic = open_election_with_ballot()
    member = voter_for(election, mobile="09121110001")
    session, shown = _to_code(election, member, "inbound_sms", {board.pk: [bc[0].pk]})
    assert services.ballot_inbound_code_accept(sender_mobile=member.mobile, code=shown) == "accepted"
    session.refresh_from_db()
    assert session.state == S.CODE_RECEIVED and session.inbound_code_digest == ""
    with pytest.raises(SessionWrongStep):  # the code arrived: nothing to send again
        services.ballot_code_request(session_id=session.pk, member=member)
    assert services.ballot_submit(session_id=session.pk, member=member, selections={inspector.pk: [ic[1].pk]}, key=TEST_SELECTIONS_KEY) == ""
    session.refresh_from_db()
    assert session.state == S.CODE_RECEIVED
    services.ballot_confirm_received(session_id=session.pk, member=member, key=TEST_SELECTIONS_KEY)
    assert sole_ballot_choices() == {str(board.pk): [], str(inspector.pk): [ic[1].pk]}


def test_v5_switching_to_email_after_the_sms_arrived_needs_the_email_code():
    election, board, *_r, bc, _ic = open_election_with_ballot()
    member = voter_for(election, mobile="09121110002")
    session, shown = _to_code(election, member, "inbound_sms", {board.pk: [bc[0].pk]})
    services.ballot_inbound_code_accept(sender_mobile=member.mobile, code=shown)
    services.ballot_code_switch_to_email(session_id=session.pk, member=member)
    session.refresh_from_db()
    assert (session.state, session.channel) == (S.CODE_SENT, ConfirmChannel.EMAIL)
    with pytest.raises(SessionWrongStep):
        services.ballot_confirm_received(session_id=session.pk, member=member, key=TEST_SELECTIONS_KEY)
    services.ballot_confirm(session_id=session.pk, member=member, code=mail_code(), key=TEST_SELECTIONS_KEY)
    assert CastBallot.objects.count() == 1


def test_m5_the_voting_door_refuses_a_password_equal_to_the_national_code(ballot):
    election, member = ballot
    member.set_password(member.national_code)
    member.save()
    with pytest.raises(PasswordIsNationalCode) as info:
        services.ballot_session_start(election_id=election.pk, member=member)
    assert "کلمه عبور شما برابر کد ملی است" in str(info.value)
    with pytest.raises(PasswordIsNationalCode):  # the login form passes the typed password
        services.ballot_session_start(election_id=election.pk, member=member, raw_password=member.national_code)
    assert not BallotSession.objects.exists()
    other = voter_for(election)
    assert services.ballot_session_start(election_id=election.pk, member=other, raw_password="Member2026pass")


# ------------------------------------------------------------------ resume = the steps' checks


def _resume(election, member, session):
    return services.ballot_session_resume(election_id=election.pk, member=member, session_id=session.pk)


def _select(election, member, session):
    return services.ballot_select(session_id=session.pk, member=member, selections={}, key=TEST_SELECTIONS_KEY)


def _raised(call, *args):
    try:
        call(*args)
    except Exception as exc:  # noqa: BLE001 — the class is what is compared
        return type(exc)
    return None


@pytest.mark.parametrize(
    ("closed", "suspended", "expired", "expected"),
    [
        (True, True, True, VotingNotOpen),  # V1 first
        (False, True, True, NotAMember),  # then M10
        (False, False, True, SessionExpired),  # then the session
        (False, False, False, None),
    ],
)
def test_v1_m10_resume_refuses_as_the_step_would_in_one_order(closed, suspended, expired, expected):
    election, board, *_r, bc, _ic = open_election_with_ballot(
        voting_ends_at=timezone.now() + datetime.timedelta(minutes=50)
    )
    member = voter_for(election)
    with Clock() as clock:
        session = services.ballot_session_start(election_id=election.pk, member=member)
        services.ballot_channel_choose(session_id=session.pk, member=member, channel="email")
        if suspended:
            Membership.objects.filter(member=member).update(state=MembershipState.SUSPENDED)
        if closed:
            clock.advance(minutes=55)
        elif expired:
            clock.advance(minutes=31)
        assert _raised(_resume, election, member, session) is expected
        assert _raised(_select, election, member, session) is expected


def test_v6_resume_after_the_vote_says_already_voted_with_or_without_the_session(ballot):
    election, member = ballot
    session, _shown = _to_code(election, member, "sms", {})
    services.ballot_confirm(session_id=session.pk, member=member, code=sms_code(), key=TEST_SELECTIONS_KEY)
    with pytest.raises(AlreadyVoted):
        _resume(election, member, session)
    with pytest.raises(AlreadyVoted):  # this browser forgot the session after the seal
        services.ballot_session_resume(election_id=election.pk, member=member, session_id=None)


def test_v2_resume_without_a_ballot_session_sends_to_the_voting_login(ballot):
    from django.contrib.auth.models import AnonymousUser

    election, member = ballot
    other_election, *_ = open_election_with_ballot(association=election.association)
    elsewhere = services.ballot_session_start(election_id=other_election.pk, member=member)
    for who, session_id in ((member, None), (AnonymousUser(), None), (member, elsewhere.pk), (member, "junk")):
        with pytest.raises(BallotNotStarted) as info:
            services.ballot_session_resume(election_id=election.pk, member=who, session_id=session_id)
    assert str(info.value) == "برای شرکت در انتخابات ابتدا با کد ملی و کلمه عبور وارد شوید."
    stranger = MemberFactory()
    mine = services.ballot_session_start(election_id=election.pk, member=member)
    with pytest.raises(BallotNotStarted):  # another member's session is not found
        services.ballot_session_resume(election_id=election.pk, member=stranger, session_id=mine.pk)
    assert _resume(election, member, mine).pk == mine.pk
