"""Builds the demo portal pages (Persian tree plus its English translation).

Idempotent: pages that exist (matched by slug and locale) are left as editors made them.
"""

import datetime
import random
from io import BytesIO

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from PIL import Image, ImageDraw
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Locale, Page, Site
from wagtail.rich_text import RichText

from election_pages.lifecycle import services
from election_pages.lifecycle.models import Candidate, Election, ElectionState, Position
from election_pages.pages.models import (
    ElectionHistoryPage,
    ElectionIndexPage,
    ElectionPage,
    FaqPage,
    HomeElectionMenuItem,
    HomePage,
    HomeSideMenuItem,
    StandardPage,
)
from election_pages.results.services import election_tally
from election_pages.secrecy import crypto
from election_pages.voting import services as voting
from election_pages.voting.unsealing import election_unseal
from member_workflow.models import Association, Member, MembershipState
from member_workflow.services.memberships import membership_approve, membership_request

from . import content
from .supervisors import demo_election_supervise, demo_shares_open, demo_supervisors_build

PAGE_TYPES = {
    "standard": StandardPage,
    "faq": FaqPage,
    "election_index": ElectionIndexPage,
    "election_history": ElectionHistoryPage,
}


def _paragraphs(texts):
    return [("paragraph", RichText(f"<p>{escape(text)}</p>")) for text in texts]


def _fill(page, spec_lang, page_type):
    page.title = spec_lang["title"]
    page.intro = spec_lang["intro"]
    if page_type in ("election_index", "election_history"):
        page.intro = f"<p>{escape(spec_lang['intro'])}</p>"
    elif page_type == "faq":
        page.questions = [
            ("question", {"question": q, "answer": RichText(f"<p>{escape(a)}</p>")}) for q, a in spec_lang["questions"]
        ]
    else:
        page.body = _paragraphs(spec_lang["body"])


def _fill_home(home, lang, pages):
    spec = content.HOME[lang]
    home.title = spec["title"]
    home.intro = spec["intro"]
    home.election_menu_label = spec["election_menu_label"]
    home.participate_label = spec["participate_label"]
    home.participate_page = pages["upcoming"]
    home.election_menu_items = [
        HomeElectionMenuItem(label=labels[lang], link_page=pages[key], sort_order=i)
        for i, (key, labels) in enumerate(content.ELECTION_MENU)
    ]
    home.side_menu_items = [
        _side_menu_item(key=key, style=style, label=labels[lang], lang=lang, pages=pages, sort_order=i)
        for i, (key, style, labels) in enumerate(content.SIDE_MENU)
    ]


def _side_menu_item(*, key, style, label, lang, pages, sort_order):
    if key in content.MEMBER_LINKS:
        with translation.override(lang):
            url = reverse(content.MEMBER_LINKS[key])
        return HomeSideMenuItem(label=label, link_url=url, style=style, sort_order=sort_order)
    return HomeSideMenuItem(label=label, link_page=pages[key], style=style, sort_order=sort_order)


def _remove_wagtail_placeholder() -> None:
    """Wagtail's install creates a bare "Welcome" page (slug "home") as the site root.
    It goes; a real page an editor made is never touched."""
    for page in Page.objects.filter(depth=2, slug=content.HOME["slug"]):
        if type(page.specific) is Page and not page.get_children().exists():
            Site.objects.filter(root_page=page).delete()
            page.delete()


def _ensure_tree_roots(fa: Locale) -> None:
    """Wagtail's migrations create the page and collection roots; a flushed database
    (transactional tests) has neither, so recreate them the way Wagtail does."""
    if Page.get_first_root_node() is None:
        Page.add_root(
            instance=Page(title="Root", slug="root", locale=fa, content_type=ContentType.objects.get_for_model(Page))
        )
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")


def _ensure_home(fa: Locale) -> HomePage:
    home = HomePage.objects.filter(locale=fa, slug=content.HOME["slug"]).first()
    if home is None:
        _remove_wagtail_placeholder()
        home = HomePage(slug=content.HOME["slug"], locale=fa, title=content.HOME["fa"]["title"])
        Page.get_first_root_node().add_child(instance=home)
        home.save_revision().publish()
    if not Site.objects.filter(is_default_site=True).exists():
        Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True, site_name=content.HOME["fa"]["title"]
        )
    return home


