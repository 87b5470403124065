"""The stored result of a tally (SPEC R1) and the record of each tally run.

`ElectionResult`: one row per election, written only by `election_pages.results.election_tally`;
publishing reveals it, archiving keeps it.
`TallyRun`: one row per press of «شمارش آرا» (queued → running → done | failed), written only by
the services in `election_pages.results`, read by the admin to show progress and failures.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class ElectionResult(models.Model):
    election = models.OneToOneField(
        "election_pages.Election", verbose_name=_("انتخابات"), on_delete=models.PROTECT, related_name="result"
    )
    tallied_at = models.DateTimeField(_("زمان شمارش"))
    ballots = models.PositiveIntegerField(_("تعداد آرا"))
    approved_members = models.PositiveIntegerField(_("اعضای تأیید شده هنگام پایان رای‌گیری"))
    # {"<position id>": {"name", "seats", "blank", "candidates": [{"id", "name", "election_code",
    #   "votes", "is_elected", "is_tied"}], "tied_seats"}} — names frozen as they were at the tally.
    positions = models.JSONField(_("نتایج سمت‌ها"))
    has_ties = models.BooleanField(_("تساوی در مرز کرسی"), default=False)
    audit_head_hash = models.CharField(_("هش آخرین رخداد گزارش هنگام شمارش"), max_length=64)

    class Meta:
        verbose_name = _("نتیجه انتخابات")
        verbose_name_plural = _("نتایج انتخابات")

    def __str__(self):
        return f"{self.election} — {self.ballots}"


class TallyRunState(models.TextChoices):
    QUEUED = "queued", _("در صف شمارش")
    RUNNING = "running", _("در حال شمارش")
    DONE = "done", _("شمارش پایان یافت")
    FAILED = "failed", _("شمارش ناموفق")


TALLY_RUN_ACTIVE_STATES = (TallyRunState.QUEUED, TallyRunState.RUNNING)


class TallyRun(ConcurrentTransitionMixin, models.Model):
    """One request to count an election (R1: progress shown in the admin).

    queued (the admin pressed «شمارش آرا») → running (the Celery task started) → done, or
    failed with a Persian report (e.g. sealed ballots ≠ participations). Progress fields are
    plain counters the service updates while counting; they are not states.
    """

    election = models.ForeignKey(
        "election_pages.Election", verbose_name=_("انتخابات"), on_delete=models.CASCADE, related_name="tally_runs"
    )
    state = FSMField(
        _("وضعیت شمارش"), max_length=10, choices=TallyRunState.choices, default=TallyRunState.QUEUED, protected=True
    )
    requested_by = models.ForeignKey(
        "member_workflow.Member",
        verbose_name=_("درخواست توسط"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    queued_at = models.DateTimeField(_("زمان درخواست"), default=timezone.now)
    started_at = models.DateTimeField(_("زمان آغاز"), null=True, blank=True)
    finished_at = models.DateTimeField(_("زمان پایان"), null=True, blank=True)
    step = models.CharField(_("مرحله"), max_length=20, blank=True)
    positions_done = models.PositiveIntegerField(_("سمت‌های شمرده شده"), default=0)
    positions_total = models.PositiveIntegerField(_("همه سمت‌ها"), default=0)
    failure_report = models.TextField(_("گزارش خطا"), blank=True)

    class Meta:
        verbose_name = _("اجرای شمارش")
        verbose_name_plural = _("اجراهای شمارش")
        ordering = ["-queued_at", "-pk"]
        indexes = [models.Index(fields=["election", "-queued_at"])]

    def __str__(self):
        return f"{self.election_id} — {self.get_state_display()}"

    @property
    def is_active(self) -> bool:
        return self.state in TALLY_RUN_ACTIVE_STATES

    @transition(field=state, source=TallyRunState.QUEUED, target=TallyRunState.RUNNING)
    def start(self) -> None:
        self.started_at = timezone.now()

    @transition(field=state, source=TallyRunState.RUNNING, target=TallyRunState.DONE)
    def finish(self) -> None:
        self.finished_at = timezone.now()
        self.step = ""

    @transition(field=state, source=[TallyRunState.QUEUED, TallyRunState.RUNNING], target=TallyRunState.FAILED)
    def fail(self, *, report: str) -> None:
        self.finished_at = timezone.now()
        self.failure_report = report
