"""P3, P5, P6 and A3 through the Django client: the upcoming list, the election page and its
three views, history, the JSON API, query bounds and cache invalidation."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.images.tests.utils import get_test_image_file

from election_pages.lifecycle import services
from election_pages.lifecycle.models import ElectionState
from member_workflow.models import MembershipState
from tests.factories import (
    AssociationFactory,
    CandidateFactory,
    ElectionFactory,
    MembershipFactory,
    PositionFactory,
    StaffFactory,
    announced_election,
    approved_member,
    election_page_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cache invalidation runs on commit, which a test transaction never reaches."""
    cache.clear()


def _text(response) -> str:
    html = response.content.decode()
    main = re.search(r"<main.*?</main>", html, re.S).group(0)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def _published_election(state, *, association=None, starts_in=datetime.timedelta(days=1), slug=None, **fields):
    starts = timezone.now() + starts_in
    election = ElectionFactory(
        association=association or AssociationFactory(),
        state=state,
        voting_starts_at=starts,
        voting_ends_at=starts + datetime.timedelta(days=1),
        **fields,
    )
    page = election_page_for(election, slug=slug)
    return election, page


# --- P3 -------------------------------------------------------------------------------


def test_p3_upcoming_lists_announced_and_open_never_drafts(client, portal):
    association = AssociationFactory(name="انجمن علمی آزمون")
    for _ in range(4):
        approved_member(association)
    MembershipFactory(association=association, state=MembershipState.PENDING)
    _published_election(ElectionState.ANNOUNCED, association=association, title="اعلام شده", slug="a")
    _published_election(ElectionState.OPEN, starts_in=-datetime.timedelta(hours=1), title="باز", slug="o")
    _published_election(ElectionState.DRAFT, title="پیش نویس", slug="d")
    _published_election(ElectionState.CLOSED, starts_in=-datetime.timedelta(days=9), title="بسته", slug="c")

    response = client.get("/upcoming-elections/")
    assert response.status_code == 200
    text = _text(response)
    assert "اعلام شده" in text and "باز" in text
    assert "پیش نویس" not in text and "بسته" not in text
    # Open one first (earlier start), Jalali start date in Persian digits, approved count ۴.
    rows = re.findall(r'<tr data-election="(\d+)">(.*?)</tr>', response.content.decode(), re.S)
    assert len(rows) == 2
    announced_row = next(row for _, row in rows if "اعلام شده" in row)
    assert re.search(r"[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2}", announced_row)
    assert ">۴<" in announced_row
    assert "ورود به صفحه انتخابات" in announced_row
    # The draft's own page is not public either.
    assert client.get("/upcoming-elections/d/").status_code == 404


def test_p3_upcoming_list_query_count_does_not_grow_with_elections(client, portal):
    _published_election(ElectionState.ANNOUNCED, slug="first")
    cache.clear()
    with CaptureQueriesContext(connection) as one:
        client.get("/upcoming-elections/")
    for index in range(12):
        _published_election(ElectionState.ANNOUNCED, slug=f"more-{index}")
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        response = client.get("/upcoming-elections/")
    assert response.content.decode().count("<tr data-election=") == 13
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


def test_p3_home_participate_button_reaches_the_open_election_in_two_clicks(client, portal):
    _published_election(ElectionState.OPEN, starts_in=-datetime.timedelta(hours=1), slug="open-now")
    home = client.get("/").content.decode()
    upcoming = re.search(
        r'<a[^>]*data-role="participate"[^>]*href="([^"]+)"|<a[^>]*href="([^"]+)"[^>]*data-role="participate"', home
    )
    href = upcoming.group(1) or upcoming.group(2)
    listing = client.get(href).content.decode()
    assert "/upcoming-elections/open-now/" in listing


# --- P5 -------------------------------------------------------------------------------


def test_p5_intro_shows_association_window_description_and_support_link(client, portal):
    election, page = _published_election(ElectionState.ANNOUNCED, slug="intro")
    page.support_url = "https://t.me/example_support"
    page.support_label = "گروه تلگرامی پشتیبانی"
    page.save_revision().publish()
    text = _text(client.get("/upcoming-elections/intro/"))
    assert election.association.name in text
    assert "شروع رای‌گیری" in text and "پایان رای‌گیری" in text
    assert re.search(r"[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2} [۰-۹]{2}:[۰-۹]{2}", text)
    assert "گروه تلگرامی پشتیبانی" in text
    for label in ("معرفی انتخابات جاری", "آشنایی با نامزدهای انتخابات", "شرکت در انتخابات"):
        assert label in text


