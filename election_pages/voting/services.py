"""Writes of the voting journey (SPEC V1–V7). Keyword-only, one atomic change each, the
window (V1) and the eligibility (M10) re-checked at every step in one order
(`_check_session`), audited without choices or codes. Which step a session may take next
is the `BallotSession` FSM's to say (`_require`: its sources and conditions).
The code layer is `otp_delivery` (challenges bound to `session.purpose_ref`).

Decision (V6, going back): the one-time code is bound to the ballot *session*, not to the
selections. A voter who goes back and changes the ballot keeps the code already sent; the
review page always shows the current selections, and «ثبت رای» seals exactly those.
"""

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from django_fsm import can_proceed

from cms_site.audit.services import audit_record
from election_pages.lifecycle.models import Election
from election_pages.lifecycle.selectors import election_ballot_positions, election_is_in_voting_window
from election_pages.secrecy import crypto
from member_workflow.models import Membership, MembershipState
from member_workflow.services.passwords import password_equals_national_code, password_is_national_code
from otp_delivery.exceptions import OtpAlreadyUsed
from otp_delivery.services import otp_challenge_consume, otp_challenge_issue, otp_challenge_switch_to_email
from otp_delivery.services import otp_challenge_verify as _otp_verify

from .errors import (
    AlreadyVoted,
    BallotNotStarted,
    ChannelUnavailable,
    MalformedBallot,
    NotAMember,
    OverLimit,
    PasswordIsNationalCode,
    SelectionsUnreadable,
    SessionExpired,
    SessionNotFound,
    SessionWrongStep,
    UnknownCandidate,
    UnknownPosition,
    VotingNotOpen,
)
from .models import LIVE_STATES, BallotSession, BallotSessionState, CastBallot, ConfirmChannel, Participation
from .selectors import channel_options

logger = logging.getLogger(__name__)

INBOUND_CODE_DIGITS = 4


def _session_minutes() -> int:
    return settings.VOTING_SESSION_MINUTES


def inbound_code_digest(*, session_id, code: str) -> str:
    """Keyed hash of the third channel's 4-digit code, bound to its session."""
    message = f"inbound-vote:{session_id}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


# ----------------------------------------------------------------------------- checks


def _election_for_vote(election_id: int) -> Election:
    """The election row. On PostgreSQL it is held FOR SHARE until the transaction ends, so
    closing the election (which takes FOR UPDATE) waits for confirmations in flight and
    every confirmation that starts after it sees the election closed."""
    if connection.vendor == "postgresql":
        table = Election._meta.db_table
        elections = list(Election.objects.raw(f"SELECT * FROM {table} WHERE id = %s FOR SHARE", [election_id]))  # noqa: S608
        if not elections:
            raise SessionNotFound()
        return elections[0]
    return Election.objects.get(pk=election_id)


def _check_window(election: Election) -> None:
    if not election_is_in_voting_window(election=election, now=timezone.now()):
        raise VotingNotOpen()


def _lock_membership(*, election: Election, member) -> None:
    """M10, and serialises one member's votes (two tabs) and a suspension in flight."""
    membership = (
        Membership.objects.select_for_update()
        .filter(member=member, association_id=election.association_id)
        .values_list("state", flat=True)
        .first()
    )
    if membership != MembershipState.APPROVED:
        raise NotAMember()


@sensitive_variables("raw_password")
def _check_password(*, member, raw_password: str | None) -> None:
    """M5 at the voting door: the election is open, so a password equal to the national
    code never passes. The login form passes the password it verified (no second hash)."""
    if raw_password is not None:
        uses_national_code = password_is_national_code(member=member, raw_password=raw_password)
    else:
        uses_national_code = password_equals_national_code(member=member)
    if uses_national_code:
        raise PasswordIsNationalCode()


def _session_locked(*, session_id, member) -> BallotSession | None:
    try:
        return BallotSession.objects.select_for_update().filter(pk=session_id, member=member).first()
    except (ValueError, TypeError, ValidationError):  # a malformed id is "not found"
        return None


