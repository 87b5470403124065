"""The demo (issue 4): one election in each interesting state, built through the services,
idempotent, and replacing the old «به زودی» placeholder pages."""

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Locale

from cms_site.demo.content import COMING_SOON
from cms_site.demo.elections import demo_elections_build, demo_voter_national_codes, portal_pages_build
from cms_site.demo.members import demo_staff_build
from election_pages.lifecycle.models import Candidate, Election, ElectionState
from election_pages.lifecycle.selectors import election_is_in_voting_window
from election_pages.pages.models import ElectionHistoryPage, ElectionIndexPage, HomePage, StandardPage
from member_workflow.selectors import association_approved_member_count

pytestmark = pytest.mark.django_db


def test_a3_demo_builds_draft_announced_open_and_past_elections(portal):
    built = demo_elections_build(staff=demo_staff_build())
    states = {key: election.state for key, election in built.items()}
    assert states == {
        "draft": ElectionState.DRAFT,
        "announced": ElectionState.ANNOUNCED,
        "open": ElectionState.OPEN,
        "past": ElectionState.PUBLISHED,
    }
    open_election = built["open"]
    assert open_election.association.slug == "medical-informatics"
    assert election_is_in_voting_window(election=open_election)
    assert (open_election.voting_ends_at - open_election.voting_starts_at).days == 7
    positions = list(open_election.positions.order_by("sort_order"))
    assert [(p.name, p.selection_limit, p.seats) for p in positions] == [("هیات مدیره", 3, 3), ("بازرس", 1, 1)]
    candidates = Candidate.objects.filter(position__election=open_election, live=True)
    assert candidates.count() == 8
    for candidate in candidates:
        assert candidate.photo and candidate.resume and candidate.programme
        with candidate.resume.file.open("rb") as pdf:
            assert pdf.read(4) == b"%PDF"
    assert association_approved_member_count(association=open_election.association) >= 3
    # Both languages have a page for each election.
    assert open_election.pages.filter(live=True).count() == 2


def test_a3_demo_is_idempotent(portal):
    staff = demo_staff_build()
    demo_elections_build(staff=staff)
    demo_elections_build(staff=staff)
    assert Election.objects.count() == 4
    assert Candidate.objects.count() == 8 + 2 * 4 + 7


def test_p3_p6_demo_replaces_old_placeholder_pages_and_keeps_the_menus(portal):
    fa = Locale.objects.get(language_code="fa")
    home = HomePage.objects.get(locale=fa)
    # Rebuild the state an older demo left: «به زودی» StandardPages at these slugs.
    for model, slug in ((ElectionIndexPage, "upcoming-elections"), (ElectionHistoryPage, "election-history")):
        page = model.objects.get(locale=fa, slug=slug)
        for translation in page.get_translations():
            translation.delete()
        page.delete()
        placeholder = StandardPage(
            title=slug, slug=slug, locale=fa, body=[("paragraph", f"<p>{COMING_SOON['fa']}</p>")]
        )
        home.add_child(instance=placeholder)
        placeholder.save_revision().publish()
    portal_pages_build()
    index = ElectionIndexPage.objects.get(locale=fa, slug="upcoming-elections")
    assert ElectionHistoryPage.objects.filter(locale=fa, slug="election-history").exists()
    home = HomePage.objects.get(locale=fa)
    assert home.participate_page_id == index.pk
    assert index.pk in set(home.election_menu_items.values_list("link_page_id", flat=True))
    assert index.get_translation_or_none(Locale.objects.get(language_code="en")) is not None


def test_demo_command_prints_the_demo_voters(portal, capsys):
    call_command("demo")
    out = capsys.readouterr().out
    assert "DemoVoter2026" in out and "Demo elections" in out


