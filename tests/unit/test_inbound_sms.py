"""Inbound SMS dispatcher (SPEC M4 option 2, M9) and its handler registry."""

import pytest

from cms_site.audit.models import AuditEntry
from member_workflow.services import inbound_sms
from member_workflow.services.inbound_sms import InboundResult, inbound_sms_dispatch, inbound_sms_handler_register
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_m9_email_change_from_the_registered_mobile():
    member = MemberFactory(mobile="09121112233", email="old@example.org")
    result = inbound_sms_dispatch(sender="+989121112233", text=f"{member.national_code} New.Address@Example.org")
    assert result == InboundResult(handler="email_change", outcome="done")
    member.refresh_from_db()
    assert member.email == "new.address@example.org"
    assert AuditEntry.objects.filter(action="member.email_change_by_sms").exists()


def test_m9_persian_digits_are_accepted():
    member = MemberFactory(mobile="09121112233", email="old@example.org")
    persian = member.national_code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    inbound_sms_dispatch(sender="۰۹۱۲۱۱۱۲۲۳۳", text=f"{persian} new@example.org")
    member.refresh_from_db()
    assert member.email == "new@example.org"


def test_m9_any_other_sender_is_ignored():
    member = MemberFactory(mobile="09121112233", email="old@example.org")
    MemberFactory(mobile="09124445566")
    result = inbound_sms_dispatch(sender="09124445566", text=f"{member.national_code} evil@example.org")
    assert result.outcome == "sender_not_registered_mobile"
    member.refresh_from_db()
    assert member.email == "old@example.org"


@pytest.mark.parametrize("text", ["", "hello", "12345", "0012345679 not-an-email", "x" * 5000])
def test_unmatched_or_bad_messages_change_nothing(text):
    member = MemberFactory(mobile="09121112233", email="old@example.org")
    inbound_sms_dispatch(sender=member.mobile, text=text)
    member.refresh_from_db()
    assert member.email == "old@example.org"


def test_invalid_sender_is_reported():
    assert inbound_sms_dispatch(sender="not a phone", text="123456").outcome == "invalid_sender"


def test_handler_registry_lets_later_work_add_a_handler(monkeypatch):
    monkeypatch.setattr(inbound_sms, "_HANDLERS", dict(inbound_sms._HANDLERS))
    seen = []

    def vote_confirmation(message):
        seen.append(message.sender)
        return InboundResult(handler="vote_confirmation", outcome="done")

    inbound_sms_handler_register(name="vote_confirmation", handler=vote_confirmation)
    # A six-digit code that is nobody's password reset falls through to the new handler.
    result = inbound_sms_dispatch(sender="09121234567", text="654321")
    assert result.handler == "vote_confirmation" and seen == ["09121234567"]
