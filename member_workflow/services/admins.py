"""Association admins (SPEC A2): granting the role and its Wagtail admin access."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from cms_site.audit.services import audit_record

from ..errors import PermissionDenied
from ..models import Association, Member
from .associations import association_collection_ensure

ASSOCIATION_ADMINS_GROUP = "Association admins"


def association_admins_group() -> Group:
    """The group that lets association admins into the Wagtail admin (nothing more: the
    members area scopes everything to their own associations)."""
    group, _ = Group.objects.get_or_create(name=ASSOCIATION_ADMINS_GROUP)
    access = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    group.permissions.add(access)
    return group


@transaction.atomic
def association_admin_grant(*, association: Association, member: Member, actor: Member | None) -> None:
    """Make `member` an admin of `association`. Only superusers (or the demo/operator with
    actor=None) may grant it. The admin also joins the association's file group: its own
    collection of documents and images (issue 13)."""
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied()
    if association.admins.filter(pk=member.pk).exists():
        return
    association.admins.add(member)
    member.groups.add(association_admins_group())
    association_collection_ensure(association_id=association.pk)
    audit_record(
        actor=actor,
        action="association.admin_grant",
        target=association,
        payload={"association": association.slug, "member_id": member.pk},
    )
