"""Codes members SMS to the system number are bounded (issue 13, failure 5; SPEC M4 option 2
and V5's third channel): at most INBOUND_CODE_MAX_WRONG wrong codes per reset or ballot
session, then that code is void; each sender has a rate limit; every message does the same
work, matched or not."""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher

from cms_site.audit.models import AuditEntry
from election_pages.voting import services as voting
from member_workflow.models import MemberCredential, PasswordState
from member_workflow.services import passwords
from member_workflow.services.inbound_sms import inbound_sms_dispatch
from otp_delivery.gateways import sms
from tests.factories import member_with_password_state
from tests.otp_helpers import run_deliveries
from tests.secrecy_helpers import TEST_SELECTIONS_KEY
from tests.voting_helpers import open_election_with_ballot, voter_for

pytestmark = pytest.mark.django_db


def _wrong(code: str, n: int) -> list[str]:
    """`n` codes of the same length as `code`, none of them `code`."""
    width = len(code)
    return [f"{i:0{width}d}" for i in range(n + 1) if f"{i:0{width}d}" != code][:n]


def _to_inbound_review(election, member):
    board = election.positions.order_by("sort_order").first()
    session = voting.ballot_session_start(election_id=election.pk, member=member)
    voting.ballot_channel_choose(session_id=session.pk, member=member, channel="inbound_sms")
    voting.ballot_select(session_id=session.pk, member=member, selections={str(board.pk): []}, key=TEST_SELECTIONS_KEY)
    shown = voting.ballot_code_request(session_id=session.pk, member=member)
    return session, shown


# ------------------------------------------------------------------ option 2 (M4)


def test_m4_option2_four_wrong_codes_then_the_right_one_still_works():
    member = member_with_password_state(PasswordState.SELF_SET)
    code = passwords.password_sms_reset_request(national_code=member.national_code)
    for wrong in _wrong(code, 4):
        assert inbound_sms_dispatch(sender=member.mobile, text=wrong).outcome == "no_match"
    assert inbound_sms_dispatch(sender=member.mobile, text=code).outcome == "done"
    member.refresh_from_db()
    assert member.check_password(member.national_code)


def test_m4_option2_five_wrong_codes_void_the_code_and_the_member_is_told(settings):
    member = member_with_password_state(PasswordState.SELF_SET)
    code = passwords.password_sms_reset_request(national_code=member.national_code)
    for wrong in _wrong(code, settings.INBOUND_CODE_MAX_WRONG):
        inbound_sms_dispatch(sender=member.mobile, text=wrong)
    assert inbound_sms_dispatch(sender=member.mobile, text=code).outcome == "no_match"
    member.refresh_from_db()
    assert not member.check_password(member.national_code)
    assert MemberCredential.objects.get(member=member).reset_code_digest == ""
    assert AuditEntry.objects.filter(action="password.sms_reset_void").count() == 1
    run_deliveries()
    [notice] = [m for m in sms.outbox if m.to == member.mobile]
    assert "باطل شد" in notice.text and code not in notice.text
    # A new request gives a new code with its own tries.
    fresh = passwords.password_sms_reset_request(national_code=member.national_code)
    assert MemberCredential.objects.get(member=member).reset_code_failures == 0
    assert inbound_sms_dispatch(sender=member.mobile, text=fresh).outcome == "done"


def test_m4_option2_three_hundred_wrong_codes_then_the_right_one_fails():
    """The probe of issue 13: 300 wrong codes, then the right one. It must not work."""
    member = member_with_password_state(PasswordState.SELF_SET)
    code = passwords.password_sms_reset_request(national_code=member.national_code)
    outcomes = [inbound_sms_dispatch(sender=member.mobile, text=wrong).outcome for wrong in _wrong(code, 300)]
    assert outcomes.count("rate_limited") == 300 - 10  # RATELIMITS["sms_inbound"]: 10 per sender
    assert inbound_sms_dispatch(sender=member.mobile, text=code).outcome != "done"
    member.refresh_from_db()
    assert not member.check_password(member.national_code)
    assert MemberCredential.objects.get(member=member).reset_code_failures == 5