def test_p5_candidates_grouped_by_position_in_persian_order_with_downloads(client, portal):
    from wagtail.documents.models import Document

    election, _ = _published_election(ElectionState.ANNOUNCED, slug="cands")
    board = PositionFactory(election=election, name="هیات مدیره", seats=3, selection_limit=3, sort_order=0)
    inspector = PositionFactory(election=election, name="بازرس", sort_order=1)
    resume = Document.objects.create(title="رزومه", file=ContentFile(b"%PDF-1.4\n", name="cv.pdf"))
    for last in ["گودرزی", "پاکزاد", "چگینی", "بابایی", "ژیان", "كاظمي"]:
        CandidateFactory(position=board, last_name=last, resume=resume)
    CandidateFactory(position=board, last_name="پیش نویس", live=False)
    CandidateFactory(position=inspector, last_name="زمانی", first_name="رضا", election_code="۲۰۱")

    response = client.get("/upcoming-elections/cands/candidates/")
    html = response.content.decode()
    board_html = html[html.index("هیات مدیره") : html.index("بازرس</h3>")]
    names = re.findall(r'class="candidate-card__name">علی (.*?)</h4>', board_html)
    assert names == ["بابایی", "پاکزاد", "چگینی", "ژیان", "كاظمي", "گودرزی"]
    assert "پیش نویس" not in html  # drafts are not approved candidates
    assert "دریافت رزومه" in html and resume.url in html
    text = _text(response)
    for label in ("کد انتخاباتی", "دانشگاه", "رشته", "مرتبه علمی"):
        assert label in text
    assert "۲۰۱" in text  # election code in Persian digits


def _image(index):
    from wagtail.images.models import Image

    return Image.objects.create(title=f"photo {index}", file=get_test_image_file(filename=f"p{index}.png"))


def test_p5_candidates_view_query_count_is_the_same_for_3_and_60_candidates(client, portal, django_assert_num_queries):
    urls = {}
    for slug, count in (("small", 3), ("big", 60)):
        election, _ = _published_election(ElectionState.ANNOUNCED, slug=slug)
        board = PositionFactory(election=election, seats=1, sort_order=0)
        inspector = PositionFactory(election=election, seats=1, sort_order=1)
        for index in range(count):
            CandidateFactory(position=board if index % 2 else inspector, photo=_image(f"{slug}-{index}"))
        urls[count] = f"/upcoming-elections/{slug}/candidates/"
        client.get(urls[count])  # photo renditions are generated on the first view
    cache.clear()
    with CaptureQueriesContext(connection) as three:
        small = client.get(urls[3])
    assert small.content.decode().count('class="candidate-card"') == 3
    cache.clear()
    with django_assert_num_queries(len(three)):
        big = client.get(urls[60])
    assert big.content.decode().count('class="candidate-card"') == 60


def test_v1_p5_participate_view_depends_on_the_voting_window(client, portal):
    _published_election(ElectionState.ANNOUNCED, slug="soon")
    _published_election(ElectionState.OPEN, starts_in=-datetime.timedelta(hours=1), slug="now")
    _published_election(ElectionState.CLOSED, starts_in=-datetime.timedelta(days=3), slug="over")
    soon = client.get("/upcoming-elections/soon/participate/")
    assert 'data-status="not_yet"' in soon.content.decode()
    assert "رای‌گیری هنوز آغاز نشده است" in _text(soon)
    now = client.get("/upcoming-elections/now/participate/")
    assert 'data-status="open"' in now.content.decode()
    assert "هم‌اکنون باز است" in _text(now)
    assert now["Cache-Control"] == "no-store"
    over = client.get("/upcoming-elections/over/participate/")
    assert "به پایان رسیده است" in _text(over)


def test_v1_open_state_but_clock_past_the_end_says_closed(client, portal):
    election, _ = _published_election(ElectionState.OPEN, starts_in=-datetime.timedelta(days=2), slug="late")
    assert election.voting_ends_at < timezone.now()
    assert 'data-status="closed"' in client.get("/upcoming-elections/late/participate/").content.decode()


