"""The password lifecycle (SPEC M3–M6, A4): change, option 1, option 2, login rules.

Passwords and codes live only in local variables here: never in a task argument, a log
line, an audit payload or a delivery record.
"""

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.debug import sensitive_variables
from django_fsm import ConcurrentTransition

from cms_site.audit.services import audit_record
from cms_site.common.queueing import task_enqueue
from otp_delivery.services import member_email, member_mobile, message_queue

from ..errors import (
    ConcurrentChange,
    ElectionInVotingWindow,
    LoginRefusedDuringElection,
    MemberNotFound,
    NoMobileRegistered,
    PermissionDenied,
    ResetNotForAdmins,
)
from ..models import Member, MemberCredential, PasswordState
from ..national_code import normalize_national_code
from ..password_policy import random_password
from ..selectors import member_contact_visible_to
from ..voting_window import member_in_voting_window

logger = logging.getLogger(__name__)

RESET_CODE_DIGITS = 6


def credential_locked(*, member: Member) -> MemberCredential:
    """The member's credential row, created (as self_set) if missing, locked for update."""
    MemberCredential.objects.get_or_create(member=member)
    return MemberCredential.objects.select_for_update().select_related("member").get(member=member)


def reset_code_digest(*, member_id: int, code: str) -> str:
    """Keyed hash of an option-2 code: the database never holds the code itself."""
    message = f"{member_id}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _save(credential: MemberCredential) -> None:
    try:
        credential.save()
    except ConcurrentTransition as exc:
        raise ConcurrentChange() from exc


@transaction.atomic
def password_change(*, member: Member, new_password: str) -> None:
    """The member sets their own password (M5, M6, M7). Refused while an election of the
    member's associations is in its voting window; the policy is checked here too."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member_in_voting_window(member=member):
        raise ElectionInVotingWindow()
    validate_password(new_password, user=member)
    credential = credential_locked(member=member)
    member.set_password(new_password)
    member.save(update_fields=["password"])
    credential.set_by_member()
    _save(credential)
    audit_record(actor=member, action="password.change", target=member, payload={})


def _member_by_code(national_code: str) -> Member | None:
    code = normalize_national_code(national_code)
    return Member.objects.filter(username=code, is_active=True).first()


@transaction.atomic
def password_random_request(*, national_code: str, actor: Member | None = None) -> bool:
    """M4 option 1: schedule a new random password for the member with this code. Returns
    whether a member was found; the view shows the same words either way, so this form
    reveals neither mobiles nor emails. An `actor` (an admin sending it, A4) must see the
    member's contact data: never a member who has only been invited (issue 13)."""
    member = _member_by_code(national_code)
    if member is None:
        return False
    if actor is not None and not member_contact_visible_to(member_id=member.pk, user=actor):
        raise PermissionDenied()
    audit_record(actor=actor, action="password.random_requested", target=member, payload={})
    # Queued by name, in this transaction (the task outbox): the tasks module imports this
    # one, never the other way round, and a broker outage delays the password, never loses it.
    task_enqueue("member_workflow.tasks.password_random_send_task", member.pk)
    return True


@sensitive_variables()  # error reports never show the new password
def password_random_send(*, member_id: int) -> None:
    """M4 option 1 / A4, run by the Celery task: generate a new random password, store it,
    and queue it to the registered mobile and email through otp_delivery's message queue
    (sealed at rest, sent by a worker with retries, the text erased once sent). It is never
    shown on screen. Everything commits together: no password is set without its messages."""
    password = random_password()
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member_id)
        credential = credential_locked(member=member)
        member.set_password(password)
        member.save(update_fields=["password"])
        credential.send_random()
        _save(credential)
        audit_record(actor=None, action="password.random_sent", target=member, payload={})
        with override(settings.LANGUAGE_CODE):
            text = _("سامانه انتخابات انجمن‌های علمی\nکلمه عبور جدید شما: %(password)s\nنام کاربری: کد ملی شما") % {
                "password": password
            }
            subject = _("کلمه عبور جدید سامانه انتخابات")
        queued = []
        for channel, recipient in (("sms", member_mobile(member)), ("email", member_email(member))):
            if recipient:
                message_queue(
                    channel=channel,
                    recipient=recipient,
                    text=text,
                    subject=subject,
                    member=member,
                    action="password.message_queue",
                )
                queued.append(channel)
    logger.info("password delivery queued", extra={"member_id": member.pk, "channels": queued})


def reset_code_new() -> str:
    """A fresh option-2 code: RESET_CODE_DIGITS digits from the OS generator."""
    return "".join(secrets.choice("0123456789") for _ in range(RESET_CODE_DIGITS))


def password_sms_reset_decoy() -> str:
    """What option 2 shows for a national code that is not registered (issue 13): a code
    made and hashed like a real one (the same work), stored nowhere, so it matches nothing.
    The page then reads exactly as for a member, and the form reveals no registration."""
    code = reset_code_new()
    reset_code_digest(member_id=0, code=code)
    return code