def _replace_placeholders(fa: Locale) -> bool:
    """Earlier demos made «به زودی» StandardPages where the election index and history pages
    now live. Replace them (and their translations) once; an editor's real page stays."""
    replaced = False
    for spec in content.PAGES:
        model = PAGE_TYPES[spec["type"]]
        if model is StandardPage:
            continue
        old = StandardPage.objects.filter(locale=fa, slug=spec["slug"]).first()
        if old is None or old.get_children().exists():
            continue
        if content.COMING_SOON["fa"] not in str(old.body):
            continue
        for translated in old.get_translations():
            translated.delete()
        old.delete()
        replaced = True
    return replaced


@transaction.atomic
def portal_pages_build() -> HomePage:
    fa, _ = Locale.objects.get_or_create(language_code="fa")
    en, _ = Locale.objects.get_or_create(language_code="en")
    _ensure_tree_roots(fa)
    home = _ensure_home(fa)

    replaced = _replace_placeholders(fa)
    pages = {}
    for spec in content.PAGES:
        model = PAGE_TYPES[spec["type"]]
        page = model.objects.filter(locale=fa, slug=spec["slug"]).first()
        if page is None:
            page = model(slug=spec["slug"], locale=fa)
            _fill(page, spec["fa"], spec["type"])
            home.add_child(instance=page)
            page.save_revision().publish()
        pages[spec["key"]] = page

    if replaced or not home.election_menu_items.exists():
        _fill_home(home, "fa", pages)
        home.save_revision().publish()

    home_en = home.get_translation_or_none(en)
    if home_en is None:
        home_en = home.copy_for_translation(en)
        _fill_home(home_en, "en", pages)
        home_en.save_revision().publish()
    elif replaced:
        _fill_home(home_en.specific, "en", pages)
        home_en.specific.save_revision().publish()
    for spec in content.PAGES:
        page = pages[spec["key"]]
        if page.get_translation_or_none(en) is None:
            page_en = page.copy_for_translation(en)
            _fill(page_en, spec["en"], spec["type"])
            page_en.save_revision().publish()
    return home


# --- Demo elections (issue 4) -----------------------------------------------------------

DEMO_PALETTE = [(106, 27, 154), (0, 121, 107), (21, 101, 192), (198, 40, 40), (239, 108, 0), (85, 139, 47)]


def _demo_photo_bytes(seed: int) -> bytes:
    """A generated portrait placeholder: coloured background, head and shoulders."""

    colour = DEMO_PALETTE[seed % len(DEMO_PALETTE)]
    image = Image.new("RGB", (320, 400), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((100, 70, 220, 190), fill=(245, 224, 200))
    draw.ellipse((40, 210, 280, 470), fill=(250, 250, 250))
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _demo_pdf_bytes(heading: str, lines: list[str]) -> bytes:
    """A one-page PDF rendered by Pillow (ASCII text: the demo needs a real PDF file)."""

    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, 1240, 160), fill=(106, 27, 154))
    draw.text((80, 60), heading, fill="white", font_size=48)
    for index, line in enumerate(lines):
        draw.text((80, 240 + index * 60), line, fill="black", font_size=32)
    buffer = BytesIO()
    page.save(buffer, "PDF", resolution=150)
    return buffer.getvalue()


def _demo_files(*, election_key: str, position_index: int, row_index: int, first: str, last: str, code: str):

    Image = get_image_model()
    Document = get_document_model()
    tag = f"demo-{election_key}-{position_index}-{row_index}"
    photo = Image.objects.filter(title=f"{first} {last} ({tag})").first()
    if photo is None:
        data = _demo_photo_bytes(position_index * 10 + row_index)
        photo = Image(title=f"{first} {last} ({tag})", file=ImageFile(BytesIO(data), name=f"{tag}.jpg"))
        photo.save()
    docs = []
    for kind, heading in (("resume", "Curriculum vitae"), ("programme", "Programme")):
        title = f"{kind} {first} {last} ({tag})"
        document = Document.objects.filter(title=title).first()
        if document is None:
            lines = [f"Candidate election code: {code}", f"Demo file {tag}", "Generated by manage.py demo."]
            document = Document(title=title)
            document.file.save(f"{tag}-{kind}.pdf", ContentFile(_demo_pdf_bytes(heading, lines)), save=False)
            document.save()
        docs.append(document)
    return photo, docs[0], docs[1]


