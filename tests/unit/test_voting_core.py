"""The voting services (V1, V4–V7) and the sealed ballot's anonymity (V7)."""

import datetime
import hashlib

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone, translation

from cms_site.audit.models import AuditEntry
from election_pages.voting import services
from election_pages.voting.errors import (
    AlreadyVoted,
    ChannelUnavailable,
    InvalidBallot,
    MalformedBallot,
    NotAMember,
    OverLimit,
    SelectionsUnreadable,
    SessionExpired,
    UnknownCandidate,
    UnknownPosition,
    VotingNotOpen,
)
from election_pages.voting.models import AnonymousBallot, BallotSessionState, CastBallot, Participation
from member_workflow.models import MembershipState
from otp_delivery.exceptions import OtpNoChallenge, OtpWrongCode
from tests.factories import ElectionFactory, MemberFactory, MembershipFactory
from tests.otp_helpers import Clock
from tests.secrecy_helpers import TEST_SELECTIONS_KEY, sole_ballot_choices
from tests.voting_helpers import mail_code, open_election_with_ballot, sms_code, voter_for

pytestmark = pytest.mark.django_db


def _to_review(election, member, channel="sms", picks=None):
    session = services.ballot_session_start(election_id=election.pk, member=member)
    services.ballot_channel_choose(session_id=session.pk, member=member, channel=channel)
    services.ballot_select(session_id=session.pk, member=member, selections=picks or {}, key=TEST_SELECTIONS_KEY)
    shown = services.ballot_code_request(session_id=session.pk, member=member)
    return session, shown


# ------------------------------------------------------------------ anonymity (V7)

ALLOWED_ANONYMOUS_FIELDS = {"id", "election", "election_id", "choices"}
ALLOWED_CAST_FIELDS = {"id", "election", "election_id", "ciphertext", "tracker"}


@pytest.mark.parametrize(
    ("model", "allowed"), [(AnonymousBallot, ALLOWED_ANONYMOUS_FIELDS), (CastBallot, ALLOWED_CAST_FIELDS)]
)
def test_anonymous_ballot_has_no_link_to_the_voter(model, allowed):
    """Fails if anyone adds a field or a relation to the anonymous or the cast ballot (or
    points one at them): no member, no timestamp, no session, no sequence."""
    fields = model._meta.get_fields(include_hidden=True)
    names = {f.name for f in fields} | {getattr(f, "attname", f.name) for f in fields}
    assert names <= allowed, f"new field(s) on {model.__name__}: {names - allowed}"
    relations = [f for f in fields if f.is_relation]
    assert [f.name for f in relations] == ["election"], f"{model.__name__} may only relate to its election"
    assert isinstance(model._meta.pk, models.UUIDField)
    assert not any(isinstance(f, models.DateTimeField | models.DateField | models.TimeField) for f in fields)
    # Nothing anywhere points at a ballot (a session, a participation, an audit row...).
    from django.apps import apps

    for other in apps.get_models(include_auto_created=True):
        for field in other._meta.get_fields(include_hidden=True):
            is_reverse_of_own_fk = getattr(getattr(field, "field", None), "model", None) is model
            if other is not model and field.is_relation and field.related_model is model:
                if is_reverse_of_own_fk:
                    continue
                pytest.fail(f"{other.__name__}.{field.name} links to {model.__name__}")
    with pytest.raises(FieldDoesNotExist):
        model._meta.get_field("member")


