"""Portal page types (home with its P1/P2 menus, standard pages, FAQ) and the election lifecycle."""

import datetime

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    Page,
    PreviewableMixin,
    RevisionMixin,
    WorkflowMixin,
)
from wagtail.search import index

from .blocks import BaseStreamBlock, QuestionBlock
from .page_hooks import page_builder


class MenuLink(models.Model):
    """A labelled link to a page of the portal or to any URL. Editors manage these."""

    label = models.CharField(_("عنوان"), max_length=120)
    link_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("صفحه مقصد"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    link_url = models.CharField(
        _("نشانی مقصد"), max_length=300, blank=True, help_text=_("فقط وقتی صفحه‌ای انتخاب نشده است.")
    )

    panels = [FieldPanel("label"), PageChooserPanel("link_page"), FieldPanel("link_url")]

    class Meta:
        abstract = True

    def __str__(self):
        return self.label

    def clean(self):
        super().clean()
        if not self.link_page_id and not self.link_url:
            raise ValidationError(_("یک صفحه یا یک نشانی برای این پیوند لازم است."))

    @cached_property
    def href(self) -> str:
        """The link in the active language. `portal_home_for_request` fills it in for all
        the menu items at once; this is the one-off path."""
        if self.link_page_id:
            page = self.link_page.localized
            return page.url or "#"
        return self.link_url


class HomeElectionMenuItem(Orderable, MenuLink):
    """One of the links under the top «انتخابات» menu (P1)."""

    page = ParentalKey("HomePage", related_name="election_menu_items", on_delete=models.CASCADE)


class HomeSideMenuItem(Orderable, MenuLink):
    """One item of the home side menu (P2)."""

    class Style(models.TextChoices):
        PLAIN = "plain", _("ساده")
        YELLOW = "yellow", _("زرد (ثبت نام)")
        PURPLE = "purple", _("بنفش (شرکت در انتخابات)")

    page = ParentalKey("HomePage", related_name="side_menu_items", on_delete=models.CASCADE)
    style = models.CharField(_("ظاهر"), max_length=10, choices=Style.choices, default=Style.PLAIN)

    panels = [*MenuLink.panels, FieldPanel("style")]


class HomePage(Page):
    """The portal's home page. Its menus appear in the header of every page (P1, P2)."""

    intro = RichTextField(_("معرفی"), blank=True, features=["bold", "italic", "link"])
    election_menu_label = models.CharField(_("عنوان منوی انتخابات"), max_length=60, default="انتخابات")
    participate_label = models.CharField(_("عنوان دکمه بنفش"), max_length=60, default="شرکت در انتخابات")
    participate_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("مقصد دکمه بنفش"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(BaseStreamBlock(), verbose_name=_("محتوا"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel(
            [FieldPanel("election_menu_label"), InlinePanel("election_menu_items", label=_("پیوند"))],
            heading=_("منوی بالای صفحه: انتخابات"),
        ),
        MultiFieldPanel(
            [FieldPanel("participate_label"), PageChooserPanel("participate_page")],
            heading=_("دکمه «شرکت در انتخابات»"),
        ),
        InlinePanel("side_menu_items", heading=_("منوی کناری"), label=_("گزینه")),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("صفحه اصلی")

    @cached_property
    def election_menu_links(self) -> list:
        """The top «انتخابات» menu items, loaded once (their `href` is resolved in bulk)."""
        return list(self.election_menu_items.all())

    @cached_property
    def side_menu_links(self) -> list:
        return list(self.side_menu_items.all())

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The page being served (or previewed) shows its own menus: resolve their links in bulk.
        page_builder("home_menus")(home=self, request=request)
        return context

    @cached_property
    def participate_href(self) -> str:
        if self.participate_page_id:
            return self.participate_page.localized.url or "#"
        return "#"


class StandardPage(Page):
    """A guide, the secretariat information, or any editor-written page."""

    intro = models.TextField(_("خلاصه"), blank=True)
    body = StreamField(BaseStreamBlock(), verbose_name=_("محتوا"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["election_pages.HomePage", "election_pages.StandardPage"]

    class Meta:
        verbose_name = _("صفحه متنی")


class FaqPage(Page):
    """«سوالات پرتکرار انتخابات»: question and answer blocks."""

    intro = models.TextField(_("خلاصه"), blank=True)
    questions = StreamField([("question", QuestionBlock())], verbose_name=_("پرسش‌ها"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("questions")]
    search_fields = [*Page.search_fields, index.SearchField("questions")]

    parent_page_types = ["election_pages.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("پرسش‌های پرتکرار")


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


# --- Guards: pure functions of the election (and the clock). The services map each
# failing guard to its Persian message (election_pages.guards).
def has_published_page(election: "Election") -> bool:
    return election.pages.filter(live=True).exists()


def has_valid_window(election: "Election") -> bool:
    return bool(
        election.voting_starts_at and election.voting_ends_at and election.voting_ends_at > election.voting_starts_at
    )


def has_association(election: "Election") -> bool:
    return election.association_id is not None


def positions_are_filled(election: "Election") -> bool:
    """Every position has at least as many approved (published) candidates as seats."""
    positions = list(
        election.positions.annotate(
            live_candidates=models.Count("candidates", filter=models.Q(candidates__live=True))
        ).values_list("seats", "live_candidates")
    )
    return bool(positions) and all(count >= seats for seats, count in positions)


def has_approved_members(election: "Election") -> bool:
    from member_workflow.selectors import association_approved_member_count

    return association_approved_member_count(association=election.association) > 0


def start_reached(election: "Election") -> bool:
    return timezone.now() >= election.voting_starts_at


def end_reached(election: "Election") -> bool:
    return timezone.now() >= election.voting_ends_at


def has_stored_result(election: "Election") -> bool:
    """The tally service stores the counted result before it moves the election on."""
    return ElectionResult.objects.filter(election=election).exists()


def retention_passed(election: "Election") -> bool:
    """Archiving erases voter-linked session data, so it waits until the documented
    retention period after the end of voting has passed (settings.ELECTION_RETENTION_DAYS)."""
    from django.conf import settings

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
        conditions=[start_reached, positions_are_filled, has_approved_members],
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
        conditions=[has_stored_result],
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
        custom={"label": _("اعلام نتایج"), "admin": True, "after_commit": ("notice_results",)},
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
        custom={"label": _("بایگانی"), "admin": True, "scheduler": True, "effects": ("voter_data_erase",)},
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


class ElectionIndexPage(Page):
    """«انتخابات پیش رو» (P3): announced and open elections, and the «بررسی کد ملی» box (P4).
    Its children are the election pages."""

    intro = RichTextField(_("معرفی"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["election_pages.HomePage"]
    subpage_types = ["election_pages.ElectionPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("صفحه انتخابات پیش رو")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        return {**context, **page_builder("upcoming")(request=request, page=self)}


class ElectionHistoryPage(Page):
    """«تاریخچه انتخابات برگزار شده» (P6): past elections by date, each linking to its page."""

    intro = RichTextField(_("معرفی"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["election_pages.HomePage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("صفحه تاریخچه انتخابات")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        return {**context, **page_builder("history")(request=request, page=self)}


class ElectionPage(RoutablePageMixin, Page):
    """One election's public page (P5) with three views: «معرفی انتخابات جاری» (default),
    «آشنایی با نامزدهای انتخابات» (candidates/) and «شرکت در انتخابات» (participate/).
    Each locale's page links to the same `Election` (the lifecycle lives there)."""

    election = models.ForeignKey(Election, verbose_name=_("انتخابات"), on_delete=models.PROTECT, related_name="pages")
    description = StreamField(BaseStreamBlock(), verbose_name=_("توضیحات"), blank=True)
    support_url = models.URLField(_("نشانی پشتیبانی"), blank=True, help_text=_("برای نمونه گروه تلگرامی انتخابات."))
    support_label = models.CharField(_("عنوان پیوند پشتیبانی"), max_length=120, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("election"),
        FieldPanel("description"),
        MultiFieldPanel([FieldPanel("support_url"), FieldPanel("support_label")], heading=_("پشتیبانی")),
    ]
    search_fields = [*Page.search_fields, index.SearchField("description")]

    parent_page_types = ["election_pages.ElectionIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("صفحه انتخابات")

    def clean(self):
        super().clean()
        if self.election_id and self.locale_id:
            duplicate = (
                ElectionPage.objects.filter(election_id=self.election_id, locale_id=self.locale_id)
                .exclude(pk=self.pk)
                .exists()
            )
            if duplicate:
                raise ValidationError({"election": _("این انتخابات در این زبان صفحه دیگری دارد.")})

    @path("")
    def intro_view(self, request):
        return page_builder("election_intro")(request=request, page=self)

    @path("candidates/")
    def candidates_view(self, request):
        return page_builder("election_candidates")(request=request, page=self)

    @path("participate/")
    def participate_view(self, request):
        return page_builder("election_participate")(request=request, page=self)


from .notification_models import NotificationRecipient, NotificationRun  # noqa: E402,F401  (notices, issue 6)
from .result_models import ElectionResult, TallyRun  # noqa: E402,F401  (stored tally and its runs, issue 6)
from .voting.models import BallotSession, Participation, SealedBallot  # noqa: E402,F401  (voting models, issue 5)
