"""factory_boy factories, named after what they build."""

import datetime

import factory
from django.utils import timezone

from election_pages.lifecycle.models import Candidate, Election, ElectionState, Position
from election_pages.pages.models import ElectionIndexPage, ElectionPage
from member_workflow.models import Association, Member, Membership, MembershipState
from tests.secrecy_helpers import TEST_FINGERPRINT, TEST_PUBLIC_B64, TEST_SHARE_SET, TEST_THRESHOLD

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
    title = factory.Sequence(lambda n: f"انتخابات آزمایشی {n}")
    state = ElectionState.DRAFT
    # Issue 12: as if the key ceremony had run (tests/secrecy_helpers.py holds the key).
    public_key = TEST_PUBLIC_B64
    key_fingerprint = TEST_FINGERPRINT
    key_share_set = TEST_SHARE_SET
    supervisor_threshold = TEST_THRESHOLD


class PositionFactory(factory.django.DjangoModelFactory):
    """A ballot position: `PositionFactory(election=e, name="بازرس", seats=1, selection_limit=1)`."""

    class Meta:
        model = Position

    election = factory.SubFactory(ElectionFactory)
    name = factory.Sequence(lambda n: f"سمت {n}")
    selection_limit = 1
    seats = 1
    sort_order = factory.Sequence(lambda n: n)


class CandidateFactory(factory.django.DjangoModelFactory):
    """An approved (published) candidate; `live=False` for one still in draft."""

    class Meta:
        model = Candidate

    position = factory.SubFactory(PositionFactory)
    first_name = "علی"
    last_name = factory.Sequence(lambda n: f"نامزد {n}")
    election_code = factory.Sequence(lambda n: f"{100 + n}")
    university = "دانشگاه علوم پزشکی تهران"
    field_of_study = "انفورماتیک پزشکی"
    academic_rank = "استادیار"
    live = True


def election_page_for(election, *, index_page=None, slug=None, title=None, publish=True) -> ElectionPage:
    """A Persian ElectionPage for `election` under the portal's «انتخابات پیش رو» page
    (needs the `portal` fixture)."""
    from wagtail.models import Locale

    index_page = index_page or ElectionIndexPage.objects.get(locale=Locale.objects.get(language_code="fa"))
    page = ElectionPage(
        title=title or election.title or f"انتخابات {election.pk}",
        slug=slug or f"election-{election.pk}",
        election=election,
        locale=index_page.locale,
    )
    index_page.add_child(instance=page)
    if publish:
        page.save_revision().publish()
    else:
        page.live = False
        page.save()
    return page


def announced_election(association=None, **fields):
    """An election in state announced whose start is in the future, with a published page."""
    fields.setdefault("voting_starts_at", timezone.now() + datetime.timedelta(days=1))
    fields.setdefault("voting_ends_at", timezone.now() + datetime.timedelta(days=2))
    election = ElectionFactory(association=association or AssociationFactory(), state=ElectionState.ANNOUNCED, **fields)
    election_page_for(election)
    return election