def test_v7_confirm_stores_only_the_sealed_ballot_and_its_tracker_and_erases_the_session():
    election, board, inspector, bc, ic = open_election_with_ballot()
    member = voter_for(election)
    picks = {board.pk: [bc[0].pk, bc[2].pk], inspector.pk: [ic[1].pk]}
    session, _ = _to_review(election, member, picks=picks)
    tracker = services.ballot_confirm(session_id=session.pk, member=member, code=sms_code(), key=TEST_SELECTIONS_KEY)
    ballot = CastBallot.objects.get()
    assert ballot.tracker == tracker == hashlib.sha256(bytes(ballot.ciphertext)).hexdigest()
    # No plaintext anywhere: the choices open only with the election's private key.
    assert not AnonymousBallot.objects.exists()
    assert sole_ballot_choices() == {str(board.pk): sorted([bc[0].pk, bc[2].pk]), str(inspector.pk): [ic[1].pk]}
    session.refresh_from_db()
    assert session.state == BallotSessionState.CONFIRMED
    assert session.selections_sealed is None and session.inbound_code_digest == ""
    assert Participation.objects.filter(election=election, member=member).count() == 1
    # The audit trail says a vote was cast, never what, with which code or which tracker.
    entry = AuditEntry.objects.filter(action="ballot.confirm").get()
    assert set(entry.payload) == {"election_id", "channel"} and tracker not in str(entry.payload)
    assert not AuditEntry.objects.filter(target_id=str(ballot.pk)).exists()


def test_v7_every_sealed_ballot_of_an_election_has_the_same_length():
    """A ciphertext's length says nothing about how many candidates were chosen."""
    election, board, inspector, bc, ic = open_election_with_ballot()
    for picks in ({}, {board.pk: [bc[0].pk, bc[1].pk, bc[2].pk], inspector.pk: [ic[1].pk]}, {inspector.pk: [ic[0].pk]}):
        member = voter_for(election)
        session, _ = _to_review(election, member, picks=picks)
        services.ballot_confirm(session_id=session.pk, member=member, code=sms_code(), key=TEST_SELECTIONS_KEY)
    lengths = {len(bytes(c)) for c in CastBallot.objects.values_list("ciphertext", flat=True)}
    assert len(lengths) == 1


def test_v7_selections_are_stored_encrypted_under_the_browser_key():
    election, board, _inspector, bc, _ic = open_election_with_ballot()
    member = voter_for(election)
    session, _ = _to_review(election, member, picks={board.pk: [bc[0].pk]})
    session.refresh_from_db()
    stored = bytes(session.selections_sealed)
    assert str(bc[0].pk).encode() not in stored or len(stored) > 40  # ciphertext, not JSON
    assert services.ballot_selections(session=session, key=TEST_SELECTIONS_KEY) == {
        str(board.pk): [bc[0].pk],
        str(_inspector.pk): [],
    }
    with pytest.raises(SelectionsUnreadable):
        services.ballot_selections(session=session, key=bytes(32))
    # Another browser (no key) cannot confirm: told to choose again, nothing is cast.
    with pytest.raises(SelectionsUnreadable):
        services.ballot_confirm(session_id=session.pk, member=member, code=sms_code(), key=None)
    assert not CastBallot.objects.exists() and not Participation.objects.exists()


# ------------------------------------------------------------------ one vote (V6, V7)


def test_v6_vote_can_never_be_cast_again():
    election, board, *_rest, bc, _ic = open_election_with_ballot()
    member = voter_for(election)
    session, _ = _to_review(election, member, picks={board.pk: [bc[0].pk]})
    code = sms_code()
    services.ballot_confirm(session_id=session.pk, member=member, code=code, key=TEST_SELECTIONS_KEY)
    with pytest.raises(AlreadyVoted):
        services.ballot_confirm(session_id=session.pk, member=member, code=code, key=TEST_SELECTIONS_KEY)
    with pytest.raises(AlreadyVoted):
        services.ballot_session_start(election_id=election.pk, member=member)
    assert CastBallot.objects.count() == 1


def test_v6_second_tab_resumes_the_same_session():
    election, *_ = open_election_with_ballot()
    member = voter_for(election)
    first = services.ballot_session_start(election_id=election.pk, member=member)
    second = services.ballot_session_start(election_id=election.pk, member=member)
    assert first.pk == second.pk