def test_m4_option2_does_the_same_work_matched_or_not(monkeypatch):
    """No early return: one credential query, one keyed hash and one password hash for a
    match, a wrong code, and a sender who is nobody."""
    member = member_with_password_state(PasswordState.SELF_SET)
    code = passwords.password_sms_reset_request(national_code=member.national_code)
    work = {"digest": 0, "hash": 0}
    digest, encode = passwords.reset_code_digest, MD5PasswordHasher.encode

    def counted_digest(**kwargs):
        work["digest"] += 1
        return digest(**kwargs)

    def counted_encode(self, *args, **kwargs):
        work["hash"] += 1
        return encode(self, *args, **kwargs)

    monkeypatch.setattr(passwords, "reset_code_digest", counted_digest)
    monkeypatch.setattr(MD5PasswordHasher, "encode", counted_encode)
    for sender, text in [("09350000001", code), (member.mobile, _wrong(code, 1)[0]), (member.mobile, code)]:
        work.update(digest=0, hash=0)
        passwords.password_sms_reset_confirm(sender_mobile=sender, code=text)
        assert work == {"digest": 1, "hash": 1}, (sender, work)
    member.refresh_from_db()
    assert member.check_password(member.national_code)


# ------------------------------------------------------------------ third voting channel (V5)


def test_v5_five_wrong_codes_void_the_ballot_code_and_a_new_one_works(settings):
    election, *_rest = open_election_with_ballot()
    member = voter_for(election, mobile="09121110000")
    session, shown = _to_inbound_review(election, member)
    for wrong in _wrong(shown, settings.INBOUND_CODE_MAX_WRONG - 1):
        inbound_sms_dispatch(sender=member.mobile, text=wrong)
    session.refresh_from_db()
    assert not session.is_inbound_code_void
    inbound_sms_dispatch(sender=member.mobile, text=_wrong(shown, 5)[-1])
    session.refresh_from_db()
    assert session.is_inbound_code_void and session.inbound_code_digest == ""
    assert inbound_sms_dispatch(sender=member.mobile, text=shown).outcome == "no_match"
    session.refresh_from_db()
    assert not session.is_code_received
    assert AuditEntry.objects.filter(action="ballot.inbound_code_void").count() == 1
    # The voter asks for a new code (the review page's button): it works.
    fresh = voting.ballot_code_request(session_id=session.pk, member=member)
    session.refresh_from_db()
    assert not session.is_inbound_code_void
    assert voting.ballot_inbound_code_accept(sender_mobile=member.mobile, code=fresh) == "accepted"


def test_v5_three_hundred_wrong_codes_then_the_right_one_fails():
    election, *_rest = open_election_with_ballot()
    member = voter_for(election, mobile="09121110000")
    session, shown = _to_inbound_review(election, member)
    for wrong in _wrong(shown, 300):
        voting.ballot_inbound_code_accept(sender_mobile=member.mobile, code=wrong)  # not even rate-limited
    assert voting.ballot_inbound_code_accept(sender_mobile=member.mobile, code=shown) is None
    session.refresh_from_db()
    assert not session.is_code_received and session.inbound_code_failures == 5


def test_v5_does_the_same_work_matched_or_not(monkeypatch):
    election, *_rest = open_election_with_ballot()
    member = voter_for(election, mobile="09121110000")
    _session, shown = _to_inbound_review(election, member)
    calls = []
    digest = voting.inbound_code_digest
    monkeypatch.setattr(voting, "inbound_code_digest", lambda **kw: calls.append(1) or digest(**kw))
    for sender, code in [("09350000001", shown), (member.mobile, _wrong(shown, 1)[0]), (member.mobile, shown)]:
        calls.clear()
        voting.ballot_inbound_code_accept(sender_mobile=sender, code=code)
        assert len(calls) == 1, sender


# ------------------------------------------------------------------ per sender


def test_each_sender_gets_a_rate_limit_of_its_own(settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "sms_inbound": {"sender": "3/10minute"}}
    member = member_with_password_state(PasswordState.SELF_SET)
    code = passwords.password_sms_reset_request(national_code=member.national_code)
    for _ in range(3):
        inbound_sms_dispatch(sender="09359999999", text="hello")
    assert inbound_sms_dispatch(sender="09359999999", text="hello").outcome == "rate_limited"
    assert inbound_sms_dispatch(sender="+98" + member.mobile[1:], text=code).outcome == "done"
