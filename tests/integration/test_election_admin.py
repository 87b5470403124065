"""A1, A3 in the Wagtail admin: transitions as buttons with a confirmation step, the lock
after opening, candidates as moderated snippets with drafts and preview."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cms_site.audit.models import AuditEntry
from election_pages.lifecycle.models import Candidate, ElectionState
from tests.factories import (
    CandidateFactory,
    ElectionFactory,
    PositionFactory,
    StaffFactory,
    approved_member,
    election_page_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def _inspect_url(election):
    return reverse("elections:inspect", args=[election.pk])


def test_a3_admin_shows_state_and_allowed_transitions_as_buttons(staff_client, portal):
    election = ElectionFactory(
        voting_starts_at=timezone.now() + datetime.timedelta(days=1),
        voting_ends_at=timezone.now() + datetime.timedelta(days=2),
    )
    election_page_for(election)
    html = staff_client.get(_inspect_url(election)).content.decode()
    assert "پیش‌نویس" in html
    assert 'data-transition="announce"' in html and 'data-transition="cancel"' in html
    assert 'data-transition="open"' not in html  # not allowed from draft
    assert 'data-transition="tally"' not in html  # the results work performs it


def test_a3_admin_transition_has_a_confirmation_step_then_applies(staff_client, portal):
    election = ElectionFactory(
        voting_starts_at=timezone.now() + datetime.timedelta(days=1),
        voting_ends_at=timezone.now() + datetime.timedelta(days=2),
    )
    election_page_for(election)
    url = reverse("election_pages_transition", args=[election.pk, "announce"])
    confirm = staff_client.get(url)
    assert confirm.status_code == 200
    assert "اطمینان دارید" in confirm.content.decode()
    election.refresh_from_db()
    assert election.state == ElectionState.DRAFT  # GET changes nothing

    response = staff_client.post(url)
    assert response.status_code == 302
    election.refresh_from_db()
    assert election.state == ElectionState.ANNOUNCED
    assert AuditEntry.objects.filter(action="election.announce").count() == 1


def test_a3_admin_shows_why_a_transition_is_refused(staff_client, portal):
    election = ElectionFactory(state=ElectionState.ANNOUNCED)  # no positions, no members
    url = reverse("election_pages_transition", args=[election.pk, "open"])
    response = staff_client.post(url, follow=True)
    html = response.content.decode()
    assert "به تعداد کرسی‌هایش" in html and "هیچ عضو تأیید شده‌ای ندارد" in html
    election.refresh_from_db()
    assert election.state == ElectionState.ANNOUNCED


def test_a3_admin_cancel_needs_a_reason(staff_client, portal):
    election = ElectionFactory(state=ElectionState.ANNOUNCED)
    url = reverse("election_pages_transition", args=[election.pk, "cancel"])
    response = staff_client.post(url, {"reason": ""})
    assert response.status_code == 200  # the form comes back with its error
    election.refresh_from_db()
    assert election.state == ElectionState.ANNOUNCED
    staff_client.post(url, {"reason": "درخواست هیات مدیره"})
    election.refresh_from_db()
    assert election.state == ElectionState.CANCELLED


def test_a3_non_staff_member_cannot_reach_the_transition(client, portal):
    from tests.factories import MemberFactory

    client.force_login(MemberFactory())
    election = ElectionFactory(state=ElectionState.ANNOUNCED)
    response = client.post(reverse("election_pages_transition", args=[election.pk, "cancel"]), {"reason": "x"})
    assert response.status_code in (302, 403)
    election.refresh_from_db()
    assert election.state == ElectionState.ANNOUNCED


def _open_election():
    election = ElectionFactory(state=ElectionState.OPEN)
    approved_member(election.association)
    position = PositionFactory(election=election, name="بازرس", seats=1, selection_limit=1)
    candidate = CandidateFactory(position=position)
    return election, position, candidate


def _election_form_data(election, positions):
    data = {
        "title": election.title,
        "association": election.association_id,
        "voting_starts_at": timezone.localtime(election.voting_starts_at).strftime("%Y-%m-%d %H:%M"),
        "voting_ends_at": timezone.localtime(election.voting_ends_at).strftime("%Y-%m-%d %H:%M"),
        "positions-TOTAL_FORMS": str(len(positions)),
        "positions-INITIAL_FORMS": str(len(positions)),
        "positions-MIN_NUM_FORMS": "0",
        "positions-MAX_NUM_FORMS": "1000",
        # The notice switches (issue 6), as the form shows them.
        "reminder_hours_before_close": str(election.reminder_hours_before_close),
        **{
            name: "on"
            for name in ("has_announcement_notice", "has_reminder_notice", "has_results_notice")
            if getattr(election, name)
        },
    }
    for index, position in enumerate(positions):
        data.update(
            {
                f"positions-{index}-id": str(position["id"]),
                f"positions-{index}-name": position["name"],
                f"positions-{index}-selection_limit": str(position["selection_limit"]),
                f"positions-{index}-seats": str(position["seats"]),
                f"positions-{index}-ORDER": str(index + 1),
                f"positions-{index}-DELETE": "",
            }
        )
    return data


def test_a3_lock_positions_and_limits_cannot_change_once_open(staff_client, portal):
    election, position, _ = _open_election()
    url = reverse("elections:edit", args=[election.pk])
    assert staff_client.get(url).status_code == 200
    data = _election_form_data(election, [{"id": position.pk, "name": "بازرس", "selection_limit": 2, "seats": 1}])
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "دیگر قابل تغییر نیستند" in response.content.decode()
    position.refresh_from_db()
    assert position.selection_limit == 1


def test_a3_before_opening_positions_can_change(staff_client, portal):
    election = ElectionFactory(state=ElectionState.ANNOUNCED)
    position = PositionFactory(election=election, name="بازرس")
    url = reverse("elections:edit", args=[election.pk])
    data = _election_form_data(election, [{"id": position.pk, "name": "بازرس", "selection_limit": 1, "seats": 2}])
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    position.refresh_from_db()
    assert position.seats == 2
    assert position.pk == election.positions.get().pk  # stable primary key


def test_a3_lock_candidates_cannot_be_edited_deleted_or_unpublished_once_open(staff_client, portal):
    _, _, candidate = _open_election()
    viewset = Candidate.snippet_viewset
    edit = staff_client.post(
        reverse(viewset.get_url_name("edit"), args=[candidate.pk]),
        {"position": candidate.position_id, "first_name": "تغییر", "last_name": "یافته", "election_code": "9"},
        follow=True,
    )
    assert "دیگر قابل تغییر نیستند" in edit.content.decode()
    delete = staff_client.post(reverse(viewset.get_url_name("delete"), args=[candidate.pk]), follow=True)
    assert "دیگر قابل تغییر نیستند" in delete.content.decode()
    unpublish = staff_client.post(reverse(viewset.get_url_name("unpublish"), args=[candidate.pk]), follow=True)
    assert "دیگر قابل تغییر نیستند" in unpublish.content.decode()
    candidate.refresh_from_db()
    assert candidate.first_name == "علی" and candidate.live


def test_a3_lock_no_new_candidate_for_an_open_election(staff_client, portal):
    election, position, _ = _open_election()
    viewset = Candidate.snippet_viewset
    response = staff_client.post(
        reverse(viewset.get_url_name("add")),
        {
            "position": position.pk,
            "first_name": "تازه",
            "last_name": "وارد",
            "election_code": "۹۹",
            "action-publish": "1",
        },
    )
    assert "دیگر قابل تغییر نیستند" in response.content.decode()
    assert position.candidates.count() == 1


def test_a1_candidate_drafts_are_not_public_until_published(staff_client, portal):
    from django.test import Client

    client = Client()
    election = ElectionFactory(state=ElectionState.ANNOUNCED)
    election_page_for(election, slug="a1")
    position = PositionFactory(election=election)
    viewset = Candidate.snippet_viewset
    response = staff_client.post(
        reverse(viewset.get_url_name("add")),
        {"position": position.pk, "first_name": "سمیرا", "last_name": "پیش‌نویسی", "election_code": "۳۰۱"},
    )
    assert response.status_code == 302
    candidate = Candidate.objects.get(election_code="۳۰۱")
    assert not candidate.live and candidate.latest_revision is not None
    from django.core.cache import cache

    cache.clear()
    assert "پیش‌نویسی" not in client.get("/upcoming-elections/a1/candidates/").content.decode()
    # Preview works for the editor.
    preview = staff_client.get(reverse(viewset.get_url_name("preview_on_edit"), args=[candidate.pk]))
    assert preview.status_code == 200
    candidate.latest_revision.publish()
    cache.clear()
    assert "پیش‌نویسی" in client.get("/upcoming-elections/a1/candidates/").content.decode()


def test_a1_admin_listings_render(staff_client, portal):
    election, _, candidate = _open_election()
    index = staff_client.get(reverse("elections:index"))
    assert index.status_code == 200 and election.title in index.content.decode()
    listing = staff_client.get(reverse(Candidate.snippet_viewset.get_url_name("list")))
    assert listing.status_code == 200 and candidate.last_name in listing.content.decode()
    assert staff_client.get(reverse("elections:add")).status_code == 200


def test_a1_editors_create_and_edit_election_pages_in_the_page_editor(staff_client, portal):
    from election_pages.pages.models import ElectionIndexPage, ElectionPage

    index = ElectionIndexPage.objects.get(locale__language_code="fa")
    add = reverse("wagtailadmin_pages:add", args=["election_pages", "electionpage", index.pk])
    assert staff_client.get(add).status_code == 200
    election = ElectionFactory(state=ElectionState.DRAFT)
    page = election_page_for(election, slug="editor")
    from django.test import Client

    assert Client().get("/upcoming-elections/editor/").status_code == 404  # drafts are never public
    edit = staff_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert edit.status_code == 200
    # The editor previews the draft election's page.
    preview = staff_client.get(reverse("wagtailadmin_pages:view_draft", args=[page.pk]))
    assert preview.status_code == 200
    assert ElectionPage.objects.get(pk=page.pk).election == election
