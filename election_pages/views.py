"""Thin views of the election pages (P3, P5, P6) and the read-only JSON API.

Wagtail's `serve()`/routes call these: they read through selectors, render, and cache the
rendered fragments for everyone but previews (election_pages.cache).
"""

from django.http import Http404, JsonResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from .cache import cached_fragment
from .models import PUBLIC_STATES, Election, ElectionState
from .selectors import (
    election_ballot_positions,
    election_is_in_voting_window,
    past_election_rows,
    upcoming_election_rows,
)


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


# --- Read-only JSON API (for associations' own sites) ---------------------------------


def _election_json(election, page, request) -> dict:
    return {
        "id": election.pk,
        "title": page.title if page else election.title,
        "association": {"name": election.association.name, "slug": election.association.slug},
        "state": election.state,
        "voting_starts_at": election.voting_starts_at.isoformat(),
        "voting_ends_at": election.voting_ends_at.isoformat(),
        "url": page.get_full_url(request) if page else None,
    }


def _api_response(data) -> JsonResponse:
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=60"
    return response


@require_GET
def api_elections(request):
    """GET /api/v1/elections/: announced and open elections."""
    rows = upcoming_election_rows(language=translation.get_language())
    return _api_response({"elections": [_election_json(r["election"], r["page"], request) for r in rows]})


@require_GET
def api_election_candidates(request, election_id: int):
    """GET /api/v1/elections/<id>/candidates/: approved candidates by position."""
    election = Election.objects.select_related("association").filter(pk=election_id, state__in=PUBLIC_STATES).first()
    if election is None:
        return JsonResponse({"error": "not found"}, status=404)
    page = (
        election.pages.live().filter(locale__language_code=translation.get_language()).first()
        or election.pages.live().first()
    )
    positions = election_ballot_positions(election=election)
    return _api_response(
        {
            "election": _election_json(election, page, request),
            "positions": [
                {
                    "id": position.pk,
                    "name": position.name,
                    "selection_limit": position.selection_limit,
                    "seats": position.seats,
                    "candidates": [
                        {
                            "id": c.pk,
                            "full_name": c.full_name,
                            "election_code": c.election_code,
                            "university": c.university,
                            "field_of_study": c.field_of_study,
                            "academic_rank": c.academic_rank,
                            "resume_url": request.build_absolute_uri(c.resume.url) if c.resume else None,
                            "programme_url": request.build_absolute_uri(c.programme.url) if c.programme else None,
                        }
                        for c in position.ballot_candidates
                    ],
                }
                for position in positions
            ],
        }
    )