def _demo_voters(*, association, staff) -> None:
    """A few approved members so the open election can open (the members work adds more)."""

    for index, (first, last) in enumerate(content.DEMO_VOTERS):
        code = _demo_national_code(900 + index)
        member = Member.objects.filter(username=code).first()
        if member is None:
            member = Member.objects.create_user(
                username=code,
                password=content.DEMO_VOTER_PASSWORD,
                first_name=first,
                last_name=last,
                email=f"voter{index + 1}@example.org",
            )
        _demo_member_approved(member=member, association=association, staff=staff)


def _demo_member_approved(*, member, association, staff) -> None:
    """Through the membership services (audited): request, then approve if still pending."""

    membership = membership_request(member=member, association=association, actor=staff)
    if membership.state == MembershipState.PENDING:
        membership_approve(membership_id=membership.pk, actor=staff)


def _demo_national_code(seq: int) -> str:
    """A valid national code from a sequence number (check digit by the official rule)."""
    base = f"{(seq * 7919 + 20_000_000) % 1_000_000_000:09d}"
    total = sum(int(base[i]) * (10 - i) for i in range(9)) % 11
    return base + str(total if total < 2 else 11 - total)


def demo_voter_national_codes() -> list[str]:
    return [_demo_national_code(900 + index) for index in range(len(content.DEMO_VOTERS))]


def demo_supervisor_national_codes() -> list[str]:
    return [_demo_national_code(700 + index) for index in range(len(content.DEMO_SUPERVISORS))]


def _demo_election(*, spec, index_pages, staff, now, supervisors):

    association, _ = Association.objects.get_or_create(
        slug=spec["association"], defaults={"name": content.ASSOCIATIONS[spec["association"]]}
    )
    page = ElectionPage.objects.filter(locale=index_pages["fa"].locale, slug=spec["slug"]).first()
    if page is not None:
        return page.election
    if spec["state"] in ("open", "published"):
        # The past election is voted for real first, so its window is open now; it moves
        # back to its historical dates once the votes are in (`_demo_past_votes`).
        starts_at = now - datetime.timedelta(minutes=5)
    else:
        starts_at = now + datetime.timedelta(days=spec["starts_in_days"])
    is_past = spec["state"] == ElectionState.PUBLISHED
    election = Election.objects.create(
        title=spec["fa"]["title"],
        association=association,
        voting_starts_at=starts_at,
        voting_ends_at=starts_at + datetime.timedelta(days=spec["length_days"]),
        # A year-old election: its members get no notices today (issue 6).
        has_announcement_notice=not is_past,
        has_reminder_notice=not is_past,
        has_results_notice=not is_past,
    )
    for position_index, (position_spec, names) in enumerate(
        zip((content.BOARD, content.INSPECTOR), spec["candidates"].values(), strict=True)
    ):
        position = Position.objects.create(
            election=election,
            name=position_spec["fa"],
            selection_limit=position_spec["limit"],
            seats=position_spec["seats"],
            sort_order=position_index,
        )
        for row_index, (first, last, code, university, field, rank) in enumerate(names):
            photo, resume, programme = _demo_files(
                election_key=spec["key"],
                position_index=position_index,
                row_index=row_index,
                first=first,
                last=last,
                code=code,
            )
            candidate = Candidate.objects.create(
                position=position,
                first_name=first,
                last_name=last,
                election_code=code,
                university=university,
                field_of_study=field,
                academic_rank=rank,
                photo=photo,
                resume=resume,
                programme=programme,
                live=False,
            )
            # Into the association's own collection, as the admin's candidate form does (issue 13).
            services.candidate_files_collect(candidate=candidate, actor=staff)
            candidate.save_revision(user=staff).publish(user=staff)

    page_fa = ElectionPage(
        title=spec["fa"]["title"],
        slug=spec["slug"],
        locale=index_pages["fa"].locale,
        election=election,
        description=_paragraphs([spec["fa"]["description"]]),
        support_url=content.SUPPORT_URL,
        support_label="گروه تلگرامی پشتیبانی انتخابات",
    )
    index_pages["fa"].add_child(instance=page_fa)
    page_fa.save_revision(user=staff).publish()
    page_en = page_fa.copy_for_translation(index_pages["en"].locale)
    page_en.title = spec["en"]["title"]
    page_en.description = _paragraphs([spec["en"]["description"]])
    page_en.support_label = "Election support group (Telegram)"
    page_en.save_revision(user=staff).publish()

    target = spec["state"]
    demo_election_supervise(election=election, supervisors=supervisors, staff=staff)
    if target in (ElectionState.ANNOUNCED, ElectionState.OPEN, ElectionState.PUBLISHED):
        services.election_announce(election_id=election.pk, actor=staff)
    if target in (ElectionState.OPEN, ElectionState.PUBLISHED):
        services.election_open(election_id=election.pk, actor=staff)
    if target == ElectionState.PUBLISHED:
        _demo_past_votes(election=election, staff=staff)
        ends_at = now + datetime.timedelta(days=spec["starts_in_days"] + spec["length_days"])
        Election.objects.filter(pk=election.pk).update(
            voting_starts_at=ends_at - datetime.timedelta(days=spec["length_days"]), voting_ends_at=ends_at
        )
        _demo_count_and_publish(election=election, staff=staff)
    election.refresh_from_db()
    return election


