"""Reads for the portal pages and elections."""

from django.utils import timezone
from wagtail.models import Site

from .models import Election, ElectionState, HomePage


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


def elections_in_voting_window(*, now=None):
    """Elections whose voting is open now: state `open` and the clock inside the window."""
    now = now or timezone.now()
    return Election.objects.filter(state=ElectionState.OPEN, voting_starts_at__lte=now, voting_ends_at__gt=now)


def member_has_election_in_voting_window(*, member, now=None) -> bool:
    """SPEC M4/M5/M7: is any election of the member's associations (any membership state)
    in its voting window? Personal-page edits and option-2 resets are refused while so."""
    return elections_in_voting_window(now=now).filter(association__memberships__member=member).exists()