@transaction.atomic
def password_sms_reset_request(*, national_code: str) -> str:
    """M4 option 2: returns the code to show on screen (with the system number). Refused to
    association admins (A4) and while an election of the member's associations is open."""
    member = _member_by_code(national_code)
    if member is None:
        raise MemberNotFound()
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.is_association_admin:
        raise ResetNotForAdmins()
    if not member.mobile:
        raise NoMobileRegistered()
    if member_in_voting_window(member=member):
        raise ElectionInVotingWindow()
    credential = credential_locked(member=member)
    code = reset_code_new()
    expires_at = timezone.now() + timedelta(minutes=settings.PASSWORD_RESET_CODE_MINUTES)
    credential.request_sms_reset(code_digest=reset_code_digest(member_id=member.pk, code=code), expires_at=expires_at)
    _save(credential)
    audit_record(actor=None, action="password.sms_reset_requested", target=member, payload={})
    return code


def _reset_code_wrong(credential: MemberCredential) -> None:
    """A wrong code for a pending reset. The last allowed one voids the code: the member
    must ask for a new one (told so by SMS, on the phone the codes come from)."""
    credential.reset_code_failures += 1
    if credential.reset_code_failures < settings.INBOUND_CODE_MAX_WRONG:
        _save(credential)
        return
    credential.reset_code_digest = ""
    credential.reset_code_expires_at = None
    _save(credential)
    member = credential.member
    audit_record(actor=None, action="password.sms_reset_void", target=member, payload={})
    with override(settings.LANGUAGE_CODE):
        text = _(
            "سامانه انتخابات انجمن‌های علمی\nکد بازیابی کلمه عبور شما پس از %(count)s پیامک نادرست باطل شد. "
            "برای بازیابی، از «کلمه عبور خود را فراموش کرده ام» کد تازه بگیرید."
        ) % {"count": settings.INBOUND_CODE_MAX_WRONG}
    message_queue(
        channel="sms", recipient=member_mobile(member), text=text, member=member, action="password.void_notice"
    )


@sensitive_variables("code")
@transaction.atomic
def password_sms_reset_confirm(*, sender_mobile: str, code: str) -> Member | None:
    """The member's SMS with the option-2 code arrived from `sender_mobile`: the password
    becomes the national code (M4), to be changed at the next login (M5). Returns the
    member, or None when no pending reset of that sender matches (nothing changes but the
    count of wrong codes: at INBOUND_CODE_MAX_WRONG the code is void).

    Every message does the same work, whatever it matches (issue 13): one query for the
    sender's credential, the code's keyed hash, a constant-time comparison, and one
    password hash (the new password's on a match, a throwaway one otherwise)."""
    credential = (
        MemberCredential.objects.select_for_update()
        .select_related("member")
        .filter(member__mobile=sender_mobile, member__is_active=True)
        .first()
    )
    is_pending = (
        credential is not None
        and credential.state == PasswordState.SMS_RESET_PENDING
        and bool(credential.reset_code_digest)
        and credential.reset_code_expires_at is not None
        and credential.reset_code_expires_at >= timezone.now()
    )
    expected = credential.reset_code_digest if is_pending else "0" * 64
    given = reset_code_digest(member_id=credential.member_id if credential else 0, code=code)
    if not (hmac.compare_digest(expected, given) and is_pending):
        make_password(code)  # the password hash a match computes
        if is_pending:
            _reset_code_wrong(credential)
        return None
    member = credential.member
    if member.is_association_admin or member_in_voting_window(member=member):
        # The rules are checked again on arrival: an election may have opened meanwhile.
        return None
    member.set_password(member.national_code)
    member.save(update_fields=["password"])
    credential.confirm_sms_reset()
    _save(credential)
    audit_record(actor=None, action="password.reset_to_national_code", target=member, payload={})
    return member


def password_equals_national_code(*, member: Member) -> bool:
    """M5: does the member still use the national code as password?"""
    return member.has_usable_password() and member.check_password(member.national_code)


def password_is_national_code(*, member: Member, raw_password: str) -> bool:
    """M5 at a login that already verified `raw_password`: is it the national code?
    Compares the typed text, so no second (slow) hash is computed."""
    return raw_password == member.national_code


def login_check(*, member: Member, raw_password: str | None = None) -> bool:
    """M5, after the password was verified: raise when the login must be refused (national
    code as password while an election of the member's associations is open); return
    whether the member must change the password before anything else. A login form passes
    the verified `raw_password`, which saves a second (slow) hash."""
    if raw_password is not None:
        uses_national_code = password_is_national_code(member=member, raw_password=raw_password)
    else:
        uses_national_code = password_equals_national_code(member=member)
    if not uses_national_code:
        return False
    # "While an election is open, such an account cannot log in at all": an election of
    # one of the member's associations (the only elections the account could vote in).
    if member_in_voting_window(member=member):
        raise LoginRefusedDuringElection()
    return True
