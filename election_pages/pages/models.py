"""The portal's Wagtail page types (P1-P6). Each renders through a builder registered in
ElectionPagesConfig.ready() (election_pages.pages.hooks); the lifecycle lives on `Election`."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import (
    Orderable,
    Page,
)
from wagtail.search import index

from election_pages.lifecycle.models import Election

from .blocks import BaseStreamBlock, QuestionBlock
from .hooks import page_builder


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