def test_p5_english_translation_of_the_election_views(client, portal):
    _published_election(ElectionState.ANNOUNCED, slug="en-check")
    response = client.get("/en/upcoming-elections/")
    assert response.status_code == 200
    text = _text(response)
    assert "Go to the election page" in text and "Approved members" in text


# --- P6 -------------------------------------------------------------------------------


def test_p6_history_lists_past_elections_newest_first(client, portal):
    _published_election(ElectionState.CLOSED, starts_in=-datetime.timedelta(days=400), title="قدیمی", slug="old")
    _published_election(ElectionState.PUBLISHED, starts_in=-datetime.timedelta(days=30), title="تازه", slug="new")
    _published_election(ElectionState.ANNOUNCED, title="آینده", slug="future")
    html = client.get("/election-history/").content.decode()
    assert "آینده" not in html
    assert html.index("تازه") < html.index("قدیمی")
    assert 'href="/upcoming-elections/old/"' in html


# --- Caching --------------------------------------------------------------------------


def test_p3_a3_cached_list_is_invalidated_on_state_change_and_publish(
    client, portal, django_capture_on_commit_callbacks
):
    cache.clear()
    election, page = _published_election(ElectionState.ANNOUNCED, title="نخستین عنوان", slug="cached")
    assert "نخستین عنوان" in _text(client.get("/upcoming-elections/"))
    with CaptureQueriesContext(connection) as warm:
        client.get("/upcoming-elections/")
    assert not any("election_pages_electionpage" in q["sql"] for q in warm.captured_queries), "served from the cache"

    with django_capture_on_commit_callbacks(execute=True):
        page.title = "عنوان تازه"
        page.save_revision().publish()
    assert "عنوان تازه" in _text(client.get("/upcoming-elections/"))

    with django_capture_on_commit_callbacks(execute=True):
        services.election_cancel(election_id=election.pk, actor=StaffFactory(), reason="آزمون")
    assert "عنوان تازه" not in _text(client.get("/upcoming-elections/"))


def test_p5_cached_candidates_are_invalidated_when_a_candidate_is_published(
    client, portal, django_capture_on_commit_callbacks
):
    cache.clear()
    election, _ = _published_election(ElectionState.ANNOUNCED, slug="cc")
    position = PositionFactory(election=election)
    CandidateFactory(position=position, last_name="نخست")
    assert "نخست" in _text(client.get("/upcoming-elections/cc/candidates/"))
    late = CandidateFactory(position=position, last_name="دیرآمده", live=False)
    assert "دیرآمده" not in _text(client.get("/upcoming-elections/cc/candidates/"))
    with django_capture_on_commit_callbacks(execute=True):
        late.save_revision().publish()
    assert "دیرآمده" in _text(client.get("/upcoming-elections/cc/candidates/"))


# --- API ------------------------------------------------------------------------------


def test_p3_api_lists_announced_elections_and_their_candidates(client, portal):
    election, _ = _published_election(ElectionState.ANNOUNCED, slug="api")
    draft, _ = _published_election(ElectionState.DRAFT, slug="api-draft")
    position = PositionFactory(election=election, name="بازرس")
    CandidateFactory(position=position, last_name="کاظمی", election_code="۲۰۱")
    CandidateFactory(position=position, last_name="پنهان", live=False)
    data = client.get("/api/v1/elections/").json()
    assert [e["id"] for e in data["elections"]] == [election.pk]
    assert data["elections"][0]["url"].endswith("/upcoming-elections/api/")
    detail = client.get(f"/api/v1/elections/{election.pk}/candidates/").json()
    assert detail["positions"][0]["name"] == "بازرس"
    assert [c["full_name"] for c in detail["positions"][0]["candidates"]] == ["علی کاظمی"]
    assert client.get(f"/api/v1/elections/{draft.pk}/candidates/").status_code == 404
    assert client.post("/api/v1/elections/").status_code == 405


# --- Announced election built by the factory helper -------------------------------------


def test_p3_announced_election_helper_makes_a_public_page(client, portal):
    election = announced_election()
    assert client.get(f"/upcoming-elections/election-{election.pk}/").status_code == 200