def test_v6_going_back_changes_the_ballot_and_the_code_stays_valid():
    election, board, inspector, bc, ic = open_election_with_ballot()
    member = voter_for(election)
    session, _ = _to_review(election, member, picks={board.pk: [bc[0].pk]})
    code = sms_code()
    services.ballot_select(session_id=session.pk, member=member, selections={inspector.pk: [ic[0].pk]}, key=TEST_SELECTIONS_KEY)
    session.refresh_from_db()
    assert session.state == BallotSessionState.CODE_SENT
    services.ballot_confirm(session_id=session.pk, member=member, code=code, key=TEST_SELECTIONS_KEY)
    assert sole_ballot_choices() == {str(board.pk): [], str(inspector.pk): [ic[0].pk]}


# ------------------------------------------------------------------ ballot rules (V4)


@pytest.mark.parametrize(
    "bad",
    [
        "over_limit",
        "unknown_candidate",
        "other_position",
        "other_election",
        "unknown_position",
        "tampered",
        "duplicate",
    ],
)
def test_v4_invalid_ballot_is_refused_and_changes_nothing(bad):
    election, board, inspector, bc, ic = open_election_with_ballot()
    other, other_board, *_r, obc, _oic = open_election_with_ballot()
    member = voter_for(election)
    session = services.ballot_session_start(election_id=election.pk, member=member)
    services.ballot_channel_choose(session_id=session.pk, member=member, channel="email")
    services.ballot_select(session_id=session.pk, member=member, selections={inspector.pk: [ic[0].pk]}, key=TEST_SELECTIONS_KEY)
    selections = {
        "over_limit": {board.pk: [c.pk for c in bc]},
        "unknown_candidate": {board.pk: [999999]},
        "other_position": {inspector.pk: [bc[0].pk]},
        "other_election": {board.pk: [obc[0].pk]},
        "unknown_position": {other_board.pk: [obc[0].pk]},
        "tampered": {board.pk: ["x' OR 1=1"]},
        "duplicate": {board.pk: [bc[0].pk, bc[0].pk]},
    }[bad]
    with pytest.raises(InvalidBallot) as info:
        services.ballot_select(session_id=session.pk, member=member, selections=selections, key=TEST_SELECTIONS_KEY)
    assert str(info.value)
    session.refresh_from_db()
    assert services.ballot_selections(session=session, key=TEST_SELECTIONS_KEY) == {
        str(board.pk): [],
        str(inspector.pk): [ic[0].pk],
    }


def test_v4_each_invalid_ballot_has_its_own_error_and_persian_message():
    election, board, inspector, bc, ic = open_election_with_ballot()
    _other, other_board, *_o, obc, _oic = open_election_with_ballot()
    member = voter_for(election)
    session = services.ballot_session_start(election_id=election.pk, member=member)
    services.ballot_channel_choose(session_id=session.pk, member=member, channel="email")
    cases = [
        ({board.pk: [c.pk for c in bc]}, OverLimit, "برای «هیات مدیره» حداکثر ۳ نفر را می‌توانید انتخاب کنید."),
        ({inspector.pk: [bc[0].pk]}, UnknownCandidate, "نامزد انتخاب شده برای «بازرس» در این برگه رای نیست."),
        ({other_board.pk: [obc[0].pk]}, UnknownPosition, "سمت انتخاب شده در این برگه رای وجود ندارد."),
        ({board.pk: ["x"]}, MalformedBallot, "برگه رای معتبر نیست."),
        ({board.pk: [bc[0].pk, bc[0].pk]}, MalformedBallot, "برگه رای معتبر نیست."),
    ]
    for selections, error, message in cases:
        with pytest.raises(InvalidBallot) as info:
            services.ballot_select(session_id=session.pk, member=member, selections=selections, key=TEST_SELECTIONS_KEY)
        assert type(info.value) is error and str(info.value) == message
    with pytest.raises(UnknownCandidate) as info:
        services.ballot_select(session_id=session.pk, member=member, selections={inspector.pk: [bc[0].pk]}, key=TEST_SELECTIONS_KEY)
    with translation.override("en"):  # the message is translated when shown, not when raised
        assert str(info.value) == "The candidate chosen for “بازرس” is not on this ballot."


