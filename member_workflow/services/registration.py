"""Registering members: by themselves (M2) or by their association's admin (M3, A2)."""

from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction

from cms_site.audit.services import audit_record

from ..contact import normalize_email, normalize_mobile
from ..errors import DuplicateMember, DuplicateMobile, PermissionDenied
from ..models import (
    Association,
    Member,
    MemberCredential,
    Membership,
    MembershipState,
    PasswordState,
    can_manage_membership,
)
from ..national_code import normalize_national_code, validate_national_code
from ..selectors import member_contact_visible_to


def _check_unique(*, national_code: str, mobile: str) -> None:
    if Member.objects.filter(username=national_code).exists():
        raise DuplicateMember()
    if mobile and Member.objects.filter(mobile=mobile).exists():
        raise DuplicateMobile()


def member_register(
    *,
    national_code: str,
    first_name: str,
    last_name: str,
    mobile: str,
    email: str,
    password: str,
    associations: list[Association],
) -> Member:
    """M2: a member registers themselves; each chosen association gets a `pending`
    membership. Inputs are normalised and validated again here, not only in the form."""
    national_code = normalize_national_code(national_code)
    validate_national_code(national_code)
    mobile = normalize_mobile(mobile)
    email = normalize_email(email)
    try:
        with transaction.atomic():
            _check_unique(national_code=national_code, mobile=mobile)
            member = Member(
                username=national_code,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                mobile=mobile,
                email=email,
            )
            validate_password(password, user=member)
            member.set_password(password)
            member.save()
            MemberCredential.objects.create(member=member, state=PasswordState.SELF_SET)
            for association in associations:
                Membership.objects.create(member=member, association=association)
            audit_record(
                actor=None,
                action="member.register",
                target=member,
                payload={"national_code": national_code, "associations": [a.slug for a in associations]},
            )
    except IntegrityError as exc:
        # Two registrations of the same code or mobile raced; the second one lost.
        raise DuplicateMember() from exc
    return member


def member_add_by_admin(
    *,
    actor: Member,
    association: Association,
    national_code: str,
    first_name: str,
    last_name: str,
    mobile: str,
    email: str,
    is_approved: bool = True,
) -> Membership:
    """M3/A2: an association admin registers a member by hand. A new member gets a random
    password nobody is told (Django's unusable random hash: no password matches it until
    the member uses «کلمه عبور خود را فراموش کرده ام»).

    Issue 13: a national code that already has an account is someone else's person. Unless
    they already belong to one of the actor's associations (or the actor is a superuser),
    they only get an invitation (`invited`) that they accept or decline at their next
    login; the names, mobile and email typed here are ignored and the admin sees none of
    theirs until they accept."""
    if not can_manage_membership(Membership(association=association), actor):
        raise PermissionDenied()
    national_code = normalize_national_code(national_code)
    validate_national_code(national_code)
    mobile = normalize_mobile(mobile)
    email = normalize_email(email)
    state = MembershipState.APPROVED if is_approved else MembershipState.PENDING
    try:
        with transaction.atomic():
            member = Member.objects.select_for_update().filter(username=national_code).first()
            if member is None:
                if Member.objects.filter(mobile=mobile).exists():
                    raise DuplicateMobile()
                member = Member(
                    username=national_code,
                    first_name=first_name.strip(),
                    last_name=last_name.strip(),
                    mobile=mobile,
                    email=email,
                )
                member.set_unusable_password()
                member.save()
                MemberCredential.objects.create(member=member, state=PasswordState.RANDOM_UNREVEALED)
            elif not member_contact_visible_to(member_id=member.pk, user=actor):
                state = MembershipState.INVITED
            membership, created = Membership.objects.get_or_create(
                member=member, association=association, defaults={"state": state}
            )
            if created:
                audit_record(
                    actor=actor,
                    action="membership.invite" if state == MembershipState.INVITED else "membership.add_by_admin",
                    target=membership,
                    payload={"association": association.slug, "national_code": national_code, "state": state},
                )
    except IntegrityError as exc:
        raise DuplicateMobile() from exc
    return membership
