"""What the election pages render (P3, P5, P6): the page types' `get_context()` and
their routes reach these through `election_pages.page_hooks` (registered in
`AppConfig.ready()`), so the page models never import this module. They read through
selectors and cache the rendered fragments for everyone but previews
(election_pages.cache).
"""

from django.http import Http404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone, translation

from election_pages.lifecycle.cache import cached_fragment
from election_pages.lifecycle.models import PUBLIC_STATES, ElectionState
from election_pages.lifecycle.selectors import election_ballot_positions, election_is_in_voting_window

from .selectors import past_election_rows, upcoming_election_rows


def upcoming_context(*, request, page) -> dict:
    """P3: the table of announced and open elections."""
    language = translation.get_language()

    def build():
        rows = upcoming_election_rows(language=language)
        return render_to_string("election_pages/includes/upcoming_table.html", {"rows": rows}, request=request)

    return {"upcoming_table": cached_fragment(request=request, name="upcoming", build=build)}


def history_context(*, request, page) -> dict:
    """P6: past elections, newest first."""
    language = translation.get_language()

    def build():
        rows = past_election_rows(language=language)
        return render_to_string("election_pages/includes/history_table.html", {"rows": rows}, request=request)

    return {"history_table": cached_fragment(request=request, name="history", build=build)}


def _public_election(page):
    """Drafts are never public (P3); a preview shows them to the editor."""
    election = page.election
    if election.state not in PUBLIC_STATES:
        raise Http404
    return election


def _render(request, page, template, view, **context):
    return TemplateResponse(
        request,
        template,
        {**page.get_context(request), "page": page, "election": page.election, "election_view": view, **context},
    )


def election_intro(*, request, page):
    """«معرفی انتخابات جاری» (the default view)."""
    if not getattr(request, "is_preview", False):
        _public_election(page)
    return _render(request, page, "election_pages/election_page.html", "intro")


def election_candidates(*, request, page):
    """«آشنایی با نامزدهای انتخابات»: approved candidates by position, Persian order."""
    if not getattr(request, "is_preview", False):
        _public_election(page)

    def build():
        positions = election_ballot_positions(election=page.election)
        return render_to_string(
            "election_pages/includes/candidate_list.html", {"positions": positions}, request=request
        )

    html = cached_fragment(request=request, name=f"candidates:{page.election_id}", build=build)
    return _render(request, page, "election_pages/election_page_candidates.html", "candidates", candidate_list=html)


def election_participate(*, request, page):
    """«شرکت در انتخابات» (V1): only inside the voting window; otherwise says when voting
    opens or that it has closed. Never cached: the answer depends on the clock."""
    election = _public_election(page)
    now = timezone.now()
    if election_is_in_voting_window(election=election, now=now):
        status = "open"
    elif election.state == ElectionState.CANCELLED:
        status = "cancelled"
    elif election.state == ElectionState.ANNOUNCED or (
        election.state == ElectionState.OPEN and now < election.voting_starts_at
    ):
        status = "not_yet"
    else:
        status = "closed"
    response = _render(request, page, "election_pages/election_page_participate.html", "participate", status=status)
    response["Cache-Control"] = "no-store"
    return response