def _check_session(session: BallotSession, election: Election, member) -> None:
    """The checks of every step, in the one order every service and `ballot_session_resume`
    use, so a page and the form it posts give the same refusal: V1 window, M10 membership
    (row locked), then the session itself (sealed, dead or past its deadline) and a vote by
    another session. M5 is checked at the door (`ballot_session_start`); past it, changing
    the password ends the Django login (its session hash), so the next page has no member.
    The views then call `ballot_session_expire` / `ballot_abandon` (their own transactions)
    so the selections of a dead session are erased at once."""
    _check_window(election)
    _lock_membership(election=election, member=member)
    if session.state == BallotSessionState.CONFIRMED:
        raise AlreadyVoted()
    if not session.is_live or session.expires_at <= timezone.now():
        raise SessionExpired()
    if Participation.objects.filter(election=election, member=member).exists():
        raise AlreadyVoted()


def _step(*, session_id, member) -> tuple[BallotSession, Election]:
    """Lock the session, then re-check everything a step needs (`_check_session`)."""
    session = _session_locked(session_id=session_id, member=member)
    if session is None:
        raise SessionNotFound()
    election = Election.objects.get(pk=session.election_id)
    _check_session(session, election, member)
    return session, election


def _require(step) -> None:
    """The FSM says whether the session can take this step now (its source states and
    conditions); a step out of order is refused before anything is written."""
    if not can_proceed(step):
        raise SessionWrongStep()


# ----------------------------------------------------------------------------- steps


@sensitive_variables("raw_password")
@transaction.atomic
def ballot_session_start(*, election_id: int, member, raw_password: str | None = None) -> BallotSession:
    """After the voting login (V2): check window, membership, the M5 rule and participation,
    then resume the member's live session for this election or open a new one. Another tab
    logging in resumes the same session, so one member has one live ballot. The login form
    passes the password it just verified as `raw_password`; without it the stored hash is
    checked against the national code."""
    election = Election.objects.filter(pk=election_id).first()
    if election is None:
        raise VotingNotOpen()
    _check_window(election)
    _lock_membership(election=election, member=member)
    _check_password(member=member, raw_password=raw_password)
    if Participation.objects.filter(election=election, member=member).exists():
        raise AlreadyVoted()
    now = timezone.now()
    for old in BallotSession.objects.select_for_update().filter(
        election=election, member=member, state__in=LIVE_STATES
    ):
        if old.expires_at > now:
            return old
        old.expire()
        old.save()
        audit_record(actor=None, action="ballot.expire", target=old, payload={"election_id": election.pk})
    expires_at = min(now + timedelta(minutes=_session_minutes()), election.voting_ends_at)
    session = BallotSession.objects.create(election=election, member=member, expires_at=expires_at)
    audit_record(actor=member, action="ballot.start", target=session, payload={"election_id": election.pk})
    return session


@transaction.atomic
def ballot_session_resume(*, election_id: int, member, session_id) -> BallotSession:
    """Every page of the journey (GET and POST alike) opens this browser's ballot session
    here: V1 window, then the session (none in this browser: `AlreadyVoted` if the member
    voted, else `BallotNotStarted`), then `_check_session`, the same checks in the same order
    as every step. `member` may be anonymous. Raises and writes nothing; the caller erases
    a dead session (see `_check_session`)."""
    election = Election.objects.filter(pk=election_id).first()
    if election is None:
        raise VotingNotOpen()
    _check_window(election)
    if not member.is_authenticated:
        raise BallotNotStarted()
    session = _session_locked(session_id=session_id, member=member) if session_id else None
    if session is None or session.election_id != election.pk:
        if Participation.objects.filter(election=election, member=member).exists():
            raise AlreadyVoted()
        raise BallotNotStarted()
    _check_session(session, election, member)
    return session


@transaction.atomic
def ballot_channel_choose(*, session_id, member, channel: str) -> BallotSession:
    """V3: email, SMS or the third channel; an unusable channel is refused."""
    session, _election = _step(session_id=session_id, member=member)
    _require(session.choose_channel)
    usable = {option["value"] for option in channel_options(member=member) if option["is_usable"]}
    if channel not in usable:
        raise ChannelUnavailable()
    session.choose_channel(channel=channel)
    session.save()
    audit_record(actor=member, action="ballot.channel", target=session, payload={"channel": channel})
    return session


