"""Builds the demo portal pages (Persian tree plus its English translation).

Idempotent: pages that exist (matched by slug and locale) are left as editors made them.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from wagtail.models import Collection, Locale, Page, Site
from wagtail.rich_text import RichText

from . import demo_content as content
from .models import FaqPage, HomeElectionMenuItem, HomePage, HomeSideMenuItem, StandardPage

PAGE_TYPES = {"standard": StandardPage, "faq": FaqPage}


def _paragraphs(texts):
    return [("paragraph", RichText(f"<p>{escape(text)}</p>")) for text in texts]


def _fill(page, spec_lang, page_type):
    page.title = spec_lang["title"]
    page.intro = spec_lang["intro"]
    if page_type == "faq":
        page.questions = [
            ("question", {"question": q, "answer": RichText(f"<p>{escape(a)}</p>")}) for q, a in spec_lang["questions"]
        ]
    else:
        page.body = _paragraphs(spec_lang["body"])


def _fill_home(home, lang, pages):
    spec = content.HOME[lang]
    home.title = spec["title"]
    home.intro = spec["intro"]
    home.election_menu_label = spec["election_menu_label"]
    home.participate_label = spec["participate_label"]
    home.participate_page = pages["upcoming"]
    home.election_menu_items = [
        HomeElectionMenuItem(label=labels[lang], link_page=pages[key], sort_order=i)
        for i, (key, labels) in enumerate(content.ELECTION_MENU)
    ]
    home.side_menu_items = [
        _side_menu_item(key=key, style=style, label=labels[lang], lang=lang, pages=pages, sort_order=i)
        for i, (key, style, labels) in enumerate(content.SIDE_MENU)
    ]


def _side_menu_item(*, key, style, label, lang, pages, sort_order):
    if key in content.MEMBER_LINKS:
        with translation.override(lang):
            url = reverse(content.MEMBER_LINKS[key])
        return HomeSideMenuItem(label=label, link_url=url, style=style, sort_order=sort_order)
    return HomeSideMenuItem(label=label, link_page=pages[key], style=style, sort_order=sort_order)


def _remove_wagtail_placeholder() -> None:
    """Wagtail's install creates a bare "Welcome" page (slug "home") as the site root.
    It goes; a real page an editor made is never touched."""
    for page in Page.objects.filter(depth=2, slug=content.HOME["slug"]):
        if type(page.specific) is Page and not page.get_children().exists():
            Site.objects.filter(root_page=page).delete()
            page.delete()


def _ensure_tree_roots(fa: Locale) -> None:
    """Wagtail's migrations create the page and collection roots; a flushed database
    (transactional tests) has neither, so recreate them the way Wagtail does."""
    if Page.get_first_root_node() is None:
        Page.add_root(
            instance=Page(title="Root", slug="root", locale=fa, content_type=ContentType.objects.get_for_model(Page))
        )
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")


def _ensure_home(fa: Locale) -> HomePage:
    home = HomePage.objects.filter(locale=fa, slug=content.HOME["slug"]).first()
    if home is None:
        _remove_wagtail_placeholder()
        home = HomePage(slug=content.HOME["slug"], locale=fa, title=content.HOME["fa"]["title"])
        Page.get_first_root_node().add_child(instance=home)
        home.save_revision().publish()
    if not Site.objects.filter(is_default_site=True).exists():
        Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True, site_name=content.HOME["fa"]["title"]
        )
    return home


@transaction.atomic
def portal_pages_build() -> HomePage:
    fa, _ = Locale.objects.get_or_create(language_code="fa")
    en, _ = Locale.objects.get_or_create(language_code="en")
    _ensure_tree_roots(fa)
    home = _ensure_home(fa)

    pages = {}
    for spec in content.PAGES:
        model = PAGE_TYPES[spec["type"]]
        page = model.objects.filter(locale=fa, slug=spec["slug"]).first()
        if page is None:
            page = model(slug=spec["slug"], locale=fa)
            _fill(page, spec["fa"], spec["type"])
            home.add_child(instance=page)
            page.save_revision().publish()
        pages[spec["key"]] = page

    if not home.election_menu_items.exists():
        _fill_home(home, "fa", pages)
        home.save_revision().publish()

    home_en = home.get_translation_or_none(en)
    if home_en is None:
        home_en = home.copy_for_translation(en)
        _fill_home(home_en, "en", pages)
        home_en.save_revision().publish()
    for spec in content.PAGES:
        page = pages[spec["key"]]
        if page.get_translation_or_none(en) is None:
            page_en = page.copy_for_translation(en)
            _fill(page_en, spec["en"], spec["type"])
            page_en.save_revision().publish()
    return home
