"""Reads for the portal pages."""

from wagtail.models import Site

from .models import HomePage


def portal_home_for_request(request) -> HomePage | None:
    """The site's home page in the active locale (falls back to the default locale)."""
    site = Site.find_for_request(request)
    if site is None:
        return None
    root = site.root_page.localized.specific
    if not isinstance(root, HomePage):
        return None
    return (
        HomePage.objects.filter(pk=root.pk)
        .prefetch_related("election_menu_items__link_page", "side_menu_items__link_page")
        .select_related("participate_page")
        .first()
    )
