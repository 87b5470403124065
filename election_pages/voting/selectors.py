"""Reads of the voting journey."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.models import Page

from election_pages.lifecycle.selectors import election_ballot_positions, election_is_in_voting_window
from member_workflow.models import Membership, MembershipState
from otp_delivery.selectors import otp_code_delivery
from otp_delivery.services import member_email, member_mobile

from .models import BallotSession, ConfirmChannel, Participation


def member_has_voted(*, election_id: int, member) -> bool:
    return Participation.objects.filter(election_id=election_id, member=member).exists()


def member_voted_at(*, election_id: int, member):
    """When the member voted in this election (issue 12: "you voted at …"), or None."""
    return Participation.objects.filter(election_id=election_id, member=member).values_list("created_at", flat=True).first()


def member_is_approved(*, election, member) -> bool:
    """M10 for the election's organising association."""
    return Membership.objects.filter(
        member=member, association_id=election.association_id, state=MembershipState.APPROVED
    ).exists()


def ballot_session_for(*, session_id, member) -> BallotSession | None:
    """The member's own session with this id (never another member's)."""
    if not session_id:
        return None
    try:
        return BallotSession.objects.select_related("election").filter(pk=session_id, member=member).first()
    except (ValueError, TypeError):
        return None


def ballot_session_status(*, election, session) -> dict:
    """What the review page polls: the session's state ("closed" outside the voting window,
    "none" without a session), whether the voter's SMS arrived, whether too many wrong codes
    voided the code, and the state of the code message's delivery ("sending" while the
    outbox still holds it, issue 13)."""
    if session is None:
        return {"state": "none", "is_code_received": False, "is_code_void": False, "code_delivery": ""}
    is_open = election_is_in_voting_window(election=election)
    delivery = otp_code_delivery(member=session.member, purpose_ref=session.purpose_ref)
    return {
        "state": session.state if is_open else "closed",
        "is_code_received": session.is_code_received and is_open,
        "is_code_void": session.is_inbound_code_void and is_open,
        "code_delivery": delivery.state if delivery else "",
    }


def channel_options(*, member) -> list[dict]:
    """V3: the three channels, each usable or disabled with the reason."""

    has_email, has_mobile = bool(member_email(member)), bool(member_mobile(member))
    reasons = {
        ConfirmChannel.EMAIL: "" if has_email else _("پست الکترونیکی برای شما ثبت نشده است."),
        ConfirmChannel.SMS: "" if has_mobile else _("شماره تلفن همراهی برای شما ثبت نشده است."),
        ConfirmChannel.INBOUND_SMS: "" if has_mobile else _("شماره تلفن همراهی برای شما ثبت نشده است."),
    }
    return [
        {"value": channel.value, "label": channel.label, "reason": reasons[channel], "is_usable": not reasons[channel]}
        for channel in ConfirmChannel
    ]


def ballot_positions(*, election) -> list:
    """The ballot: positions in order, each with `ballot_candidates` (approved, Persian order)."""
    return election_ballot_positions(election=election)


def ballot_selection_summary(*, election, selections: dict) -> list[dict]:
    """V5 review: the chosen candidates per position (the live session's selections, as
    the voter's browser key opened them)."""
    chosen = {int(k): set(v) for k, v in selections.items()}
    summary = []
    for position in election_ballot_positions(election=election):
        picked = [c for c in position.ballot_candidates if c.pk in chosen.get(position.pk, set())]
        summary.append({"position": position, "candidates": picked})
    return summary


def election_page_for_voting(*, election) -> Page | None:
    """The election's live page in the active language (else the default one), for the
    side menu of the voting pages. Through the reverse relation: voting never imports the
    page types."""
    pages = election.pages.live().select_related("locale")
    language = translation.get_language()
    by_language = {page.locale.language_code: page for page in pages}
    return (
        by_language.get(language) or by_language.get(settings.LANGUAGE_CODE) or next(iter(by_language.values()), None)
    )