def _demo_past_votes(*, election, staff) -> None:
    """The past election's ballots, cast by PAST_VOTERS through the voting services (login
    step, channel, ballot, code, confirmation): real sealed ballots, participations and
    receipts, nothing written directly. The third channel confirms without a worker."""

    draw = random.Random(content.PAST_SEED)
    positions = list(election.positions.order_by("sort_order"))
    for index, (first, last) in enumerate(content.PAST_VOTERS):
        code = _demo_national_code(2000 + index)
        member = Member.objects.filter(username=code).first() or Member.objects.create_user(
            username=code,
            password=content.DEMO_VOTER_PASSWORD,
            first_name=first,
            last_name=last,
            mobile=f"0912001{index:04d}",
        )
        _demo_member_approved(member=member, association=election.association, staff=staff)
        picks = {}
        for position in positions:
            candidates = list(position.candidates.filter(live=True).order_by("pk"))
            weights = content.PAST_WEIGHTS[position.name][: len(candidates)]
            wanted = draw.choice([position.selection_limit] * 4 + [position.selection_limit - 1])
            chosen = []
            while len(chosen) < wanted:
                pick = draw.choices(candidates, weights=weights)[0]
                if pick.pk not in chosen:
                    chosen.append(pick.pk)
            picks[str(position.pk)] = [str(pk) for pk in chosen]
        session = voting.ballot_session_start(election_id=election.pk, member=member)
        voting.ballot_channel_choose(session_id=session.pk, member=member, channel="inbound_sms")
        # The voter's browser would hold this key (a cookie); here each voter makes one.
        key = crypto.selections_key_new()
        voting.ballot_select(session_id=session.pk, member=member, selections=picks, key=key)
        shown = voting.ballot_code_request(session_id=session.pk, member=member)
        voting.ballot_inbound_code_accept(sender_mobile=member.mobile, code=shown)
        voting.ballot_confirm_received(session_id=session.pk, member=member, key=key)


def _demo_count_and_publish(*, election, staff) -> None:
    """Close (its end is now behind), unseal with two demo supervisors' shares (issue 12),
    tally and publish through the services, as staff and supervisors would in the admin."""

    services.election_close(election_id=election.pk, actor=staff)
    phrases = [phrase for _supervisor, phrase in demo_shares_open(election_id=election.pk)]
    election_unseal(election_id=election.pk, phrases=phrases, actor=staff)
    election_tally(election_id=election.pk, actor=staff)
    services.election_transition(election_id=election.pk, transition="publish_results", actor=staff)


@transaction.atomic
def demo_elections_build(*, staff) -> dict:
    """One election in each interesting state (issue 4): a draft, an announced one, an OPEN one
    (voting open for a week from now) and a past closed one. Built through the services."""

    fa = Locale.objects.get(language_code="fa")
    en = Locale.objects.get(language_code="en")
    index_fa = ElectionIndexPage.objects.get(locale=fa, slug="upcoming-elections")
    index_pages = {"fa": index_fa, "en": index_fa.get_translation(en)}
    for slug, name in content.ASSOCIATIONS.items():
        association, _ = Association.objects.get_or_create(slug=slug, defaults={"name": name})
        _demo_voters(association=association, staff=staff)
    supervisors = demo_supervisors_build(national_codes=demo_supervisor_national_codes())
    now = timezone.now()
    # The past election first: it opens and closes at once, before the open one opens.
    built = {}
    for spec in sorted(content.ELECTIONS, key=lambda s: s["starts_in_days"]):
        built[spec["key"]] = _demo_election(
            spec=spec, index_pages=index_pages, staff=staff, now=now, supervisors=supervisors
        )
    return built