def ballot_plaintext_size(*, election: Election) -> int:
    """The fixed length every sealed ballot of this election is padded to (issue 12): the
    fullest possible ballot, so a ciphertext's length says nothing about the choices."""
    positions = election_ballot_positions(election=election)
    widest = max((c.pk for p in positions for c in p.ballot_candidates), default=0)
    return crypto.ballot_plaintext_size(
        limits={str(p.pk): p.selection_limit for p in positions}, id_digits=len(str(widest))
    )


def _clean_selections(*, election: Election, raw: dict) -> dict:
    """V4, on the server: every key a position of this election, every value a live
    candidate of that position, no duplicates, at most the position's limit. Fewer is fine."""
    positions = {p.pk: p for p in election_ballot_positions(election=election)}
    clean: dict[str, list[int]] = {str(pk): [] for pk in positions}
    for key, values in raw.items():
        try:
            position_id = int(key)
            ids = [int(v) for v in values]
        except (TypeError, ValueError) as exc:
            raise MalformedBallot() from exc
        position = positions.get(position_id)
        if position is None:
            raise UnknownPosition()
        allowed = {c.pk for c in position.ballot_candidates}
        if any(i not in allowed for i in ids):
            raise UnknownCandidate(position=position.name)
        if len(set(ids)) != len(ids):
            raise MalformedBallot()
        if len(ids) > position.selection_limit:
            raise OverLimit(position=position.name, limit=position.selection_limit)
        clean[str(position_id)] = sorted(ids)
    return clean


def ballot_selections(*, session: BallotSession, key: bytes | None) -> dict:
    """The session's selections, opened with the key held by the voter's browser; {} when
    there are none. Raises SelectionsUnreadable when they exist but this browser's key does
    not open them (another browser, cleared cookies)."""
    if not session.selections_sealed:
        return {}
    opened = crypto.selections_open(bytes(session.selections_sealed), key=key) if key else None
    if opened is None:
        raise SelectionsUnreadable()
    return opened


@sensitive_variables()  # error reports never show codes or choices
@transaction.atomic
def ballot_select(*, session_id, member, selections: dict, key: bytes) -> BallotSession:
    """V4 «انتخاب»: replace the selections, stored encrypted under `key`, which only the
    voter's browser keeps (issue 12). Nothing changes when the ballot is invalid. If a code
    was already sent for this session it stays valid (`reselect`; see the module
    docstring); before that a channel must have been chosen (`select`'s condition)."""
    session, election = _step(session_id=session_id, member=member)
    step = session.reselect if session.has_code else session.select
    _require(step)
    clean = _clean_selections(election=election, raw=selections)
    step(selections_sealed=crypto.selections_seal(clean, key=key))
    session.save()
    audit_record(actor=member, action="ballot.select", target=session, payload={"election_id": election.pk})
    return session


@sensitive_variables()  # error reports never show codes or choices
def ballot_submit(*, session_id, member, selections: dict, key: bytes) -> str:
    """The ballot page's «انتخاب»: `ballot_select`, then, the first time, `ballot_code_request`
    (V5: the review page comes with the code on its way). Two transactions on purpose: when
    the code cannot go out yet (an `OtpError`), the selections are kept and the review page
    offers «ارسال کد تایید». Returns the third channel's code to show, or ""."""
    session = ballot_select(session_id=session_id, member=member, selections=selections, key=key)
    if session.has_code:
        return ""
    return ballot_code_request(session_id=session_id, member=member)


