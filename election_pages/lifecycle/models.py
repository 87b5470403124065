"""The election lifecycle (SPEC A3): `Election` with its FSM, guards and permissions, its positions
and candidates."""

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    PreviewableMixin,
    RevisionMixin,
    WorkflowMixin,
)

from cms_site.common.fsm import fsm_guard
from member_workflow.selectors import association_approved_member_count


class ElectionState(models.TextChoices):
    DRAFT = "draft", _("پیش‌نویس")
    ANNOUNCED = "announced", _("اعلام شده")
    OPEN = "open", _("در حال رای‌گیری")
    CLOSED = "closed", _("پایان رای‌گیری")
    TALLIED = "tallied", _("شمارش شده")
    PUBLISHED = "published", _("نتایج اعلام شده")
    ARCHIVED = "archived", _("بایگانی شده")
    CANCELLED = "cancelled", _("لغو شده")


# States in which the public sees the election's page and candidates (P3, P5).
PUBLIC_STATES = [s for s in ElectionState.values if s != ElectionState.DRAFT]
# States in which positions, limits and candidates may still change (the A3 lock).
EDITABLE_STATES = [ElectionState.DRAFT, ElectionState.ANNOUNCED]
# States that make an election "past" for the history page (P6).
# States whose stored result everyone may see (R1, P6).
RESULTS_PUBLIC_STATES = (ElectionState.PUBLISHED, ElectionState.ARCHIVED)
PAST_STATES = [ElectionState.CLOSED, ElectionState.TALLIED, ElectionState.PUBLISHED, ElectionState.ARCHIVED]


# The longest reminder lead the admin form accepts (a week).
REMINDER_MAX_HOURS = 168


# --- Guards: pure functions of the election (and the clock), each with the Persian
# message an admin sees when it fails (`fsm_guard`).
@fsm_guard(_("پیش از اعلام، صفحه این انتخابات باید منتشر شده باشد."))
def has_published_page(election: "Election") -> bool:
    return election.pages.filter(live=True).exists()


@fsm_guard(_("زمان پایان رای‌گیری باید بعد از زمان شروع باشد."))
def has_valid_window(election: "Election") -> bool:
    return bool(
        election.voting_starts_at and election.voting_ends_at and election.voting_ends_at > election.voting_starts_at
    )


@fsm_guard(_("انجمن برگزار کننده مشخص نشده است."))
def has_association(election: "Election") -> bool:
    return election.association_id is not None


@fsm_guard(_("هر سمت باید دست‌کم به تعداد کرسی‌هایش نامزد تأیید شده (منتشر شده) داشته باشد."))
def positions_are_filled(election: "Election") -> bool:
    """Every position has at least as many approved (published) candidates as seats."""
    positions = list(
        election.positions.annotate(
            live_candidates=models.Count("candidates", filter=models.Q(candidates__live=True))
        ).values_list("seats", "live_candidates")
    )
    return bool(positions) and all(count >= seats for seats, count in positions)


@fsm_guard(_("انجمن برگزار کننده هیچ عضو تأیید شده‌ای ندارد."))
def has_approved_members(election: "Election") -> bool:
    return association_approved_member_count(association=election.association) > 0


@fsm_guard(_("کلید انتخابات هنوز ساخته نشده است: هیئت نظارت و کلیدهای شخصی آن‌ها باید ثبت و مراسم کلید انجام شده باشد."))
def has_election_key(election: "Election") -> bool:
    """Issue 12: ballots can only be sealed once the key ceremony is complete."""
    return bool(election.public_key and election.key_share_set is not None)


@fsm_guard(_("آرا هنوز با حضور هیئت نظارت گشوده نشده است."))
def is_unsealed(election: "Election") -> bool:
    return election.unsealed_at is not None


@fsm_guard(_("زمان شروع رای‌گیری هنوز نرسیده است."))
def start_reached(election: "Election") -> bool:
    return timezone.now() >= election.voting_starts_at


@fsm_guard(_("زمان پایان رای‌گیری هنوز نرسیده است؛ فقط مدیر کل با ذکر دلیل می‌تواند زودتر پایان دهد."))
def end_reached(election: "Election") -> bool:
    return timezone.now() >= election.voting_ends_at


