"""Issue 12: supervisors register personal keys, the admin names them with a threshold, the
ceremony seals one share to each and keeps no readable share; replacing a supervisor before
the opening re-runs it; the pages show the election key's fingerprint."""

import pytest
from django.urls import reverse

from cms_site.audit.models import AuditEntry
from election_pages.lifecycle.models import Election, ElectionState
from election_pages.secrecy import crypto
from election_pages.secrecy.errors import CeremonyError
from election_pages.secrecy.models import ElectionSupervisor, SupervisorKey
from election_pages.secrecy.services import election_supervisors_set, supervisor_key_register
from tests.factories import ElectionFactory, MemberFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _supervisors(n=3):
    people = []
    for _ in range(n):
        member = MemberFactory()
        private, public = crypto.keypair_new()
        supervisor_key_register(user=member, public_key=crypto.b64(public))
        people.append((member, private))
    return people


def _keyless_election(**fields):
    return ElectionFactory(public_key="", key_fingerprint="", key_share_set=None, **fields)


def _phrases(election, people):
    seats = {s.user_id: s for s in ElectionSupervisor.objects.filter(election=election)}
    return [crypto.share_open(bytes(seats[m.pk].sealed_share), supervisor_private=p) for m, p in people]


def test_the_ceremony_seals_one_share_to_each_supervisor_and_keeps_none_readable():
    people = _supervisors(3)
    election = _keyless_election()
    election = election_supervisors_set(
        election_id=election.pk, usernames=[m.username for m, _ in people], threshold=2, actor=StaffFactory()
    )
    assert election.public_key and election.key_fingerprint == crypto.fingerprint(crypto.unb64(election.public_key))
    phrases = _phrases(election, people)
    assert len(set(phrases)) == 3
    public = crypto.unb64(election.public_key)
    private = crypto.key_combine(phrases[1:], identifier=election.key_share_set, threshold=2, public=public)
    assert crypto.public_key_of(private) == public
    # Nothing readable was stored: no phrase in any share row or audit payload.
    for seat in ElectionSupervisor.objects.filter(election=election):
        assert all(phrase.encode() not in bytes(seat.sealed_share) for phrase in phrases)
    payloads = " ".join(str(e.payload) for e in AuditEntry.objects.all())
    assert all(phrase.split()[3] + " " + phrase.split()[4] not in payloads for phrase in phrases)
    assert AuditEntry.objects.filter(action="election.key_ceremony").count() == 1


def test_the_ceremony_waits_for_every_supervisors_key_and_runs_when_the_last_registers():
    people = _supervisors(2)
    late = MemberFactory()
    election = _keyless_election(state=ElectionState.ANNOUNCED)
    election_supervisors_set(
        election_id=election.pk,
        usernames=[m.username for m, _ in people] + [late.username],
        threshold=2,
        actor=StaffFactory(),
    )
    assert not Election.objects.get(pk=election.pk).public_key
    private, public = crypto.keypair_new()
    supervisor_key_register(user=late, public_key=crypto.b64(public))
    assert Election.objects.get(pk=election.pk).public_key


def test_replacing_a_supervisor_before_the_opening_runs_the_ceremony_again():
    people = _supervisors(3)
    election = _keyless_election()
    first = election_supervisors_set(
        election_id=election.pk, usernames=[m.username for m, _ in people], threshold=2, actor=StaffFactory()
    )
    replacement = _supervisors(1)
    second = election_supervisors_set(
        election_id=election.pk,
        usernames=[m.username for m, _ in people[:2] + replacement],
        threshold=2,
        actor=StaffFactory(),
    )
    assert second.public_key != first.public_key
    assert not ElectionSupervisor.objects.filter(election=election, user=people[2][0]).exists()
    assert len(_phrases(election, people[:2] + replacement)) == 3


@pytest.mark.parametrize(
    ("usernames", "threshold", "reason"),
    [
        (["0000000000"], 1, CeremonyError.UNKNOWN_USER),
        (None, 4, CeremonyError.BAD_THRESHOLD),
        (None, 0, CeremonyError.BAD_THRESHOLD),
    ],
)
def test_bad_supervisor_lists_are_named(usernames, threshold, reason):
    people = _supervisors(3)
    election = _keyless_election()
    with pytest.raises(CeremonyError) as error:
        election_supervisors_set(
            election_id=election.pk,
            usernames=usernames or [m.username for m, _ in people],
            threshold=threshold,
            actor=StaffFactory(),
        )
    assert error.value.reason == reason and str(error.value)


