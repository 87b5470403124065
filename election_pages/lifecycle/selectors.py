"""Reads of the election lifecycle: elections in their voting window, due to open or close,
the ballot's positions and candidates, the transitions a user may apply."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import IntegerField, Prefetch, Q
from django.db.models.functions import Cast
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import Page, ReferenceIndex

from cms_site.common.collation import candidate_sort_key
from member_workflow.models import Association

from .models import PUBLIC_STATES, Candidate, Election, ElectionState, Position


def elections_in_voting_window(*, now=None):
    """Elections whose voting is open now: state `open` and the clock inside the window."""
    now = now or timezone.now()
    return Election.objects.filter(state=ElectionState.OPEN, voting_starts_at__lte=now, voting_ends_at__gt=now)


def member_has_election_in_voting_window(*, member, now=None) -> bool:
    """SPEC M4/M5/M7: is any election of the member's associations (any membership state)
    in its voting window? Personal-page edits and option-2 resets are refused while so."""
    return elections_in_voting_window(now=now).filter(association__memberships__member=member).exists()


def election_ballot_positions(*, election) -> list:
    """The positions of `election` in their editor-given order, each with `ballot_candidates`:
    its approved (published) candidates in Persian alphabetical order (P5, the ballot).
    Three queries whatever the number of candidates (positions, candidates, photo renditions)."""
    photos = get_image_model().objects.prefetch_renditions(CANDIDATE_PHOTO_FILTER)
    candidates = Candidate.objects.filter(live=True).select_related("resume", "programme")
    candidates = candidates.prefetch_related(Prefetch("photo", queryset=photos))
    positions = list(
        Position.objects.filter(election=election)
        .order_by("sort_order", "pk")
        .prefetch_related(Prefetch("candidates", queryset=candidates))
    )
    for position in positions:
        position.ballot_candidates = sorted(position.candidates.all(), key=candidate_sort_key)
    return positions


CANDIDATE_PHOTO_FILTER = "fill-160x200"


def election_is_in_voting_window(*, election, now=None) -> bool:
    """V1: state open and the clock inside [start, end)."""
    now = now or timezone.now()
    return election.state == ElectionState.OPEN and election.voting_starts_at <= now < election.voting_ends_at


def elections_due_to_open(*, now=None):
    now = now or timezone.now()
    return Election.objects.filter(state=ElectionState.ANNOUNCED, voting_starts_at__lte=now, voting_ends_at__gt=now)


def elections_due_to_close(*, now=None):
    now = now or timezone.now()
    return Election.objects.filter(state=ElectionState.OPEN, voting_ends_at__lte=now)


def election_available_transitions(*, election, user) -> list:
    """The transitions the admin offers as buttons: allowed from the current state for
    this user (guards are checked when pressed, so a failing guard gives its reason)."""
    return [
        t
        for t in election.get_all_state_transitions()
        if t.source in (election.state, "*") and t.custom.get("admin") and t.has_perm(election, user)
    ]


def document_is_private(*, document) -> bool:
    """Issue 13: is this Wagtail document one only staff may download? A candidate's résumé
    or programme, or any file in an association's collection, is private until a live
    candidate of an election that is public (announced or later) with a live page links
    it, or a live page does. Every other document is as public as Wagtail makes it."""
    candidates = Candidate.objects.filter(Q(resume=document) | Q(programme=document))
    in_association_collection = Association.objects.filter(collection_id=document.collection_id).exists()
    if not in_association_collection and not candidates.exists():
        return False
    public_candidates = candidates.filter(
        live=True, position__election__state__in=PUBLIC_STATES, position__election__pages__live=True
    )
    if public_candidates.exists():
        return False
    referencing_pages = (
        ReferenceIndex.get_references_to(document)
        .filter(base_content_type=ContentType.objects.get_for_model(Page))
        .annotate(page_id=Cast("object_id", IntegerField()))
        .values("page_id")
    )
    return not Page.objects.live().filter(pk__in=referencing_pages).exists()


def candidate_files_of(*, candidate) -> list:
    """The candidate's photo, résumé and programme that are set (unsaved values included)."""
    return [file for file in (candidate.photo, candidate.resume, candidate.programme) if file is not None]
