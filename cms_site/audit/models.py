"""Append-only audit entries linked by SHA-256 hashes.

Each entry stores the hash of the previous entry and its own hash over its content, so
changing or deleting any entry breaks the chain from that point (`manage.py verify_audit`).
On PostgreSQL a trigger also refuses UPDATE and DELETE on the table.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit entry through the ORM."""


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField(_("شماره"), unique=True)
    created_at = models.DateTimeField(_("زمان"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("انجام‌دهنده"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("رخداد"), max_length=100, db_index=True)
    target_type = models.CharField(_("نوع هدف"), max_length=100, blank=True)
    target_id = models.CharField(_("شناسه هدف"), max_length=64, blank=True)
    payload = models.JSONField(_("جزئیات"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("رخداد")
        verbose_name_plural = _("رخدادها")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries cannot be deleted")


class AuditHead(models.Model):
    """A single row holding the chain's tip; locking it serialises writers."""

    seq = models.PositiveBigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self):
        return f"head #{self.seq}"