def test_r1_r2_demo_past_election_is_counted_from_ballots_cast_through_the_services(portal, client):
    """Issue 6, demo: the past election's result comes from real sealed ballots, cast by its
    voters through the voting services, then closed, tallied and published."""
    from cms_site.audit.models import AuditEntry
    from cms_site.demo.content import PAST_VOTERS
    from election_pages.results.services import anonymous_ballots_export, recount_from_export
    from election_pages.voting.models import AnonymousBallot, CastBallot, Participation

    past = demo_elections_build(staff=demo_staff_build())["past"]
    assert past.state == ElectionState.PUBLISHED
    assert (timezone.now() - past.voting_ends_at).days > 300  # its window moved back after the votes
    voters = len(PAST_VOTERS)
    assert Participation.objects.filter(election=past).count() == voters
    # Sealed at each vote, unsealed by two demo supervisors, ciphertexts gone at publication.
    assert AnonymousBallot.objects.filter(election=past).count() == voters
    assert CastBallot.objects.filter(election=past).count() == voters
    assert not CastBallot.objects.filter(election=past, ciphertext__isnull=False).exists()
    assert past.unsealed_at is not None and past.spoiled_ballots == 0
    assert past.result.ballots == voters
    confirms = AuditEntry.objects.filter(action="ballot.confirm", payload__election_id=past.pk)
    assert confirms.count() == voters and all(entry.payload["channel"] == "inbound_sms" for entry in confirms)
    board = next(iter(past.result.positions.values()))
    assert sum(c["votes"] for c in board["candidates"]) > voters  # several picks per ballot
    assert sum(c["is_elected"] for c in board["candidates"]) == 3
    recounted = recount_from_export(anonymous_ballots_export(election_id=past.pk))
    stored = {pid: {str(c["id"]): c["votes"] for c in p["candidates"]} for pid, p in past.result.positions.items()}
    assert recounted == stored
    assert client.get(f"/results/{past.pk}/").status_code == 200


def test_issue12_the_open_demo_election_can_be_closed_unsealed_by_two_demo_supervisors_and_published(
    portal, settings, capsys, tmp_path
):
    """README «Ballot secrecy», «In the demo»: close, `demo_supervisor_shares`, «گشودن آرا»,
    «شمارش آرا», «اعلام نتایج» — with a vote cast through the voting services first."""
    from election_pages.lifecycle.services import election_transition
    from election_pages.results.services import election_tally
    from election_pages.secrecy import crypto
    from election_pages.voting import services as voting
    from election_pages.voting.unsealing import election_unseal
    from member_workflow.models import Member
    from tests.voting_helpers import mail_code

    settings.DEBUG = True  # the dev-only command refuses in production
    settings.VAR_DIR = tmp_path  # the demo supervisors' dev-only key files
    staff = demo_staff_build()
    election = demo_elections_build(staff=staff)["open"]
    assert election.public_key and election.supervisors.count() == 3 and election.supervisor_threshold == 2
    voter = Member.objects.get(username=demo_voter_national_codes()[0])
    key = crypto.selections_key_new()
    session = voting.ballot_session_start(election_id=election.pk, member=voter)
    voting.ballot_channel_choose(session_id=session.pk, member=voter, channel="email")
    board = election.positions.order_by("sort_order").first()
    pick = {str(board.pk): [str(board.candidates.filter(live=True).first().pk)]}
    voting.ballot_select(session_id=session.pk, member=voter, selections=pick, key=key)
    voting.ballot_code_request(session_id=session.pk, member=voter)
    voting.ballot_confirm(session_id=session.pk, member=voter, code=mail_code(), key=key)

    election_transition(election_id=election.pk, transition="force_close", actor=staff, reason="نمایش")
    capsys.readouterr()
    call_command("demo_supervisor_shares", str(election.pk))
    printed = capsys.readouterr().out
    phrases = [line for line in printed.splitlines() if line and not line.startswith("Supervisor")]
    assert len(phrases) == 2
    election = election_unseal(election_id=election.pk, phrases=phrases, actor=staff)
    assert (election.unsealed_ballots, election.spoiled_ballots) == (1, 0)
    assert election_tally(election_id=election.pk, actor=staff).ballots == 1
    election_transition(election_id=election.pk, transition="publish_results", actor=staff)
    assert Election.objects.get(pk=election.pk).state == ElectionState.PUBLISHED