def test_v4_fewer_than_the_limit_is_allowed():
    election, board, inspector, bc, ic = open_election_with_ballot()
    member = voter_for(election)
    session, _ = _to_review(election, member, picks={board.pk: [bc[1].pk]})
    assert session.pk


# ------------------------------------------------------------------ door (V1, V2, M10)


def test_m10_unapproved_member_is_told_not_a_member():
    election, *_ = open_election_with_ballot()
    pending = MemberFactory()
    MembershipFactory(member=pending, association=election.association, state=MembershipState.PENDING)
    with pytest.raises(NotAMember) as info:
        services.ballot_session_start(election_id=election.pk, member=pending)
    assert str(info.value) == "شما عضو این انجمن نیستید"


def test_v1_outside_the_window_every_step_is_refused():
    election, *_ = open_election_with_ballot()
    member = voter_for(election)
    with Clock() as clock:
        session = services.ballot_session_start(election_id=election.pk, member=member)
        clock.advance(hours=2)
        with pytest.raises(VotingNotOpen):
            services.ballot_channel_choose(session_id=session.pk, member=member, channel="sms")
    not_open = ElectionFactory(association=election.association)
    with pytest.raises(VotingNotOpen):
        services.ballot_session_start(election_id=not_open.pk, member=member)


def test_v3_unusable_channel_is_refused():
    election, *_ = open_election_with_ballot()
    member = voter_for(election, mobile=None)
    session = services.ballot_session_start(election_id=election.pk, member=member)
    with pytest.raises(ChannelUnavailable):
        services.ballot_channel_choose(session_id=session.pk, member=member, channel="sms")


# ------------------------------------------------------------------ faults


def test_v5_wrong_code_then_right_code():
    election, board, *_r, bc, _ic = open_election_with_ballot()
    member = voter_for(election)
    with Clock() as clock:
        session, _ = _to_review(election, member, picks={board.pk: [bc[0].pk]})
        code = sms_code()
        wrong = "000000" if code != "000000" else "111111"
        with pytest.raises(OtpWrongCode) as info:
            services.ballot_confirm(session_id=session.pk, member=member, code=wrong, key=TEST_SELECTIONS_KEY)
        assert "نادرست" in str(info.value)
        assert not Participation.objects.exists()
        clock.advance(seconds=3)  # django-otp's back-off after a wrong code
        services.ballot_confirm(session_id=session.pk, member=member, code=code, key=TEST_SELECTIONS_KEY)
    assert Participation.objects.count() == 1


def test_v5_code_of_another_ballot_is_refused():
    election, board, *_r, bc, _ic = open_election_with_ballot()
    other, other_board, *_o, obc, _oic = open_election_with_ballot(association=election.association)
    member = voter_for(election)
    session, _ = _to_review(election, member, picks={board.pk: [bc[0].pk]})
    sms_code()
    other_session, _ = _to_review(other, member, channel="email", picks={other_board.pk: [obc[0].pk]})
    other_code = mail_code()
    with pytest.raises(OtpNoChallenge):
        services.ballot_confirm(session_id=session.pk, member=member, code=other_code, key=TEST_SELECTIONS_KEY)
    assert not Participation.objects.exists()


def test_v5_expired_code_is_refused():
    from otp_delivery.exceptions import OtpExpired

    election, board, *_r, bc, _ic = open_election_with_ballot()
    member = voter_for(election)
    with Clock() as clock:
        session, _ = _to_review(election, member, picks={board.pk: [bc[0].pk]})
        code = sms_code()
        clock.advance(minutes=11)
        with pytest.raises((OtpExpired, SessionExpired)):
            services.ballot_confirm(session_id=session.pk, member=member, code=code, key=TEST_SELECTIONS_KEY)
    assert not Participation.objects.exists()