@sensitive_variables()  # error reports never show codes or choices
@transaction.atomic
def ballot_code_request(*, session_id, member) -> str:
    """V5: send the code on the chosen channel (email/SMS, via otp_delivery), or for the
    third channel make the 4-digit code the voter SMSes to the system number. Returns that
    code for the third channel (shown on screen, never stored in clear), else ""."""
    session, _election = _step(session_id=session_id, member=member)
    _require(session.mark_code_sent)
    code = ""
    if session.channel == ConfirmChannel.INBOUND_SMS:
        code = "".join(secrets.choice("0123456789") for _ in range(INBOUND_CODE_DIGITS))
        session.mark_code_sent(inbound_code_digest=inbound_code_digest(session_id=session.pk, code=code))
        session.inbound_code_failures = 0  # a new code gets its own INBOUND_CODE_MAX_WRONG tries
    else:
        otp_challenge_issue(member=member, purpose_ref=session.purpose_ref, channel=session.channel)
        session.mark_code_sent()
    session.save()
    audit_record(actor=member, action="ballot.code_request", target=session, payload={"channel": session.channel})
    return code


@transaction.atomic
def ballot_code_switch_to_email(*, session_id, member) -> BallotSession:
    """V5 «دریافت کد تایید از طریق پست الکترونیک»: a code by email at once."""
    session, _election = _step(session_id=session_id, member=member)
    _require(session.switch_to_email)
    if not (member.email or "").strip():
        raise ChannelUnavailable()
    otp_challenge_switch_to_email(member=member, purpose_ref=session.purpose_ref)
    session.switch_to_email()
    session.save()
    audit_record(actor=member, action="ballot.code_email", target=session, payload={"channel": "email"})
    return session


@transaction.atomic
def ballot_abandon(*, session_id, member) -> None:
    """«انصراف»: leave the ballot; its selections are erased at once. Idempotent."""
    session = BallotSession.objects.select_for_update().filter(pk=session_id, member=member).first()
    if session is None or not session.is_live:
        return
    session.abandon()
    session.save()
    audit_record(actor=member, action="ballot.abandon", target=session, payload={"election_id": session.election_id})


@sensitive_variables()  # error reports never show the code
def ballot_confirm(*, session_id, member, code: str, key: bytes | None) -> str:
    """V6 «ثبت رای» with a code from email or SMS. Returns the ballot's tracker.

    The typed code is checked first in otp_delivery's own committed transaction (so a wrong
    guess counts even though nothing else happens); everything else is one atomic
    transaction in `_ballot_seal`. A code already verified for this session (a double
    click, or a retry after a database error) lets the seal go on: the seal consumes it
    exactly once, together with the vote."""
    session = BallotSession.objects.filter(pk=session_id, member=member).only("pk", "state", "channel").first()
    if session is None:
        raise SessionNotFound()
    if session.state == BallotSessionState.CONFIRMED:
        raise AlreadyVoted()
    try:
        _otp_verify(member=member, purpose_ref=session.purpose_ref, token=code)
    except OtpAlreadyUsed:
        pass
    return _ballot_seal(session_id=session_id, member=member, via_inbound=False, key=key)


@sensitive_variables()  # error reports never show codes or choices
@transaction.atomic
def ballot_inbound_code_accept(*, sender_mobile: str, code: str) -> str | None:
    """Third channel (V5), called by the inbound SMS dispatcher: the 4-digit code shown on a
    waiting session's review page, sent from that voter's registered mobile, marks the
    session `code_received`; the review page, which polls, then seals the ballot.
    Returns "accepted", or None when no session of this sender waits for this code (any
    other number, or a wrong code, changes nothing but the count of wrong codes).

    Issue 13: a session's code takes at most INBOUND_CODE_MAX_WRONG wrong codes, then it is
    void and the voter asks for a new one on the review page. Every message does the same
    work: the code is hashed and compared against every waiting session (or a stand-in)."""
    sessions = list(
        BallotSession.objects.select_for_update().filter(
            member__mobile=sender_mobile,
            state=BallotSessionState.CODE_SENT,
            channel=ConfirmChannel.INBOUND_SMS,
        )
    )
    matched = None
    for session in sessions or [None]:
        expected = session.inbound_code_digest if session is not None else ""
        digest = inbound_code_digest(session_id=session.pk if session is not None else "-", code=code)
        if hmac.compare_digest(expected or "0" * 64, digest) and expected and matched is None:
            matched = session
    if matched is None:
        for session in sessions:
            if session.inbound_code_digest:
                _inbound_code_wrong(session)
        return None
    matched.receive_code()  # the code is used once: the transition drops its hash
    matched.save()
    audit_record(actor=None, action="ballot.inbound_code", target=matched, payload={"election_id": matched.election_id})
    return "accepted"


