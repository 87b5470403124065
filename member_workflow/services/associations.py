"""Association settings an association's own admins change (issue 6: how its members get
election notices)."""

from django.db import transaction

from cms_site.audit.services import audit_record

from ..errors import PermissionDenied
from ..models import Association, NotificationChannels


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
