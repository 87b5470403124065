"""Election notices to members (issue 6, «Notifications»): one run per (election, kind),
one recipient row per (run, member). The unique constraints are what make every member
get each notice once, whatever retries or concurrent triggers do; the services in
`election_pages.notifications` insert the recipient row and queue its messages in one
transaction."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class NotificationKind(models.TextChoices):
    ANNOUNCEMENT = "announcement", _("اعلام شروع رای‌گیری")
    REMINDER = "reminder", _("یادآوری پیش از پایان رای‌گیری")
    RESULTS = "results", _("اعلام نتایج")


class NotificationRunState(models.TextChoices):
    SENDING = "sending", _("در حال ارسال")
    DONE = "done", _("پایان یافته")


class NotificationRun(ConcurrentTransitionMixin, models.Model):
    """One notice of one election to the approved members of its association.

    sending → done (every planned member has a recipient row). The member list is fixed
    when the run is planned (`planned`); chunks of it go to Celery by member ids."""

    election = models.ForeignKey(
        "election_pages.Election",
        verbose_name=_("انتخابات"),
        on_delete=models.PROTECT,
        related_name="notification_runs",
    )
    kind = models.CharField(_("نوع اطلاعیه"), max_length=20, choices=NotificationKind.choices)
    channels = models.CharField(_("روش ارسال"), max_length=10)  # the association's choice when planned
    planned = models.PositiveIntegerField(_("تعداد اعضای برنامه‌ریزی شده"), default=0)
    chunks = models.PositiveIntegerField(_("تعداد بسته‌ها"), default=0)
    state = FSMField(
        _("وضعیت"),
        max_length=20,
        choices=NotificationRunState.choices,
        default=NotificationRunState.SENDING,
        protected=True,
    )
    created_at = models.DateTimeField(_("زمان شروع"), auto_now_add=True)
    state_changed_at = models.DateTimeField(_("زمان آخرین تغییر وضعیت"), null=True, blank=True)

    class Meta:
        verbose_name = _("ارسال اطلاعیه انتخابات")
        verbose_name_plural = _("ارسال‌های اطلاعیه انتخابات")
        constraints = [
            models.UniqueConstraint(fields=["election", "kind"], name="notification_one_run_per_election_kind")
        ]

    def __str__(self):
        return f"{self.election_id}:{self.kind} ({self.get_state_display()})"

    @transition(field=state, source=NotificationRunState.SENDING, target=NotificationRunState.DONE)
    def finish(self, *, at) -> None:
        self.state_changed_at = at


class RecipientOutcome(models.TextChoices):
    QUEUED = "queued", _("در صف ارسال")
    SKIPPED_VOTED = "skipped_voted", _("رای داده است")
    SKIPPED_NO_CHANNEL = "skipped_no_channel", _("بدون راه ارتباطی")
    SKIPPED_INELIGIBLE = "skipped_ineligible", _("دیگر عضو تأیید شده نیست")
    SKIPPED_OFF = "skipped_off", _("لغو شده (اطلاعیه خاموش شد یا زمانش گذشت)")


class NotificationRecipient(models.Model):
    """One member's part of a run: what happened and which messages were queued. Inserted
    together with the queued messages, so a retried chunk finds it and skips the member."""

    run = models.ForeignKey(
        NotificationRun, verbose_name=_("ارسال"), on_delete=models.CASCADE, related_name="recipients"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("عضو"), on_delete=models.CASCADE, related_name="+"
    )
    outcome = models.CharField(_("نتیجه"), max_length=20, choices=RecipientOutcome.choices)
    email_delivery = models.OneToOneField(
        "otp_delivery.Delivery",
        verbose_name=_("پیام پست الکترونیک"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sms_delivery = models.OneToOneField(
        "otp_delivery.Delivery",
        verbose_name=_("پیامک"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("زمان"), auto_now_add=True)

    class Meta:
        verbose_name = _("گیرنده اطلاعیه")
        verbose_name_plural = _("گیرندگان اطلاعیه")
        constraints = [
            models.UniqueConstraint(fields=["run", "member"], name="notification_one_recipient_per_run_member")
        ]

    def __str__(self):
        return f"{self.run_id}:{self.member_id} {self.outcome}"
