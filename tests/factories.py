"""factory_boy factories, named after what they build."""

import datetime

import factory
from django.utils import timezone

from election_pages.models import Election, ElectionState
from member_workflow.models import Association, Member, Membership, MembershipState

VALID_NATIONAL_CODES = ["0012345679", "0499370899", "2271185327", "1234567891", "0079876544", "3761148917"]


def national_code_from(seq: int) -> str:
    """A valid national code derived from a sequence number."""
    base = f"{(seq * 7919 + 10_000_000) % 1_000_000_000:09d}"
    total = sum(int(base[i]) * (10 - i) for i in range(9)) % 11
    check = total if total < 2 else 11 - total
    return base + str(check)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        django_get_or_create = ("username",)

    username = factory.Sequence(national_code_from)
    first_name = "مریم"
    last_name = "احمدی"
    email = factory.Sequence(lambda n: f"member{n}@example.org")
    mobile = factory.Sequence(lambda n: f"0912{n % 10_000_000:07d}")
    password = factory.django.Password("Member2026pass")


class StaffFactory(MemberFactory):
    is_staff = True
    is_superuser = True
    mobile = None


def association_admin(association, **member_fields) -> Member:
    """A member who administers `association` (and nothing else)."""
    admin = MemberFactory(**member_fields)
    association.admins.add(admin)
    return admin


def member_with_password_state(state, **member_fields) -> Member:
    """A member whose password lifecycle is in `state` (a PasswordState)."""
    from member_workflow.models import MemberCredential

    member = MemberFactory(**member_fields)
    MemberCredential.objects.create(member=member, state=state)
    return member


class AssociationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Association
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"انجمن علمی شماره {n}")
    slug = factory.Sequence(lambda n: f"association-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    """A membership in any state: `MembershipFactory(state=MembershipState.APPROVED)`.
    The FSM field is protected, so the state can only be chosen at creation."""

    class Meta:
        model = Membership

    member = factory.SubFactory(MemberFactory)
    association = factory.SubFactory(AssociationFactory)
    state = MembershipState.PENDING


def approved_member(association, **member_fields) -> Member:
    """A member approved in `association`."""
    member = MemberFactory(**member_fields)
    MembershipFactory(member=member, association=association, state=MembershipState.APPROVED)
    return member


class ElectionFactory(factory.django.DjangoModelFactory):
    """An election of `association`; `ElectionFactory(state=ElectionState.OPEN)` for one
    whose voting is open (the window defaults to an hour ago until an hour from now)."""

    class Meta:
        model = Election

    association = factory.SubFactory(AssociationFactory)
    voting_starts_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))
    voting_ends_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=1))
    state = ElectionState.DRAFT
