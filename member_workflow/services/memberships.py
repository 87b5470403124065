"""Membership transitions (SPEC M10, A2): approve, reject, suspend, reinstate, leave.

Each service locks the row, checks the actor's permission in the FSM (association admins
or superusers), applies the transition, saves, and writes the audit entry in the same
transaction. Calling it again when the membership is already in the target state is a
no-op, so double clicks and retried bulk actions are harmless.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from cms_site.audit.services import audit_record

from ..errors import ConcurrentChange, InvalidTransition, PermissionDenied
from ..models import Association, Member, Membership, MembershipState

# action (the transition method's name) → its target state
TRANSITIONS = {
    "approve": MembershipState.APPROVED,
    "reject": MembershipState.REJECTED,
    "suspend": MembershipState.SUSPENDED,
    "reinstate": MembershipState.APPROVED,
    "leave": MembershipState.LEFT,
}


def _membership_transition(*, membership_id: int, actor: Member, action: str) -> Membership:
    target = TRANSITIONS[action]
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("association").get(pk=membership_id)
        method = getattr(membership, action)
        if not has_transition_perm_for_actor(membership=membership, actor=actor):
            raise PermissionDenied()
        if membership.state == target:
            # Already done (double click, retried bulk action): nothing to write.
            return membership
        if not can_proceed(method):
            raise InvalidTransition()
        if not has_transition_perm(method, actor):
            raise PermissionDenied()
        previous = membership.state
        method(by=actor)
        try:
            membership.save()
        except ConcurrentTransition as exc:
            raise ConcurrentChange() from exc
        audit_record(
            actor=actor,
            action=f"membership.{action}",
            target=membership,
            payload={
                "association": membership.association.slug,
                "member_id": membership.member_id,
                "from": previous,
                "to": membership.state,
            },
        )
    return membership


def has_transition_perm_for_actor(*, membership: Membership, actor) -> bool:
    """The FSM's permission rule, independent of the current state."""
    from ..models import can_manage_membership

    return can_manage_membership(membership, actor)


def membership_approve(*, membership_id: int, actor: Member) -> Membership:
    return _membership_transition(membership_id=membership_id, actor=actor, action="approve")


def membership_reject(*, membership_id: int, actor: Member) -> Membership:
    return _membership_transition(membership_id=membership_id, actor=actor, action="reject")


def membership_suspend(*, membership_id: int, actor: Member) -> Membership:
    return _membership_transition(membership_id=membership_id, actor=actor, action="suspend")


def membership_reinstate(*, membership_id: int, actor: Member) -> Membership:
    return _membership_transition(membership_id=membership_id, actor=actor, action="reinstate")


def membership_leave(*, membership_id: int, actor: Member) -> Membership:
    return _membership_transition(membership_id=membership_id, actor=actor, action="leave")


SERVICES = {
    "approve": membership_approve,
    "reject": membership_reject,
    "suspend": membership_suspend,
    "reinstate": membership_reinstate,
    "leave": membership_leave,
}


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def memberships_bulk_transition(*, membership_ids: list[int], actor: Member, action: str) -> BulkResult:
    """Apply one action to many memberships, each in its own transaction; memberships the
    actor may not touch or that are in the wrong state are reported, not changed."""
    service = SERVICES[action]
    result = BulkResult()
    for membership_id in membership_ids:
        try:
            service(membership_id=membership_id, actor=actor)
        except Membership.DoesNotExist:
            result.refused[membership_id] = str(PermissionDenied.message)
        except (PermissionDenied, InvalidTransition, ConcurrentChange) as exc:
            result.refused[membership_id] = str(exc.message)
        else:
            result.done.append(membership_id)
    return result


@transaction.atomic
def membership_request(*, member: Member, association: Association, actor: Member | None) -> Membership:
    """A member asks to join (M2): a new `pending` membership; existing ones are kept."""
    membership, created = Membership.objects.get_or_create(member=member, association=association)
    if created:
        audit_record(
            actor=actor,
            action="membership.request",
            target=membership,
            payload={"association": association.slug, "member_id": member.pk},
        )
    return membership
