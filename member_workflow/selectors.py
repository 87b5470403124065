"""Reads about members and memberships."""

from django.db.models import Count, Q, QuerySet

from .models import Association, Membership, MembershipState


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
