"""A small portal to throw bad input at: every public form, the voting journey at each
step, published results, the inbound-SMS webhook, the JSON API and the admins' listings.

`world_build()` makes the data; `TARGETS` says, for each form or listing, where it is,
which fields it reads and who must be logged in. Used by tests/fuzz and by
tests/integration/test_bad_input.py.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.test import Client
from django.test.client import ClientHandler

from cms_site.common.charset import charset_guard
from election_pages.lifecycle.services import election_transition
from election_pages.results.services import election_tally
from election_pages.secrecy import crypto
from election_pages.voting import services as voting
from election_pages.voting.views import SESSION_KEY as VOTING_SESSION_KEY
from election_pages.voting.views import selections_cookie_name
from member_workflow.models import MembershipState
from member_workflow.services.admins import association_admin_grant
from tests.factories import (
    AssociationFactory,
    MemberFactory,
    MembershipFactory,
    StaffFactory,
    approved_member,
    election_page_for,
)
from tests.secrecy_helpers import TEST_SELECTIONS_KEY, unseal
from tests.voting_helpers import open_election_with_ballot, sms_code

# A fixed CSRF secret: the client sends it as the cookie, the form field and the header,
# so the real CSRF check runs (and passes) on every request, as in a browser.
CSRF_SECRET = "f" * 16 + "0123456789abcdef"
INBOUND_TOKEN = "test-inbound-token"


@dataclass
class World:
    association: object
    admin: object  # an association admin (not staff)
    staff: object
    pending: object  # a pending membership in the admin's association
    member: object  # an approved member, for the profile page
    election: object  # open, with a ballot
    ballot_voter: object  # has a ballot session with the channel chosen (the ballot form)
    review_voter: object  # has a ballot session waiting for its code (the review form)
    results: object  # published results, for the receipts check
    receipt: str
    sessions: dict = field(default_factory=dict)  # "ballot" / "review": the voters' ballot sessions


def _voting_session(election, member, *, to_review: bool):
    session = voting.ballot_session_start(election_id=election.pk, member=member)
    voting.ballot_channel_choose(session_id=session.pk, member=member, channel="sms")
    if to_review:
        positions = election.positions.order_by("sort_order")
        board = positions[0]
        picks = {str(board.pk): [str(board.candidates.first().pk)]}
        voting.ballot_select(session_id=session.pk, member=member, selections=picks, key=TEST_SELECTIONS_KEY)
        voting.ballot_code_request(session_id=session.pk, member=member)
    return session


def _published_results():
    election, board, inspector, (a, *_), (x, _y) = open_election_with_ballot()
    member = approved_member(election.association)
    session = _voting_session(election, member, to_review=False)
    voting.ballot_select(
        session_id=session.pk, member=member, selections={str(board.pk): [str(a.pk)], str(inspector.pk): [str(x.pk)]}, key=TEST_SELECTIONS_KEY
    )
    voting.ballot_code_request(session_id=session.pk, member=member)
    receipt = voting.ballot_confirm(session_id=session.pk, member=member, code=sms_code(), key=TEST_SELECTIONS_KEY)
    staff = StaffFactory()
    election_transition(election_id=election.pk, transition="force_close", actor=staff, reason="آزمون")
    unseal(election)
    election_tally(election_id=election.pk, actor=staff)
    election_transition(election_id=election.pk, transition="publish_results", actor=staff)
    return election, str(receipt)


def world_build() -> World:
    """Needs the demo portal pages (the `portal` fixture) and a database."""
    association = AssociationFactory(slug="fuzz-association")
    admin = MemberFactory()
    association_admin_grant(association=association, member=admin, actor=None)
    pending = MembershipFactory(association=association, state=MembershipState.PENDING)
    election, *_ = open_election_with_ballot(association=association)
    election_page_for(election, slug="fuzz-election")
    ballot_voter = approved_member(association)
    review_voter = approved_member(association)
    results, receipt = _published_results()
    world = World(
        association=association,
        admin=admin,
        staff=StaffFactory(),
        pending=pending,
        # In an association with no election running, so the profile can be edited.
        member=approved_member(AssociationFactory(slug="fuzz-quiet")),
        election=election,
        ballot_voter=ballot_voter,
        review_voter=review_voter,
        results=results,
        receipt=receipt,
    )
    world.sessions["ballot"] = _voting_session(election, ballot_voter, to_review=False)
    world.sessions["review"] = _voting_session(election, review_voter, to_review=True)
    return world


def _login_voter(client: Client, world: World, who: str) -> None:
    member = world.ballot_voter if who == "ballot" else world.review_voter
    client.force_login(member)
    session = client.session
    session[VOTING_SESSION_KEY] = {str(world.election.pk): str(world.sessions[who].pk)}
    session.save()
    # The browser's key to its selections (issue 12), as the ballot page would have set it.
    client.cookies[selections_cookie_name(world.election.pk)] = crypto.b64(TEST_SELECTIONS_KEY)


class GuardedClientHandler(ClientHandler):
    """The test client's handler behind the same charset guard as cms_site.wsgi."""

    def __call__(self, environ):
        charset_guard(environ)
        return super().__call__(environ)


