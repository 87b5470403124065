"""The read-only JSON API of the elections (for associations' own sites). What the page
types render lives in `election_pages.page_context`."""

from django.http import JsonResponse
from django.utils import translation
from django.views.decorators.http import require_GET

from election_pages.lifecycle.models import PUBLIC_STATES, Election
from election_pages.lifecycle.selectors import election_ballot_positions

from .selectors import upcoming_election_rows

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
