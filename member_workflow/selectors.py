"""Reads about members and memberships."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value

from otp_delivery.selectors import member_recent_messages

from .contact import mask_email, mask_mobile
from .models import (
    CONTACT_HIDDEN_STATES,
    Association,
    Member,
    MemberCredential,
    Membership,
    MembershipState,
    PasswordState,
)
from .national_code import normalize_national_code


def association_approved_member_count(*, association: Association) -> int:
    """«اعضای تأیید شده»: how many members the association has approved."""
    return Membership.objects.filter(association=association, state=MembershipState.APPROVED).count()


def associations_with_approved_counts(*, ids=None) -> QuerySet[Association]:
    """Associations annotated with `approved_count`, in one query (for listings)."""
    queryset = Association.objects.all()
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.annotate(approved_count=Count("memberships", filter=Q(memberships__state=MembershipState.APPROVED)))


def membership_is_approved(*, member, association: Association) -> bool:
    """SPEC M10: only approved members of the association take part in its elections."""
    return Membership.objects.filter(member=member, association=association, state=MembershipState.APPROVED).exists()


def member_by_national_code(*, national_code: str):
    """The active member with this (normalised) code, or None."""
    return Member.objects.filter(username=normalize_national_code(national_code)[:10], is_active=True).first()


def member_memberships(*, member) -> QuerySet[Membership]:
    return Membership.objects.filter(member=member).select_related("association").order_by("association__name")


def member_password_state(*, member) -> str:
    """The password-lifecycle state; members without a credential row set their own."""
    credential = MemberCredential.objects.filter(member=member).only("state").first()
    return credential.state if credential else PasswordState.SELF_SET


def associations_administered_by(*, user) -> QuerySet[Association]:
    """The associations `user` manages: all for superusers, their own for admins."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Association.objects.none()
    if user.is_superuser:
        return Association.objects.all()
    return Association.objects.filter(admins=user)


def memberships_visible_to(*, user) -> QuerySet[Membership]:
    """SPEC A2: the memberships an admin may list, open, export or move — their own
    associations' only. Each is annotated with `is_contact_visible` (issue 13): may this
    admin see the member's names, mobile, email and password data? Not for a member who
    has only been invited (or declined) by the admin's associations."""
    associations = associations_administered_by(user=user)
    if user is not None and user.is_authenticated and user.is_superuser:
        is_contact_visible = Value(True)
    else:
        is_contact_visible = Exists(
            Membership.objects.filter(member=OuterRef("member"), association__in=associations).exclude(
                state__in=CONTACT_HIDDEN_STATES
            )
        )
    return (
        Membership.objects.filter(association__in=associations)
        .select_related("member", "association")
        .annotate(is_contact_visible=is_contact_visible)
    )


def member_contact_visible_to(*, member_id: int, user) -> bool:
    """Issue 13: may `user` see this member's contact data (and send them a password)?
    Superusers always; an association admin only when the member belongs, by their own
    request or consent, to one of the admin's associations."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return (
        Membership.objects.filter(member_id=member_id, association__admins=user)
        .exclude(state__in=CONTACT_HIDDEN_STATES)
        .exists()
    )


def member_invitations(*, member) -> QuerySet[Membership]:
    """The invitations the member has not answered yet (issue 13)."""
    return (
        Membership.objects.filter(member=member, state=MembershipState.INVITED)
        .select_related("association")
        .order_by("created_at", "pk")
    )


def membership_member_actions() -> list[tuple[str, str]]:
    """(transition name, label) of the answers a member gives to an invitation: the FSM's
    transitions declared `member`, in declared order."""
    return [
        (transition.name, transition.custom["label"])
        for transition in _in_declared_order(Membership().get_all_state_transitions())
        if transition.custom.get("member") is True
    ]


def member_support_summary(*, member) -> dict:
    """Support lookup: membership states, password-lifecycle state, recent deliveries
    (masked destinations). Never a password or a code."""
    state = member_password_state(member=member)
    return {
        "memberships": list(member_memberships(member=member)),
        "password_state": state,
        "password_state_label": PasswordState(state).label,
        "deliveries": [
            {
                "created_at": delivery.created_at,
                "kind": delivery.get_kind_display(),
                "channel": delivery.get_channel_display(),
                "recipient": mask_email(delivery.recipient)
                if delivery.channel == "email"
                else mask_mobile(delivery.recipient),
                "state": delivery.get_state_display(),
                "error": delivery.last_error,
            }
            for delivery in member_recent_messages(member=member, limit=10)
        ],
    }


def _in_declared_order(transitions) -> list:
    # django-fsm keeps a model's transitions by method name (alphabetical); the admin lists
    # them in the order the model declares them, which the class body keeps.
    declared = list(vars(Membership))
    return sorted(transitions, key=lambda transition: declared.index(transition.name))


def membership_admin_actions(*, membership: Membership) -> list[tuple[str, str]]:
    """(transition name, label) of the buttons the admins' area shows on this membership:
    the FSM's transitions declared `admin` that leave its current state (A2)."""
    return [
        (transition.name, transition.custom["label"])
        for transition in _in_declared_order(membership.get_available_state_transitions())
        if transition.custom.get("admin") is True
    ]


def membership_bulk_actions() -> list[tuple[str, str]]:
    """(transition name, label) of every transition the admins' area offers, once each, in
    the order the FSM declares them: the bulk-action list, and the names the admin's views
    accept."""
    actions: dict[str, str] = {}
    for transition in _in_declared_order(Membership().get_all_state_transitions()):
        if transition.custom.get("admin") is True:
            actions.setdefault(transition.name, transition.custom["label"])
    return list(actions.items())
