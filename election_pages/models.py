"""Portal page types (home with its P1/P2 menus, standard pages, FAQ) and the election lifecycle."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from .blocks import BaseStreamBlock, QuestionBlock


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

    @property
    def href(self) -> str:
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

    @property
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


class Election(ConcurrentTransitionMixin, models.Model):
    """One election's lifecycle (SPEC A3). A plain model, not a page: publishing a page
    revision must never write an old state back (STYLE.md). Its page links to it."""

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
        return f"{self.association} ({self.get_state_display()})"
