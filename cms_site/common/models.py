"""The task outbox: Celery tasks waiting to be handed to the broker.

A service that needs a task writes an `OutboxTask` row in its own transaction
(`cms_site.common.queueing.task_enqueue`), so the task exists exactly when the change that
needs it committed. The row is deleted once the broker has taken the message; a row the
broker did not take (it was down) waits here for the relay (`manage.py outbox_relay`).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxTask(models.Model):
    name = models.CharField(_("نام کار"), max_length=200)
    # IDs only, never a secret: the same rule as the Celery message it becomes.
    args = models.JSONField(_("ورودی‌ها"), default=list)
    eta = models.DateTimeField(_("نه زودتر از"), null=True, blank=True)
    created_at = models.DateTimeField(_("زمان ایجاد"), default=timezone.now)
    # Whoever publishes the row claims it first (the request after its commit, or the
    # relay), so one row becomes one message; a claim left by a dead process runs out.
    claimed_until = models.DateTimeField(_("در دست ارسال تا"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("تلاش‌های ناموفق"), default=0)
    last_error = models.CharField(_("آخرین خطا"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("کار در انتظار صف")
        verbose_name_plural = _("کارهای در انتظار صف")
        indexes = [models.Index(fields=["created_at"], name="common_outbox_created_idx")]

    def __str__(self):
        return f"#{self.pk} {self.name}"
