"""SPEC P1, P2: the Persian home page, its menus, the guides and FAQ, in both languages."""

import re

import pytest
from django.core.management import call_command
from wagtail.models import Page

from election_pages.pages.models import FaqPage, HomePage, StandardPage

pytestmark = pytest.mark.django_db

P1_ELECTION_MENU = ["انتخابات پیش رو", "راهنمای شرکت در انتخابات", "تاریخچه انتخابات برگزار شده"]
P2_SIDE_MENU = [
    "راهنمای ثبت نام",
    "اطلاعات دبیرخانه کمیسیون انجمن های علمی گروه پزشکی",
    "راهنمای استفاده از سامانه",
    "شرکت در انتخابات",
    "مشاهده وضعیت عضویت",
    "سوالات پرتکرار انتخابات",
    "ورود اعضای ثبت نام شده به سامانه",
    "ثبت نام عضو جدید در سامانه",
]


def _links(html, css_class):
    pattern = rf'<a class="[^"]*{css_class}[^"]*" href="([^"]+)">([^<]+)</a>'
    return re.findall(pattern, html)


def _top_menu(html):
    block = html.split('class="top-menu__items"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', block)


def test_p1_home_is_persian_rtl(client, portal):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fa" dir="rtl">' in html
    assert "Vazirmatn-Regular.woff2" in html


def test_p1_top_election_menu_has_its_three_links_and_they_open(client, portal):
    html = client.get("/").content.decode()
    assert '<button type="button" class="top-menu__label" aria-haspopup="true">انتخابات</button>' in html
    menu = _top_menu(html)
    assert [label for _, label in menu] == P1_ELECTION_MENU
    for href, _ in menu:
        assert client.get(href).status_code == 200, href


def test_p1_purple_participate_button_leads_to_upcoming_elections(client, portal):
    html = client.get("/").content.decode()
    match = re.search(r'<a class="button button--purple" data-role="participate" href="([^"]+)">([^<]+)</a>', html)
    assert match and match.group(2) == "شرکت در انتخابات"
    target = client.get(match.group(1))
    assert target.status_code == 200
    assert "انتخابات پیش رو" in target.content.decode()


def test_p2_side_menu_items_in_order_with_yellow_registration(client, portal):
    html = client.get("/").content.decode()
    items = _links(html, "side-menu__item")
    assert [label for _, label in items] == P2_SIDE_MENU
    assert 'side-menu__item--yellow" href="/accounts/register/">ثبت نام عضو جدید در سامانه</a>' in html


def test_p2_every_menu_link_resolves_no_404(client, portal):
    html = client.get("/").content.decode()
    for href, label in _links(html, "side-menu__item"):
        response = client.get(href)
        assert response.status_code == 200, (label, href)


def test_p2_member_links_open_the_member_pages_in_each_language(client, portal):
    fa = dict((label, href) for href, label in _links(client.get("/").content.decode(), "side-menu__item"))
    assert fa["ورود اعضای ثبت نام شده به سامانه"] == "/accounts/login/"
    assert fa["مشاهده وضعیت عضویت"] == "/accounts/status/"
    en = dict((label, href) for href, label in _links(client.get("/en/").content.decode(), "side-menu__item"))
    assert en["Member login"] == "/en/accounts/login/"
    assert en["Register as a new member"] == "/en/accounts/register/"


def test_p2_guides_and_secretariat_are_standard_pages(portal):
    slugs = set(StandardPage.objects.filter(locale__language_code="fa").values_list("slug", flat=True))
    assert {"registration-guide", "usage-guide", "participation-guide", "secretariat"} <= slugs


def test_p2_faq_page_shows_questions_and_answers(client, portal):
    faq = FaqPage.objects.get(locale__language_code="fa")
    assert len(faq.questions) >= 3
    html = client.get(faq.url).content.decode()
    assert '<summary class="faq__question">چرا پیام «شما عضو این انجمن نیستید» را می‌بینم؟</summary>' in html


def test_english_translation_is_ltr_with_english_menus(client, portal):
    response = client.get("/en/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert [label for _, label in _top_menu(html)] == ["Upcoming elections", "Participation guide", "Past elections"]
    assert all(href.startswith("/en/") for href, _ in _links(html, "side-menu__item"))
    assert "Register as a new member" in html
    # Interface strings come from the English catalogue, not just the page content.
    assert "Skip to main content" in html and "رفتن به محتوای اصلی" not in html


def test_language_switch_moves_between_persian_and_english(client, portal):
    html = client.get("/").content.decode()
    assert 'name="language" value="en"' in html and ">English</button>" in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/en/"
    back = client.post("/i18n/setlang/", {"language": "fa", "next": "/en/"})
    assert back["Location"] == "/"
    assert ">فارسی</button>" in client.get("/en/").content.decode()


def test_editors_change_menu_text_without_a_deploy(client, portal):
    home = HomePage.objects.get(pk=portal.pk)
    home.election_menu_label = "انتخابات انجمن‌ها"
    items = list(home.election_menu_items.all())
    items[0].label = "انتخابات فعال"
    home.election_menu_items = items
    home.save_revision().publish()
    html = client.get("/").content.decode()
    assert ">انتخابات انجمن‌ها</button>" in html
    assert ">انتخابات فعال</a>" in html


def test_editor_can_open_the_home_page_in_the_persian_wagtail_admin(client, portal):
    from tests.factories import StaffFactory

    client.force_login(StaffFactory())
    response = client.get(f"/admin/pages/{portal.pk}/edit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="fa"' in html and 'dir="rtl"' in html
    assert "منوی کناری" in html


def test_demo_command_is_idempotent(db):
    call_command("demo")
    counts = (Page.objects.count(), HomePage.objects.count())
    call_command("demo")
    assert (Page.objects.count(), HomePage.objects.count()) == counts
    assert HomePage.objects.count() == 2  # Persian and its English translation


def test_unknown_path_is_a_persian_404(client, portal):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "صفحه پیدا نشد" in response.content.decode()


@pytest.mark.parametrize("path", ["/", "/en/", "/faq/"])
def test_p2_header_and_menus_cost_the_same_queries_whatever_the_number_of_items(client, portal, path):
    """The header is on every page: no query per menu item."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        client.get(path)  # warm per-process caches (site root paths)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured.captured_queries)

    before = count()
    for home in HomePage.objects.all():
        items = list(home.side_menu_items.all())
        home.side_menu_items = items + [
            type(items[0])(label=f"{item.label} ۲", link_page=item.link_page, style=item.style) for item in items
        ]
        home.save_revision().publish()
    assert count() == before
