"""The personal page's edits (SPEC M7) and the email change by SMS (M9)."""

from django.db import IntegrityError, transaction

from cms_site.audit.services import audit_record

from ..contact import normalize_email, normalize_mobile
from ..errors import DuplicateMobile, ElectionInVotingWindow
from ..models import Member
from ..voting_window import member_in_voting_window


def member_contact_update(*, member: Member, email: str, mobile: str) -> Member:
    """M7: the member edits email and mobile; refused while an election of the member's
    associations is in its voting window."""
    email = normalize_email(email)
    mobile = normalize_mobile(mobile)
    try:
        with transaction.atomic():
            member = Member.objects.select_for_update().get(pk=member.pk)
            if member_in_voting_window(member=member):
                raise ElectionInVotingWindow()
            if Member.objects.filter(mobile=mobile).exclude(pk=member.pk).exists():
                raise DuplicateMobile()
            changed = [name for name, value in (("email", email), ("mobile", mobile)) if getattr(member, name) != value]
            if not changed:
                return member
            member.email, member.mobile = email, mobile
            member.save(update_fields=changed)
            audit_record(actor=member, action="member.contact_update", target=member, payload={"fields": changed})
    except IntegrityError as exc:
        raise DuplicateMobile() from exc
    return member


@transaction.atomic
def member_email_change_by_sms(*, sender_mobile: str, national_code: str, email: str) -> Member | None:
    """M9: the SMS came from the registered mobile of the member with this national code:
    the email becomes `email`. Any other sender changes nothing (returns None)."""
    member = Member.objects.select_for_update().filter(username=national_code, is_active=True).first()
    if member is None or not member.mobile or member.mobile != sender_mobile:
        return None
    if member.email == email:
        return member
    member.email = email
    member.save(update_fields=["email"])
    audit_record(actor=None, action="member.email_change_by_sms", target=member, payload={"fields": ["email"]})
    return member