@fsm_guard(_("نتیجه شمارش هنوز ذخیره نشده است؛ شمارش با دکمه «شمارش آرا» انجام می‌شود."))
def has_stored_result(election: "Election") -> bool:
    """The tally service stores the counted result before it moves the election on."""
    # Through the reverse relation: the lifecycle never imports the results concern.
    return Election.objects.filter(pk=election.pk, result__isnull=False).exists()


@fsm_guard(_("دوره نگهداری داده‌های رای‌گیری پس از پایان رای‌گیری هنوز تمام نشده است؛ بایگانی پس از آن ممکن است."))
def retention_passed(election: "Election") -> bool:
    """Archiving erases voter-linked session data, so it waits until the documented
    retention period after the end of voting has passed (settings.ELECTION_RETENTION_DAYS)."""
    return timezone.now() >= election.voting_ends_at + datetime.timedelta(days=settings.ELECTION_RETENTION_DAYS)


def can_manage_election(instance: "Election", user) -> bool:
    """Editors with the change permission on elections (or superusers) move elections.
    `None` is the scheduler (Celery beat), allowed only where the service says so."""
    if user is None:
        return True
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.has_perm("election_pages.change_election")


def is_superuser(instance: "Election", user) -> bool:
    return user is not None and user.is_authenticated and user.is_active and user.is_superuser


