"""SPEC R3: staff browse the audit trail in the admin, filtered; the chain is verified on display."""

import pytest
from django.db import connection, transaction

from cms_site.audit.models import AuditEntry
from cms_site.audit.services import audit_record
from tests.factories import MemberFactory, StaffFactory

pytestmark = pytest.mark.django_db
URL = "/admin/audit/"


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def _entries():
    actor = MemberFactory(username="0499370899")
    audit_record(actor=actor, action="election.open", target=("election_pages.election", 7), payload={})
    audit_record(actor=None, action="ballot.confirm", target=("voting.ballot", 1), payload={"election_id": 7})
    audit_record(actor=None, action="election.open", target=("election_pages.election", 8), payload={})
    audit_record(actor=actor, action="membership.approve", target=("member_workflow.membership", 3), payload={})


def test_r3_listing_shows_entries_and_an_intact_chain(staff_client):
    _entries()
    html = staff_client.get(URL).content.decode()
    assert 'data-audit-chain="intact"' in html
    assert html.count("election.open") >= 2 and "membership.approve" in html


@pytest.mark.parametrize(
    ("query", "expected", "absent"),
    [
        ("election=7", {"election.open", "ballot.confirm"}, {"membership.approve"}),
        ("actor=0499370899", {"election.open", "membership.approve"}, {"ballot.confirm"}),
        ("action=membership", {"membership.approve"}, {"ballot.confirm", "election.open"}),
    ],
)
def test_r3_filters_by_election_actor_and_action(staff_client, query, expected, absent):
    _entries()
    html = staff_client.get(f"{URL}results/?{query}").content.decode()
    for action in expected:
        assert action in html, (query, action)
    for action in absent:
        assert action not in html, (query, action)


def test_r3_a_broken_chain_is_shown_loudly(staff_client):
    _entries()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE audit_auditentry SET action = %s WHERE seq = 3", ["election.cancel"])
    html = staff_client.get(URL).content.decode()
    assert 'data-audit-chain="broken"' in html
    assert "زنجیره گزارش رخدادها شکسته است" in html
    assert "رخداد شماره 3" in html


def test_r3_entries_can_be_inspected_but_not_edited_or_deleted(staff_client):
    _entries()
    pk = AuditEntry.objects.order_by("seq").first().pk
    assert staff_client.get(f"{URL}inspect/{pk}/").status_code == 200
    for path in (f"{URL}edit/{pk}/", f"{URL}delete/{pk}/", f"{URL}new/"):
        assert staff_client.get(path).status_code == 404


def test_r3_ordinary_members_cannot_see_the_audit_trail(client):
    client.force_login(MemberFactory())
    response = client.get(URL)
    assert response.status_code in (302, 403)