def test_supervisors_and_key_are_frozen_once_voting_opened():
    people = _supervisors(2)
    election = ElectionFactory(state=ElectionState.OPEN)
    with pytest.raises(CeremonyError) as error:
        election_supervisors_set(
            election_id=election.pk, usernames=[m.username for m, _ in people], threshold=1, actor=StaffFactory()
        )
    assert error.value.reason == CeremonyError.TOO_LATE
    # A supervisor's new personal key does not touch an open election's key either.
    before = Election.objects.get(pk=election.pk).public_key
    supervisor_key_register(user=people[0][0], public_key=crypto.b64(crypto.keypair_new()[1]))
    assert Election.objects.get(pk=election.pk).public_key == before


def test_the_supervisor_page_registers_a_key_and_hands_out_the_sealed_share(client):
    member = MemberFactory()
    client.force_login(member)
    page = client.get("/supervisor/")
    assert page.status_code == 200 and 'data-role="key-form"' in page.content.decode()
    bad = client.post("/supervisor/", {"public_key": "not a key"})
    assert "کلید عمومی معتبر نیست" in bad.content.decode()
    private, public = crypto.keypair_new()
    assert client.post("/supervisor/", {"public_key": crypto.b64(public)}).status_code == 302
    assert SupervisorKey.objects.get(user=member).fingerprint == crypto.fingerprint(public)
    others = _supervisors(2)
    election = _keyless_election()
    election_supervisors_set(
        election_id=election.pk,
        usernames=[member.username] + [m.username for m, _ in others],
        threshold=2,
        actor=StaffFactory(),
    )
    html = client.get("/supervisor/").content.decode()
    election.refresh_from_db()
    assert election.key_fingerprint in html
    sealed = html.split('data-role="sealed-share">', 1)[1].split("</textarea>", 1)[0]
    assert crypto.share_identifier(crypto.share_open(crypto.unb64(sealed), supervisor_private=private)) == (
        election.key_share_set
    )


def test_the_supervisor_page_needs_a_login(client):
    assert client.get("/supervisor/").status_code == 302


def test_the_admin_supervision_page_names_supervisors_and_warns_about_one_of_one(client):
    people = _supervisors(1)
    election = _keyless_election()
    staff = StaffFactory()
    client.force_login(staff)
    url = reverse("election_pages_supervision", args=[election.pk])
    assert 'data-role="ceremony-pending"' in client.get(url).content.decode()
    response = client.post(url, {"action": "supervisors", "usernames": people[0][0].username, "threshold": "1"})
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert 'data-role="ceremony-done"' in html and 'data-role="single-warning"' in html
    election.refresh_from_db()
    assert election.key_fingerprint in html
    inspect = client.get(f"/admin/elections/inspect/{election.pk}/").content.decode()
    assert 'data-role="supervision-link"' in inspect and election.key_fingerprint in inspect


def test_the_admin_supervision_page_is_for_election_managers_only(client):
    election = _keyless_election()
    client.force_login(MemberFactory())
    response = client.get(reverse("election_pages_supervision", args=[election.pk]))
    assert response.status_code in (302, 403)


def test_admins_are_warned_once_days_ahead_when_the_ceremony_is_incomplete(settings):
    from django.utils import timezone

    from election_pages.secrecy.services import key_ceremony_warnings_send
    from member_workflow.services.admins import association_admin_grant
    from otp_delivery.models import Delivery

    settings.KEY_CEREMONY_WARNING_DAYS = 3
    now = timezone.now()
    soon = _keyless_election(
        state=ElectionState.ANNOUNCED,
        voting_starts_at=now + timezone.timedelta(days=2),
        voting_ends_at=now + timezone.timedelta(days=3),
    )
    later = _keyless_election(
        voting_starts_at=now + timezone.timedelta(days=10), voting_ends_at=now + timezone.timedelta(days=11)
    )
    ready = ElectionFactory(
        state=ElectionState.ANNOUNCED,
        voting_starts_at=now + timezone.timedelta(days=1),
        voting_ends_at=now + timezone.timedelta(days=2),
    )
    admin = MemberFactory(email="admin@example.org")
    association_admin_grant(association=soon.association, member=admin, actor=None)
    assert key_ceremony_warnings_send(now=now) == [soon.pk]
    assert key_ceremony_warnings_send(now=now) == []  # once
    assert Delivery.objects.filter(recipient=admin.email).count() == 1
    assert AuditEntry.objects.filter(action="election.key_warning", target_id=str(soon.pk)).exists()
    assert later.pk and ready.pk
