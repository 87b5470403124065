"""The portal-wide audit log: append-only, hash-chained, no secrets (SPEC R3 groundwork)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from cms_site.audit.models import AppendOnlyError, AuditEntry
from cms_site.audit.selectors import audit_chain_verify
from cms_site.audit.services import AuditPayloadError, audit_record
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def _three_entries():
    staff = StaffFactory()
    audit_record(actor=staff, action="page.publish", target=("wagtailcore.page", 3), payload={"title": "خانه"})
    audit_record(actor=None, action="election.open", target=("election", 7), payload={"by": "beat"})
    audit_record(actor=staff, action="membership.approve", target=staff, payload={"national_code": "0012345679"})
    return staff


def test_entries_form_a_chain():
    _three_entries()
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == "0" * 64
    assert entries[1].prev_hash == entries[0].entry_hash
    assert entries[2].prev_hash == entries[1].entry_hash
    report = audit_chain_verify()
    assert report.is_intact and report.checked == 3


def test_verify_audit_command_reports_intact_chain(capsys):
    _three_entries()
    call_command("verify_audit")
    assert "intact: 3 entries" in capsys.readouterr().out


def _raw_sql(sql, params):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The append-only trigger would stop us; a DBA with superuser rights can bypass it.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def test_verify_audit_catches_a_modified_entry():
    _three_entries()
    with transaction.atomic():
        _raw_sql("UPDATE audit_auditentry SET payload = %s WHERE seq = 2", ['{"by": "someone else"}'])
    with pytest.raises(CommandError, match=r"BROKEN at entry #2: content was modified"):
        call_command("verify_audit")


def test_verify_audit_catches_a_deleted_entry():
    _three_entries()
    with transaction.atomic():
        _raw_sql("DELETE FROM audit_auditentry WHERE seq = 2", [])
    with pytest.raises(CommandError, match=r"BROKEN at entry #2: entry #2 is missing"):
        call_command("verify_audit")


def test_verify_audit_catches_removed_tail():
    _three_entries()
    with transaction.atomic():
        _raw_sql("DELETE FROM audit_auditentry WHERE seq = 3", [])
    with pytest.raises(CommandError, match=r"BROKEN at entry #3"):
        call_command("verify_audit")


def test_entries_cannot_be_changed_or_deleted_through_the_orm():
    _three_entries()
    entry = AuditEntry.objects.get(seq=1)
    entry.action = "forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


@pytest.mark.postgres
def test_postgres_trigger_refuses_update_and_delete():
    _three_entries()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(seq=1).update(action="forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(seq=1).delete()


@pytest.mark.parametrize(
    "payload",
    [
        {"password": "x"},
        {"new_password": "x"},
        {"otp": "1234"},
        {"code": "1234"},
        {"details": {"confirmation_code": "1234"}},
        {"choices": [1, 2]},
        {"selection": [3]},
        {"token": "t"},
    ],
)
def test_secrets_and_ballot_choices_are_refused(payload):
    with pytest.raises(AuditPayloadError):
        audit_record(action="test", payload=payload)
    assert AuditEntry.objects.count() == 0


def test_oversized_or_non_json_payload_is_refused():
    with pytest.raises(AuditPayloadError):
        audit_record(action="test", payload={"note": "x" * 5000})
    with pytest.raises(AuditPayloadError):
        audit_record(action="test", payload={"when": object()})


def test_entry_rolls_back_with_the_change_it_records():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action="membership.approve", payload={})
        raise RuntimeError("the change failed")
    assert AuditEntry.objects.count() == 0
    audit_record(action="after", payload={})
    assert audit_chain_verify().is_intact