def _inbound_code_wrong(session: BallotSession) -> None:
    """A wrong code for a waiting session; the last allowed one voids its code."""
    session.inbound_code_failures += 1
    fields = ["inbound_code_failures"]
    if session.inbound_code_failures >= settings.INBOUND_CODE_MAX_WRONG:
        session.inbound_code_digest = ""
        fields.append("inbound_code_digest")
        audit_record(
            actor=None, action="ballot.inbound_code_void", target=session, payload={"election_id": session.election_id}
        )
    session.save(update_fields=fields)


def ballot_confirm_received(*, session_id, member, key: bytes | None) -> str:
    """Third channel: the polling review page seals the ballot once the SMS has arrived.
    Returns the ballot's tracker."""
    return _ballot_seal(session_id=session_id, member=member, via_inbound=True, key=key)


@sensitive_variables()  # error reports never show codes or choices
@transaction.atomic
def _ballot_seal(*, session_id, member, via_inbound: bool, key: bytes | None) -> str:
    """The integrity core (V6, V7), one transaction:
    1. lock the session; 2. re-check the window (election held FOR SHARE), the membership
    (row locked), the step (`confirm` from code_sent, `confirm_received` from code_received)
    and the code (consumed here); 3. insert the participation (unique per election and
    member); 4. seal the choices to the election's public key (issue 12: padded to the
    election's fixed length) and put the ciphertext in the ballot box, with its tracker;
    5. erase the session's selections; 6. audit without choices or codes."""
    session = _session_locked(session_id=session_id, member=member)
    if session is None:
        raise SessionNotFound()
    election = _election_for_vote(session.election_id)
    _check_session(session, election, member)
    seal = session.confirm_received if via_inbound else session.confirm
    _require(seal)
    if not via_inbound:
        otp_challenge_consume(member=member, purpose_ref=session.purpose_ref)
    choices = _clean_selections(election=election, raw=ballot_selections(session=session, key=key))
    try:
        with transaction.atomic():
            Participation.objects.create(election=election, member=member)
    except IntegrityError as exc:
        raise AlreadyVoted() from exc
    ciphertext = crypto.ballot_seal(
        choices, public=crypto.unb64(election.public_key), size=ballot_plaintext_size(election=election)
    )
    receipt = crypto.tracker(ciphertext)
    CastBallot.objects.create(election=election, ciphertext=ciphertext, tracker=receipt)
    seal()
    session.save()
    audit_record(
        actor=member,
        action="ballot.confirm",
        target=session,
        payload={"election_id": election.pk, "channel": session.channel},
    )
    logger.info("ballot sealed", extra={"election_id": election.pk})
    return receipt


@transaction.atomic
def ballot_session_expire(*, session_id, now=None) -> bool:
    """Expire one session if it is live but past its deadline or outside the voting
    window; erases its selections. Idempotent. Returns whether it expired now."""
    now = now or timezone.now()
    try:
        session = BallotSession.objects.select_for_update().filter(pk=session_id, state__in=LIVE_STATES).first()
    except (ValueError, TypeError, ValidationError):
        return False
    if session is None:
        return False
    election = Election.objects.get(pk=session.election_id)
    if session.expires_at > now and election_is_in_voting_window(election=election, now=now):
        return False
    session.expire()
    session.save()
    audit_record(actor=None, action="ballot.expire", target=session, payload={"election_id": session.election_id})
    return True


def ballot_sessions_expire(*, now=None) -> int:
    """Beat task body: expire every live session past its deadline or whose election is no
    longer in its voting window, erasing the selections. Idempotent. Returns how many."""
    now = now or timezone.now()
    count = 0
    due = BallotSession.objects.filter(state__in=LIVE_STATES).exclude(
        election__state="open", election__voting_ends_at__gt=now, expires_at__gt=now
    )
    for pk in list(due.values_list("pk", flat=True)[:1000]):
        count += ballot_session_expire(session_id=pk, now=now)
    return count