def portal_client(**kwargs) -> Client:
    """A test client that enforces CSRF (with a valid token available) and passes requests
    through the WSGI entry point's charset guard."""
    client = Client(enforce_csrf_checks=True, **kwargs)
    client.handler = GuardedClientHandler(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = CSRF_SECRET
    return client


@dataclass(frozen=True)
class Target:
    """One form or listing. `path` and `fields` may depend on the world."""

    name: str
    method: str
    path: Callable[[World], str]
    fields: tuple[str, ...]
    login: Callable[[Client, World], None] | None = None
    headers: dict = field(default_factory=dict)
    has_captcha: bool = False
    is_json: bool = False
    # Values a real visitor would send, so part of the examples get past the first check.
    plausible: Callable[[World], dict] = lambda world: {}

    def client(self, world: World) -> Client:
        client = portal_client(raise_request_exception=True)
        if self.login is not None:
            self.login(client, world)
        return client


def _as(attribute):
    def login(client, world):
        client.force_login(getattr(world, attribute))

    return login


def _ballot_fields(world: World) -> tuple[str, ...]:
    return tuple(f"position_{p.pk}" for p in world.election.positions.all())


CODE = "0012345679"
TARGETS = [
    Target(
        "registration",
        "POST",
        lambda w: "/accounts/register/",
        ("national_code", "first_name", "last_name", "mobile", "email", "password1", "password2", "associations"),
        has_captcha=True,
        plausible=lambda w: {
            "national_code": "0499370899",
            "first_name": "مریم",
            "last_name": "احمدی",
            "mobile": "09121112233",
            "email": "new@example.org",
            "password1": "Member2026pass",
            "password2": "Member2026pass",
            "associations": str(w.association.pk),
        },
    ),
    Target(
        "login",
        "POST",
        lambda w: "/accounts/login/",
        ("username", "password", "next"),
        has_captcha=True,
        plausible=lambda w: {"username": w.member.username, "password": "Member2026pass", "next": "/accounts/me/"},
    ),
    Target(
        "admin_login",
        "POST",
        lambda w: "/admin/login/",
        ("username", "password", "next"),
        plausible=lambda w: {"username": w.admin.username, "password": "Member2026pass", "next": "/admin/"},
    ),
    Target(
        "forgot_password_option_1",
        "POST",
        lambda w: "/accounts/password/forgot/",
        ("national_code", "option"),
        has_captcha=True,
        plausible=lambda w: {"national_code": w.member.username, "option": "random"},
    ),
    Target(
        "forgot_password_option_2",
        "POST",
        lambda w: "/accounts/password/forgot/",
        ("national_code", "option"),
        has_captcha=True,
        plausible=lambda w: {"national_code": w.member.username, "option": "sms"},
    ),
    Target(
        "national_code_check_p4",
        "POST",
        lambda w: "/accounts/check/",
        ("national_code",),
        has_captcha=True,
        plausible=lambda w: {"national_code": CODE},
    ),
    Target(
        "membership_status",
        "POST",
        lambda w: "/accounts/status/",
        ("national_code",),
        has_captcha=True,
        plausible=lambda w: {"national_code": w.member.username},
    ),
    Target(
        "profile_edit",
        "POST",
        lambda w: "/accounts/me/",
        ("email", "mobile"),
        login=_as("member"),
        plausible=lambda w: {"email": "changed@example.org", "mobile": "09129998877"},
    ),
    Target(
        "password_change",
        "POST",
        lambda w: "/accounts/password/change/",
        ("old_password", "new_password1", "new_password2"),
        login=_as("member"),
        plausible=lambda w: {"old_password": "x", "new_password1": "Aa1aaaaaaa", "new_password2": "Aa1aaaaaaa"},
    ),
    Target(
        "receipt_check",
        "POST",
        lambda w: f"/results/{w.results.pk}/receipts/",
        ("tracker",),
        has_captcha=True,
        plausible=lambda w: {"tracker": w.receipt},
    ),
    Target(
        "voting_login",
        "POST",
        lambda w: f"/voting/{w.election.pk}/",
        ("username", "password"),
        has_captcha=True,
        plausible=lambda w: {"username": w.member.username, "password": "Member2026pass"},
    ),
    Target(
        "voting_channel",
        "POST",
        lambda w: f"/voting/{w.election.pk}/channel/",
        ("channel",),
        login=lambda c, w: _login_voter(c, w, "ballot"),
        plausible=lambda w: {"channel": "email"},
    ),
    Target(
        "voting_ballot",
        "POST",
        lambda w: f"/voting/{w.election.pk}/ballot/",
        (),  # the position fields are added from the world (see `fields_for`)
        login=lambda c, w: _login_voter(c, w, "ballot"),
    ),
    Target(
        "voting_review_code",
        "POST",
        lambda w: f"/voting/{w.election.pk}/review/",
        ("code",),
        login=lambda c, w: _login_voter(c, w, "review"),
        plausible=lambda w: {"code": "123456"},
    ),
    Target(
        "voting_code_email_and_resend",
        "POST",
        lambda w: f"/voting/{w.election.pk}/review/resend/",
        ("channel",),
        login=lambda c, w: _login_voter(c, w, "review"),
    ),
    Target(
        "sms_inbound_webhook",
        "POST",
        lambda w: "/sms/inbound/",
        ("from", "to", "message"),
        headers={"X-Inbound-Token": INBOUND_TOKEN},
        plausible=lambda w: {"from": "09121234567", "to": "300012345", "message": "1234"},
    ),
    Target(
        "sms_inbound_webhook_json",
        "POST",
        lambda w: "/sms/inbound/",
        ("from", "to", "message"),
        headers={"X-Inbound-Token": INBOUND_TOKEN},
        is_json=True,
        plausible=lambda w: {"from": "09121234567", "to": "300012345", "message": "1234"},
    ),
    Target("set_language", "POST", lambda w: "/i18n/setlang/", ("language", "next")),
    Target("api_elections", "GET", lambda w: "/api/v1/elections/", ("association", "page", "format")),
    Target(
        "api_election_candidates",
        "GET",
        lambda w: f"/api/v1/elections/{w.election.pk}/candidates/",
        ("position", "format"),
    ),
    Target("home_and_pages", "GET", lambda w: "/upcoming-elections/", ("page", "q", "next")),
    Target(
        "admin_members_list",
        "GET",
        lambda w: "/admin/members/",
        ("q", "association", "state", "p"),
        login=_as("admin"),
        plausible=lambda w: {"association": w.association.slug, "state": "pending", "q": "09"},
    ),
    Target(
        "admin_members_export",
        "GET",
        lambda w: "/admin/members/export/",
        ("q", "association", "state"),
        login=_as("admin"),
    ),
    Target(
        "admin_members_bulk",
        "POST",
        lambda w: "/admin/members/bulk/",
        ("action", "ids", "next"),
        login=_as("admin"),
        plausible=lambda w: {"action": "approve", "ids": str(w.pending.pk), "next": "/admin/members/"},
    ),
    Target(
        "admin_membership_transition_next",
        "POST",
        lambda w: f"/admin/members/{w.pending.pk}/reject/",
        ("next", "reason"),
        login=_as("admin"),
        plausible=lambda w: {"next": "members"},
    ),
    Target(
        "admin_member_add",
        "POST",
        lambda w: "/admin/members/add/",
        ("association", "national_code", "first_name", "last_name", "mobile", "email"),
        login=_as("admin"),
        plausible=lambda w: {"association": str(w.association.pk), "national_code": CODE},
    ),
    Target(
        "admin_elections_list",
        "GET",
        lambda w: "/admin/elections/",
        ("q", "state", "association", "ordering", "p"),
        login=_as("staff"),
    ),
    Target(
        "admin_candidates_list",
        "GET",
        lambda w: "/admin/snippets/election_pages/candidate/",
        ("q", "position__election", "live", "ordering", "p"),
        login=_as("staff"),
    ),
    Target("admin_audit_list", "GET", lambda w: "/admin/audit/", ("q", "action", "ordering", "p"), login=_as("staff")),
    Target("admin_page_search", "GET", lambda w: "/admin/pages/search/", ("q", "p", "ordering"), login=_as("staff")),
]
TARGETS_BY_NAME = {target.name: target for target in TARGETS}


def fields_for(target: Target, world: World) -> tuple[str, ...]:
    if target.name == "voting_ballot":
        return _ballot_fields(world)
    return target.fields
