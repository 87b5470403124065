"""Association settings an association's own admins change (issue 6: how its members get
election notices), and the association's own collection of files (issue 13)."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission

from cms_site.audit.services import audit_record

from ..errors import PermissionDenied
from ..models import Association, NotificationChannels

# What the association's file group may do in the association's collection: upload, edit,
# delete and choose documents and images there, and nowhere else.
COLLECTION_PERMISSIONS = [
    ("wagtaildocs", codename) for codename in ("add_document", "change_document", "delete_document", "choose_document")
] + [("wagtailimages", codename) for codename in ("add_image", "change_image", "delete_image", "choose_image")]


def association_files_group_name(*, association: Association) -> str:
    return f"Association files: {association.slug}"


@transaction.atomic
def association_notification_channels_set(*, association_id: int, channels: str, actor) -> Association:
    """Set how the association's members get election notices (email, SMS or both).
    Only the association's admins and superusers may change it."""
    association = Association.objects.select_for_update().get(pk=association_id)
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied()
    if not actor.is_superuser and not association.admins.filter(pk=actor.pk).exists():
        raise PermissionDenied()
    if channels not in NotificationChannels.values:
        raise ValueError(f"unknown notification channels {channels!r}")
    if association.notification_channels == channels:
        return association
    previous = association.notification_channels
    association.notification_channels = channels
    association.save(update_fields=["notification_channels"])
    audit_record(
        actor=actor,
        action="association.notification_channels_set",
        target=association,
        payload={"association": association.slug, "from": previous, "to": channels},
    )
    return association


@transaction.atomic
def association_collection_ensure(*, association_id: int) -> Collection:
    """Issue 13: the association's Wagtail collection (a child of the root collection, made
    on first need) and its file group, which holds the collection permissions and every
    admin of the association. Wagtail's choosers then list to an association admin the
    files of their own associations only. Idempotent: run again, it adds what is missing
    (a new admin, a permission) and changes nothing else."""
    association = Association.objects.select_for_update(of=("self",)).select_related("collection").get(pk=association_id)
    collection = association.collection
    if collection is None:
        root = Collection.get_first_root_node() or Collection.add_root(name="Root")
        collection = root.add_child(instance=Collection(name=association.name))
        association.collection = collection
        association.save(update_fields=["collection"])
        audit_record(
            actor=None,
            action="association.collection_create",
            target=association,
            payload={"association": association.slug, "collection_id": collection.pk},
        )
    group, _ = Group.objects.get_or_create(name=association_files_group_name(association=association))
    for app_label, codename in COLLECTION_PERMISSIONS:
        permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
        GroupCollectionPermission.objects.get_or_create(group=group, collection=collection, permission=permission)
    group.user_set.add(*association.admins.all())
    return collection
