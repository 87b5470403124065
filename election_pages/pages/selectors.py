"""Reads for the portal pages and elections."""

from django.conf import settings
from wagtail.models import Locale, Page, Site

from election_pages.lifecycle.models import PAST_STATES, RESULTS_PUBLIC_STATES, ElectionState
from member_workflow.selectors import associations_with_approved_counts

from .models import ElectionPage, HomePage


def portal_home_for_request(request) -> HomePage | None:
    """The site's home page in the active locale (falls back to the default locale)."""
    site = Site.find_for_request(request)
    if site is None:
        return None
    root = site.root_page.localized.specific
    if not isinstance(root, HomePage):
        return None
    home = HomePage.objects.filter(pk=root.pk).prefetch_related("election_menu_items", "side_menu_items").first()
    if home is not None:
        home_menu_hrefs_resolve(home=home, request=request)
    return home


def home_menu_hrefs_resolve(*, home: HomePage, request) -> None:
    """Every menu link of `home` in the active language, in a fixed number of queries: the
    header is on every page, so never a query per menu item. Works on a previewed draft too."""
    items = [*home.election_menu_links, *home.side_menu_links]
    target_ids = {item.link_page_id for item in items if item.link_page_id}
    if home.participate_page_id:
        target_ids.add(home.participate_page_id)
    targets = Page.objects.in_bulk(target_ids)
    translations = {
        page.translation_key: page
        for page in Page.objects.live().filter(
            translation_key__in={t.translation_key for t in targets.values()}, locale=Locale.get_active()
        )
    }
    urls = {pk: (translations.get(t.translation_key) or t).get_url(request) or "#" for pk, t in targets.items()}
    for item in items:
        item.href = urls.get(item.link_page_id, "#") if item.link_page_id else item.link_url
    home.participate_href = urls.get(home.participate_page_id, "#")


def _pages_per_election(*, states, language: str, order_by: str):
    """Live election pages of elections in `states`, one per election, in the active
    language where a translation exists and in the default language otherwise."""

    languages = {language, settings.LANGUAGE_CODE}
    pages = (
        ElectionPage.objects.live()
        .filter(election__state__in=states, locale__language_code__in=languages)
        .select_related("election__association", "election__result", "locale")
        .order_by(order_by, "pk")
    )
    chosen: dict[int, object] = {}
    for page in pages:
        current = chosen.get(page.election_id)
        if current is None or page.locale.language_code == language:
            chosen[page.election_id] = page
    ordered = list(dict.fromkeys(p.election_id for p in pages))
    return [chosen[election_id] for election_id in ordered]


def upcoming_election_rows(*, language: str) -> list[dict]:
    """P3: announced and open elections (never drafts) by start time, each with its page and
    the approved-member count of its association. Two queries, whatever their number."""

    pages = _pages_per_election(
        states=[ElectionState.ANNOUNCED, ElectionState.OPEN], language=language, order_by="election__voting_starts_at"
    )
    counts = (
        {
            a.pk: a.approved_count
            for a in associations_with_approved_counts(ids={p.election.association_id for p in pages})
        }
        if pages
        else {}
    )
    return [
        {"page": page, "election": page.election, "approved_count": counts.get(page.election.association_id, 0)}
        for page in pages
    ]


def past_election_rows(*, language: str) -> list[dict]:
    """P6: elections whose voting has closed, newest first, each with its page."""

    pages = _pages_per_election(states=PAST_STATES, language=language, order_by="-election__voting_ends_at")
    return [
        {
            "page": page,
            "election": page.election,
            # R1/P6: published results, turnout included (one joined query for all rows).
            "result": getattr(page.election, "result", None) if page.election.state in RESULTS_PUBLIC_STATES else None,
        }
        for page in pages
    ]