class Election(ConcurrentTransitionMixin, ClusterableModel):
    """One election's lifecycle (SPEC A3). A plain model, not a page: publishing a page
    revision must never write an old state back (STYLE.md). Its pages (one per locale) link to it.

    draft → announced → open → closed → tallied → published → archived; cancelled from
    draft, announced or open. Transition bodies only record who, when and why; the services
    in `election_pages.services` lock the row, check guards, audit and invalidate caches.
    """

    title = models.CharField(_("عنوان"), max_length=200, default="")
    association = models.ForeignKey(
        "member_workflow.Association",
        verbose_name=_("انجمن برگزار کننده"),
        on_delete=models.PROTECT,
        related_name="elections",
    )
    voting_starts_at = models.DateTimeField(_("زمان شروع رای‌گیری"))
    voting_ends_at = models.DateTimeField(_("زمان پایان رای‌گیری"))
    state = FSMField(
        _("وضعیت"), max_length=20, choices=ElectionState.choices, default=ElectionState.DRAFT, protected=True
    )
    created_at = models.DateTimeField(_("زمان ایجاد"), auto_now_add=True)
    state_changed_at = models.DateTimeField(_("زمان آخرین تغییر وضعیت"), null=True, blank=True)
    state_changed_by = models.ForeignKey(
        "member_workflow.Member",
        verbose_name=_("تغییر وضعیت توسط"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state_change_reason = models.TextField(_("دلیل آخرین تغییر وضعیت"), blank=True)
    # R1 turnout = participations ÷ approved members at close; counted by the close transition.
    approved_members_at_close = models.PositiveIntegerField(
        _("اعضای تأیید شده هنگام پایان رای‌گیری"), null=True, blank=True, editable=False
    )
    # Notices to the association's approved members (issue 6); each can be switched off.
    has_announcement_notice = models.BooleanField(_("اعلام شروع رای‌گیری به اعضا"), default=True)
    has_reminder_notice = models.BooleanField(_("یادآوری پیش از پایان به اعضایی که رای نداده‌اند"), default=True)
    reminder_hours_before_close = models.PositiveSmallIntegerField(
        _("زمان یادآوری (ساعت پیش از پایان)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(REMINDER_MAX_HOURS)],
    )
    has_results_notice = models.BooleanField(_("اعلام نتایج به اعضا"), default=True)
    # Ballot secrecy (issue 12): the supervisors (هیئت نظارت) hold the election's private key
    # k-of-n (`election_pages.secrecy`). The server keeps the public key only; ballots are
    # sealed to it at «ثبت رای» and opened after the close by `supervisor_threshold` of them.
    supervisor_threshold = models.PositiveSmallIntegerField(
        _("حد نصاب هیئت نظارت برای گشودن آرا"), default=2, validators=[MinValueValidator(1)], editable=False
    )
    public_key = models.CharField(_("کلید عمومی انتخابات"), max_length=64, blank=True, editable=False)
    key_fingerprint = models.CharField(_("اثر انگشت کلید انتخابات"), max_length=64, blank=True, editable=False)
    key_share_set = models.PositiveIntegerField(_("شناسه سهم‌های کلید"), null=True, blank=True, editable=False)
    key_ceremony_at = models.DateTimeField(_("زمان ساخت کلید انتخابات"), null=True, blank=True, editable=False)
    # When the association's admins were told that the ceremony is still incomplete.
    key_warning_at = models.DateTimeField(_("زمان هشدار کلید ناقص"), null=True, blank=True, editable=False)
    unsealed_at = models.DateTimeField(_("زمان گشودن آرا"), null=True, blank=True, editable=False)
    unsealed_ballots = models.PositiveIntegerField(_("آرای گشوده"), default=0, editable=False)
    spoiled_ballots = models.PositiveIntegerField(_("آرای باطل (گشوده نشد)"), default=0, editable=False)
    ciphertexts_purged_at = models.DateTimeField(_("زمان پاک کردن آرای رمز شده"), null=True, blank=True, editable=False)

    panels = [
        FieldPanel("title"),
        FieldPanel("association"),
        FieldPanel("voting_starts_at"),
        FieldPanel("voting_ends_at"),
        InlinePanel("positions", heading=_("سمت‌ها"), label=_("سمت"), min_num=0),
        MultiFieldPanel(
            [
                FieldPanel("has_announcement_notice"),
                FieldPanel("has_reminder_notice"),
                FieldPanel("reminder_hours_before_close"),
                FieldPanel("has_results_notice"),
            ],
            heading=_("اطلاع‌رسانی به اعضا"),
        ),
    ]

    class Meta:
        verbose_name = _("انتخابات")
        verbose_name_plural = _("انتخابات‌ها")
        indexes = [models.Index(fields=["state", "voting_starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(voting_ends_at__gt=models.F("voting_starts_at")),
                name="election_window_ends_after_start",
            )
        ]

    def __str__(self):
        return self.title or f"{self.association} ({self.get_state_display()})"

    @property
    def is_locked(self) -> bool:
        """Once voting opens, positions, limits and candidates are frozen (A3)."""
        return self.state not in EDITABLE_STATES

    def _record(self, by, reason: str = "") -> None:
        self.state_changed_by = by
        self.state_changed_at = timezone.now()
        self.state_change_reason = reason

    @transition(
        field=state,
        source=ElectionState.DRAFT,
        target=ElectionState.ANNOUNCED,
        conditions=[has_association, has_valid_window, has_published_page],
        permission=can_manage_election,
        custom={"label": _("اعلام انتخابات"), "admin": True},
    )
    def announce(self, *, by, reason: str = "") -> None:
        self._record(by, reason)

    @transition(
        field=state,
        source=ElectionState.ANNOUNCED,
        target=ElectionState.OPEN,
        conditions=[start_reached, positions_are_filled, has_approved_members, has_election_key],
        permission=can_manage_election,
        custom={
            "label": _("شروع رای‌گیری"),
            "admin": True,
            "scheduler": True,
            "effects": ("candidate_moderation_cancel",),
            "after_commit": ("notice_announcement",),
        },
    )
    def open(self, *, by, reason: str = "") -> None:
        self._record(by, reason)

    @transition(
        field=state,
        source=ElectionState.OPEN,
        target=ElectionState.CLOSED,
        conditions=[end_reached],
        permission=can_manage_election,
        custom={"label": _("پایان رای‌گیری"), "admin": True, "scheduler": True, "effects": ("turnout_freeze",)},
    )
    def close(self, *, by, reason: str = "") -> None:
        self._record(by, reason)

    @transition(
        field=state,
        source=ElectionState.OPEN,
        target=ElectionState.CLOSED,
        permission=is_superuser,
        custom={
            "label": _("پایان زودهنگام رای‌گیری (مدیر کل)"),
            "admin": True,
            "needs_reason": True,
            "effects": ("turnout_freeze",),
        },
    )
    def force_close(self, *, by, reason: str) -> None:
        self._record(by, reason)

    @transition(
        field=state,
        source=ElectionState.CLOSED,
        target=ElectionState.TALLIED,
        conditions=[is_unsealed, has_stored_result],
        permission=can_manage_election,
        # The admin button queues a tally run (count, store, then this transition).
        custom={
            "label": _("شمارش آرا"),
            "admin": True,
            "queue": "tally_request",
            "queue_satisfies": (has_stored_result,),
        },
    )
    def tally(self, *, by, reason: str = "") -> None:
        self._record(by, reason)

    @transition(
        field=state,
        source=ElectionState.TALLIED,
        target=ElectionState.PUBLISHED,
        permission=can_manage_election,
        # Issue 12: the ciphertexts go with the publication; the tracker list stays.
        custom={
            "label": _("اعلام نتایج"),
            "admin": True,
            "effects": ("ciphertexts_purge",),
            "after_commit": ("notice_results", "ballot_box_rewrite"),
        },
    )
    def publish_results(self, *, by, reason: str = "") -> None:
        self._record(by, reason)

    @transition(
        field=state,
        source=ElectionState.PUBLISHED,
        target=ElectionState.ARCHIVED,
        conditions=[retention_passed],
        permission=can_manage_election,
        # The archive erases the voter-linked session data in the same transaction.
        custom={
            "label": _("بایگانی"),
            "admin": True,
            "scheduler": True,
            "effects": ("ballot_sessions_erase", "notice_recipients_erase"),
        },
    )
    def archive(self, *, by, reason: str = "") -> None:
        self._record(by, reason)

    @transition(
        field=state,
        source=[ElectionState.DRAFT, ElectionState.ANNOUNCED, ElectionState.OPEN],
        target=ElectionState.CANCELLED,
        permission=can_manage_election,
        custom={"label": _("لغو انتخابات"), "admin": True, "needs_reason": True},
    )
    def cancel(self, *, by, reason: str) -> None:
        self._record(by, reason)


class Position(Orderable):
    """A seat on the ballot: «هیات مدیره» (choose at most 3, 3 seats), «بازرس» (1).
    Its primary key is stable: ballots reference it."""

    election = ParentalKey(Election, verbose_name=_("انتخابات"), related_name="positions", on_delete=models.PROTECT)
    name = models.CharField(_("عنوان سمت"), max_length=120)
    selection_limit = models.PositiveSmallIntegerField(
        _("حداکثر تعداد انتخاب"), default=1, validators=[MinValueValidator(1)]
    )
    seats = models.PositiveSmallIntegerField(_("تعداد کرسی"), default=1, validators=[MinValueValidator(1)])

    panels = [FieldPanel("name"), FieldPanel("selection_limit"), FieldPanel("seats")]

    class Meta(Orderable.Meta):
        verbose_name = _("سمت")
        verbose_name_plural = _("سمت‌ها")
        constraints = [models.UniqueConstraint(fields=["election", "name"], name="position_unique_name_per_election")]

    def __str__(self):
        return f"{self.name} — {self.election}"


class Candidate(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, PreviewableMixin, models.Model):
    """A candidate for one position (P5, A1): a snippet with drafts, preview, locking and
    moderation. Only published (live) candidates are «approved» and appear publicly or on the
    ballot. Its primary key is stable: ballots reference it."""

    position = models.ForeignKey(Position, verbose_name=_("سمت"), related_name="candidates", on_delete=models.PROTECT)
    first_name = models.CharField(_("نام"), max_length=80)
    last_name = models.CharField(_("نام خانوادگی"), max_length=120)
    election_code = models.CharField(_("کد انتخاباتی"), max_length=20)
    university = models.CharField(_("دانشگاه"), max_length=200, blank=True)
    field_of_study = models.CharField(_("رشته"), max_length=200, blank=True)
    academic_rank = models.CharField(_("مرتبه علمی"), max_length=120, blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("عکس"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resume = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("رزومه (PDF)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    programme = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("برنامه‌ها (PDF)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revisions = GenericRelation("wagtailcore.Revision", related_query_name="candidate")
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="candidate",
        for_concrete_model=False,
    )

    panels = [
        FieldPanel("position"),
        FieldPanel("first_name"),
        FieldPanel("last_name"),
        FieldPanel("election_code"),
        FieldPanel("university"),
        FieldPanel("field_of_study"),
        FieldPanel("academic_rank"),
        FieldPanel("photo"),
        FieldPanel("resume"),
        FieldPanel("programme"),
    ]

    class Meta:
        verbose_name = _("نامزد")
        verbose_name_plural = _("نامزدها")
        constraints = [
            models.UniqueConstraint(fields=["position", "election_code"], name="candidate_unique_code_per_position")
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_preview_template(self, request, mode_name):
        return "election_pages/candidate_preview.html"

    def get_preview_context(self, request, mode_name):
        return {**super().get_preview_context(request, mode_name), "candidate": self}