def test_m10_membership_suspended_mid_journey_refuses_the_vote():
    from member_workflow.models import Membership

    election, board, *_r, bc, _ic = open_election_with_ballot()
    member = voter_for(election)
    session, _ = _to_review(election, member, picks={board.pk: [bc[0].pk]})
    code = sms_code()
    Membership.objects.filter(member=member).update(state=MembershipState.SUSPENDED)
    with pytest.raises(NotAMember):
        services.ballot_confirm(session_id=session.pk, member=member, code=code, key=TEST_SELECTIONS_KEY)
    assert not Participation.objects.exists() and not CastBallot.objects.exists()


def test_v1_window_closing_mid_journey_refuses_the_vote_and_erases_selections():
    election, board, *_r, bc, _ic = open_election_with_ballot(
        voting_ends_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    member = voter_for(election)
    with Clock() as clock:
        session, _ = _to_review(election, member, picks={board.pk: [bc[0].pk]})
        code = sms_code()
        clock.advance(minutes=6)
        with pytest.raises(VotingNotOpen):
            services.ballot_confirm(session_id=session.pk, member=member, code=code, key=TEST_SELECTIONS_KEY)
        assert services.ballot_sessions_expire() == 1
        assert services.ballot_sessions_expire() == 0  # idempotent
    session.refresh_from_db()
    assert session.state == BallotSessionState.EXPIRED and session.selections_sealed is None
    assert not Participation.objects.exists()


def test_v6_database_error_during_confirm_writes_nothing_and_retry_works(monkeypatch):
    from django.db import DatabaseError

    election, board, *_r, bc, _ic = open_election_with_ballot()
    member = voter_for(election)
    session, _ = _to_review(election, member, picks={board.pk: [bc[0].pk]})
    code = sms_code()
    real_create = CastBallot.objects.create

    def broken(**kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(CastBallot.objects, "create", broken)
    with pytest.raises(DatabaseError):
        services.ballot_confirm(session_id=session.pk, member=member, code=code, key=TEST_SELECTIONS_KEY)
    assert not Participation.objects.exists() and not CastBallot.objects.exists()
    session.refresh_from_db()
    assert session.state == BallotSessionState.CODE_SENT and session.selections_sealed
    monkeypatch.setattr(CastBallot.objects, "create", real_create)
    receipt = services.ballot_confirm(session_id=session.pk, member=member, code=code, key=TEST_SELECTIONS_KEY)
    assert CastBallot.objects.get().tracker == receipt


def test_v5_inbound_sms_from_registered_mobile_confirms_other_numbers_ignored():
    from member_workflow.services.inbound_sms import inbound_sms_dispatch

    election, board, *_r, bc, _ic = open_election_with_ballot()
    member = voter_for(election, mobile="09121110000")
    session, shown = _to_review(election, member, channel="inbound_sms", picks={board.pk: [bc[0].pk]})
    assert len(shown) == 4
    result = inbound_sms_dispatch(sender="09129990000", text=shown)
    assert result.outcome == "no_match"
    assert not Participation.objects.exists()
    wrong = "0000" if shown != "0000" else "1111"
    assert inbound_sms_dispatch(sender="09121110000", text=wrong).outcome == "no_match"
    result = inbound_sms_dispatch(sender="+989121110000", text="".join("۰۱۲۳۴۵۶۷۸۹"[int(d)] for d in shown))
    assert (result.handler, result.outcome) == ("vote_confirmation", "accepted")
    assert inbound_sms_dispatch(sender="09121110000", text=shown).outcome == "no_match"  # used once
    assert not Participation.objects.exists()
    receipt = services.ballot_confirm_received(session_id=session.pk, member=member, key=TEST_SELECTIONS_KEY)
    assert CastBallot.objects.get().tracker == receipt
    session.refresh_from_db()
    assert session.state == BallotSessionState.CONFIRMED
    assert CastBallot.objects.count() == 1


def test_v5_inbound_page_cannot_seal_before_the_sms_arrives():
    from election_pages.voting.errors import SessionWrongStep

    election, board, *_r, bc, _ic = open_election_with_ballot()
    member = voter_for(election)
    session, _shown = _to_review(election, member, channel="inbound_sms", picks={board.pk: [bc[0].pk]})
    with pytest.raises(SessionWrongStep):
        services.ballot_confirm_received(session_id=session.pk, member=member, key=TEST_SELECTIONS_KEY)
    assert not Participation.objects.exists()


def test_v5_switch_to_email_sends_a_code_by_email_at_once():
    from django.core import mail

    election, board, *_r, bc, _ic = open_election_with_ballot()
    member = voter_for(election)
    session, _ = _to_review(election, member, picks={board.pk: [bc[0].pk]})
    services.ballot_code_switch_to_email(session_id=session.pk, member=member)
    code = mail_code()
    assert mail.outbox[-1].to == [member.email]
    services.ballot_confirm(session_id=session.pk, member=member, code=code, key=TEST_SELECTIONS_KEY)
    assert Participation.objects.count() == 1


def test_v5_sms_gateway_down_falls_back_to_email(settings):
    from django.core import mail

    from otp_delivery.gateways import sms
    from otp_delivery.models import Delivery
    from otp_delivery.services import otp_fallback_check

    election, board, *_r, bc, _ic = open_election_with_ballot()
    member = voter_for(election)

    def refuse(*args, **kwargs):
        raise sms.SmsDeliveryError("gateway down", is_transient=False)

    session, _ = _to_review(election, member, picks={board.pk: [bc[0].pk]})
    from unittest import mock

    backend = sms.get_sms_backend()
    with mock.patch.object(type(backend), "send", refuse):
        from tests.otp_helpers import run_deliveries

        run_deliveries()
    sms_delivery = Delivery.objects.filter(channel="sms").get()
    assert sms_delivery.state == "failed"
    otp_fallback_check(delivery_id=sms_delivery.pk)
    code = mail_code()
    services.ballot_confirm(session_id=session.pk, member=member, code=code, key=TEST_SELECTIONS_KEY)
    assert Participation.objects.count() == 1
    assert mail.outbox


def test_v6_expiry_task_is_registered_for_beat_and_erases_only_dead_sessions(settings):
    from cms_site.celery import app
    from election_pages.voting.tasks import ballot_sessions_expire_task

    name = settings.CELERY_BEAT_SCHEDULE["ballot-sessions-expire"]["task"]
    assert name == ballot_sessions_expire_task.name and name in app.tasks
    election, board, *_r, bc, _ic = open_election_with_ballot()
    live_member, dead_member = voter_for(election), voter_for(election)
    with Clock() as clock:
        dead = services.ballot_session_start(election_id=election.pk, member=dead_member)
        services.ballot_channel_choose(session_id=dead.pk, member=dead_member, channel="email")
        services.ballot_select(session_id=dead.pk, member=dead_member, selections={board.pk: [bc[0].pk]}, key=TEST_SELECTIONS_KEY)
        clock.advance(minutes=25)
        live = services.ballot_session_start(election_id=election.pk, member=live_member)
        services.ballot_channel_choose(session_id=live.pk, member=live_member, channel="email")
        services.ballot_select(session_id=live.pk, member=live_member, selections={board.pk: [bc[1].pk]}, key=TEST_SELECTIONS_KEY)
        clock.advance(minutes=10)
        assert ballot_sessions_expire_task.run() == 1
        assert ballot_sessions_expire_task.run() == 0
    dead.refresh_from_db()
    live.refresh_from_db()
    assert dead.state == BallotSessionState.EXPIRED and dead.selections_sealed is None
    assert live.state == BallotSessionState.SELECTED
    assert services.ballot_selections(session=live, key=TEST_SELECTIONS_KEY)[str(board.pk)] == [bc[1].pk]
