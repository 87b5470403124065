"""Membership transitions (SPEC M10, A2): approve, reject, suspend, reinstate, leave.

One entry point, `membership_transition`, applies any transition the `Membership` FSM
declares: it locks the row, checks the actor's permission and that the transition leaves
the current state (both read from the FSM), applies it, saves, and writes the audit entry
in the same transaction. Calling it again when the membership is already where the
transition leads is a no-op, so double clicks and retried bulk actions are harmless.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django_fsm import ConcurrentTransition

from cms_site.audit.services import audit_record
from cms_site.common.fsm import fsm_target, fsm_transitions_named

from ..errors import ConcurrentChange, InvalidTransition, PermissionDenied
from ..models import Association, Member, Membership


@transaction.atomic
def membership_transition(*, membership_id: int, transition: str, actor: Member | None, reason: str = "") -> Membership:
    """Apply the FSM transition named `transition` to the membership, as `actor`. The
    `reason`, when given, goes into the audit entry."""
    membership = Membership.objects.select_for_update().select_related("association").get(pk=membership_id)
    declared = fsm_transitions_named(membership, transition)
    if not declared:
        raise InvalidTransition()
    # The FSM's permission rule first, whatever the state: an outsider learns nothing.
    if not any(found.has_perm(membership, actor) for found in declared):
        raise PermissionDenied()
    if membership.state == fsm_target(membership, transition):
        return membership  # already done (double click, retried bulk action): nothing to write
    available = {found.name: found for found in membership.get_available_state_transitions()}
    if transition not in available:
        raise InvalidTransition()
    if not available[transition].has_perm(membership, actor):
        raise PermissionDenied()
    previous = membership.state
    getattr(membership, transition)(by=actor)
    try:
        membership.save()
    except ConcurrentTransition as exc:
        raise ConcurrentChange() from exc
    payload = {
        "association": membership.association.slug,
        "member_id": membership.member_id,
        "from": previous,
        "to": membership.state,
    }
    reason = (reason or "").strip()
    if reason:
        payload["reason"] = reason
    audit_record(actor=actor, action=f"membership.{transition}", target=membership, payload=payload)
    return membership


def membership_approve(*, membership_id: int, actor: Member) -> Membership:
    return membership_transition(membership_id=membership_id, transition="approve", actor=actor)


def membership_reject(*, membership_id: int, actor: Member) -> Membership:
    return membership_transition(membership_id=membership_id, transition="reject", actor=actor)


def membership_suspend(*, membership_id: int, actor: Member) -> Membership:
    return membership_transition(membership_id=membership_id, transition="suspend", actor=actor)


def membership_leave(*, membership_id: int, actor: Member) -> Membership:
    return membership_transition(membership_id=membership_id, transition="leave", actor=actor)


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def memberships_bulk_transition(*, membership_ids: list[int], actor: Member, transition: str) -> BulkResult:
    """Apply one transition to many memberships, each in its own transaction; memberships
    the actor may not touch or that are in the wrong state are reported, not changed."""
    result = BulkResult()
    for membership_id in membership_ids:
        try:
            membership_transition(membership_id=membership_id, transition=transition, actor=actor)
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
