"""Issue 13, failure 7 (SPEC A2, M3, A4): adding a national code that already has an
account only invites that person. The invitation is answered by the member at their next
login; until they accept, the association's admins see no names, mobile, email or
password data of theirs, and cannot send them a password. The import follows the same
rule; a brand-new national code keeps the old behaviour."""

import io

import pytest
from django.core import mail

from cms_site.audit.models import AuditEntry
from member_workflow.errors import InvalidTransition, PermissionDenied
from member_workflow.models import Member, Membership, MembershipState
from member_workflow.services import memberships, passwords, registration
from member_workflow.services.admins import association_admin_grant
from member_workflow.services.importing import members_import
from otp_delivery.gateways import sms
from tests.conftest import form_post
from tests.factories import AssociationFactory, MemberFactory, MembershipFactory, StaffFactory, national_code_from

pytestmark = pytest.mark.django_db

PASSWORD = "Member2026pass"


@pytest.fixture
def world():
    """Association A with its admin; B with a member who belongs to B only."""
    a, b = AssociationFactory(slug="assoc-a"), AssociationFactory(slug="assoc-b")
    admin_a = MemberFactory(first_name="مسئول", last_name="الف")
    association_admin_grant(association=a, member=admin_a, actor=None)
    b_only = MemberFactory(first_name="پنهان", last_name="بی‌نام", mobile="09351112233", email="secret.b@example.org")
    MembershipFactory(association=b, member=b_only, state=MembershipState.APPROVED)
    return {"a": a, "b": b, "admin_a": admin_a, "b_only": b_only}


def _contact_of(member) -> list[str]:
    return [member.mobile, member.email, member.first_name, member.last_name]


def _add_form(association, member, **overrides):
    data = {
        "association": association.pk,
        "national_code": member.username,
        "first_name": "نام",
        "last_name": "تایپی",
        "mobile": "09130000077",
        "email": "typed@example.org",
        "is_approved": "on",
    }
    return {**data, **overrides}


def test_i13_adding_another_associations_member_only_invites_them(client, world):
    client.force_login(world["admin_a"])
    response = client.post("/admin/members/add/", _add_form(world["a"], world["b_only"]), follow=True)
    html = response.content.decode()
    membership = Membership.objects.get(member=world["b_only"], association=world["a"])
    assert membership.state == MembershipState.INVITED
    assert "دعوت عضویت برای او ثبت شد" in html
    assert world["b_only"].username in html
    for secret in _contact_of(world["b_only"]):
        assert secret not in html
    assert 'data-role="invitation-pending"' in html and "send-password" not in html
    # The typed contact data changed nothing of theirs.
    world["b_only"].refresh_from_db()
    assert world["b_only"].mobile == "09351112233" and world["b_only"].email == "secret.b@example.org"
    entry = AuditEntry.objects.get(action="membership.invite")
    assert entry.actor == world["admin_a"] and entry.payload["state"] == MembershipState.INVITED


def test_i13_no_password_can_be_sent_to_an_invited_member(client, world, django_capture_on_commit_callbacks):
    registration.member_add_by_admin(
        actor=world["admin_a"],
        association=world["a"],
        national_code=world["b_only"].username,
        first_name="x",
        last_name="y",
        mobile="09130000077",
        email="typed@example.org",
    )
    membership = Membership.objects.get(member=world["b_only"], association=world["a"])
    client.force_login(world["admin_a"])
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(f"/admin/members/{membership.pk}/send-password/")
    assert response.status_code == 404 and not queued
    with pytest.raises(PermissionDenied):
        passwords.password_random_request(national_code=world["b_only"].username, actor=world["admin_a"])
    assert sms.outbox == [] and mail.outbox == []
    assert not AuditEntry.objects.filter(action="password.random_requested").exists()


def test_i13_admin_of_a_never_sees_b_only_members_contact_data_anywhere(client, world):
    """Every way into the members area: listing, search by each contact field, filters,
    export, detail, the add form's answer and the import's report."""
    b_only = world["b_only"]
    client.force_login(world["admin_a"])
    pages = [client.post("/admin/members/add/", _add_form(world["a"], b_only), follow=True)]
    upload = io.BytesIO(
        (
            "national_code,first_name,last_name,mobile,email\n"
            f"{b_only.username},نام,تایپی,09130000078,typed2@example.org\n"
        ).encode()
    )
    upload.name = "m.csv"
    pages.append(client.post("/admin/members/import/", {"association": world["a"].pk, "file": upload}))
    membership = Membership.objects.get(member=b_only, association=world["a"])
    pages += [client.get("/admin/members/"), client.get(f"/admin/members/{membership.pk}/")]
    pages += [client.get("/admin/members/export/"), client.get("/admin/members/export/?state=invited")]
    for query in (*_contact_of(b_only), "0935", "secret", "invited"):
        pages.append(client.get("/admin/members/", {"q": query}))
        pages.append(client.get("/admin/members/export/", {"q": query}))
    for response in pages:
        assert response.status_code == 200
        body = response.content.decode()
        if response.request.get("QUERY_STRING") and '<table class="listing">' in body:
            # The search box and the export link echo what the admin typed: only the rows count.
            body = body[body.index('<table class="listing">') :]
        for secret in _contact_of(b_only):
            assert secret not in body, (response.request["PATH_INFO"], secret)
    # Searching by contact data does not even confirm that the invited row matches.
    html = client.get("/admin/members/", {"q": b_only.mobile}).content.decode()
    assert f'data-membership="{membership.pk}"' not in html
    html = client.get("/admin/members/", {"q": b_only.username}).content.decode()
    assert f'data-membership="{membership.pk}"' in html


def test_i13_member_answers_at_next_login_and_accepting_opens_the_contact_data(client, world):
    membership = registration.member_add_by_admin(
        actor=world["admin_a"],
        association=world["a"],
        national_code=world["b_only"].username,
        first_name="x",
        last_name="y",
        mobile="09130000077",
        email="typed@example.org",
    )
    response = form_post(
        client, "/accounts/login/", {"username": world["b_only"].username, "password": PASSWORD}, follow=True
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/accounts/invitations/"
    assert world["a"].name in html and "پذیرفتن دعوت" in html and "رد دعوت" in html
    # Shown once after login; the personal page then opens, with a reminder.
    html = client.get("/accounts/me/").content.decode()
    assert 'data-role="invitations-pending"' in html
    response = client.post(f"/accounts/invitations/{membership.pk}/accept/", follow=True)
    assert "عضویت شما در" in response.content.decode()
    membership.refresh_from_db()
    assert membership.state == MembershipState.APPROVED and membership.state_changed_by == world["b_only"]
    assert AuditEntry.objects.filter(action="membership.accept", actor=world["b_only"]).exists()
    admin = client.__class__()
    admin.force_login(world["admin_a"])
    html = admin.get(f"/admin/members/{membership.pk}/").content.decode()
    assert world["b_only"].mobile in html and world["b_only"].email in html


def test_i13_declining_keeps_the_member_hidden_and_out_of_the_association(client, world):
    membership = registration.member_add_by_admin(
        actor=world["admin_a"],
        association=world["a"],
        national_code=world["b_only"].username,
        first_name="x",
        last_name="y",
        mobile="09130000077",
        email="typed@example.org",
    )
    client.force_login(world["b_only"])
    client.post(f"/accounts/invitations/{membership.pk}/decline/")
    membership.refresh_from_db()
    assert membership.state == MembershipState.DECLINED
    admin = client.__class__()
    admin.force_login(world["admin_a"])
    html = admin.get(f"/admin/members/{membership.pk}/").content.decode()
    assert "دعوت رد شده" in html and world["b_only"].mobile not in html
    # Adding the code again does not turn a declined invitation into a membership.
    again = registration.member_add_by_admin(
        actor=world["admin_a"],
        association=world["a"],
        national_code=world["b_only"].username,
        first_name="x",
        last_name="y",
        mobile="09130000077",
        email="typed@example.org",
    )
    assert again.pk == membership.pk and again.state == MembershipState.DECLINED


def test_i13_only_the_invited_member_answers(client, world):
    membership = registration.member_add_by_admin(
        actor=world["admin_a"],
        association=world["a"],
        national_code=world["b_only"].username,
        first_name="x",
        last_name="y",
        mobile="09130000077",
        email="typed@example.org",
    )
    for actor in (world["admin_a"], StaffFactory(), MemberFactory(), None):
        with pytest.raises(PermissionDenied):
            memberships.membership_transition(membership_id=membership.pk, transition="accept", actor=actor)
    client.force_login(MemberFactory())
    assert client.post(f"/accounts/invitations/{membership.pk}/accept/").status_code == 404
    client.force_login(world["admin_a"])
    response = client.post(f"/admin/members/{membership.pk}/approve/", follow=True)
    assert "این تغییر وضعیت از وضعیت فعلی ممکن نیست." in response.content.decode()
    membership.refresh_from_db()
    assert membership.state == MembershipState.INVITED
    # The admins' buttons and bulk actions do not move an invitation either.
    client.post("/admin/members/bulk/", {"action": "approve", "ids": [membership.pk]})
    membership.refresh_from_db()
    assert membership.state == MembershipState.INVITED


def test_i13_answers_only_leave_an_open_invitation():
    membership = MembershipFactory(state=MembershipState.APPROVED)
    with pytest.raises(InvalidTransition):
        memberships.membership_transition(membership_id=membership.pk, transition="decline", actor=membership.member)
    membership.refresh_from_db()
    assert membership.state == MembershipState.APPROVED


def test_i13_brand_new_national_code_keeps_the_direct_membership(world):
    code = national_code_from(4321)
    membership = registration.member_add_by_admin(
        actor=world["admin_a"],
        association=world["a"],
        national_code=code,
        first_name="x",
        last_name="y",
        mobile="09130000079",
        email="new@example.org",
    )
    assert membership.state == MembershipState.APPROVED
    assert Member.objects.get(username=code).mobile == "09130000079"


def test_i13_a_member_the_admin_already_has_joins_another_of_its_associations_directly(world):
    second = AssociationFactory(slug="assoc-a2")
    association_admin_grant(association=second, member=world["admin_a"], actor=None)
    own = MemberFactory()
    MembershipFactory(association=world["a"], member=own, state=MembershipState.APPROVED)
    membership = registration.member_add_by_admin(
        actor=world["admin_a"],
        association=second,
        national_code=own.username,
        first_name="x",
        last_name="y",
        mobile="09130000080",
        email="x@example.org",
    )
    assert membership.state == MembershipState.APPROVED
    # A superuser (federation staff) adds directly too.
    staff_added = registration.member_add_by_admin(
        actor=StaffFactory(),
        association=world["a"],
        national_code=world["b_only"].username,
        first_name="x",
        last_name="y",
        mobile="09130000081",
        email="y@example.org",
    )
    assert staff_added.state == MembershipState.APPROVED


def test_i13_import_invites_existing_members_and_keeps_new_ones_direct(world):
    new_code = national_code_from(4400)
    names = {"first_name": "ن", "last_name": "ت"}
    rows = [
        (2, {"national_code": world["b_only"].username, "mobile": "09130000090", "email": "a@example.org", **names}),
        (3, {"national_code": new_code, "mobile": "09130000091", "email": "b@example.org", **names}),
    ]
    report = members_import(association=world["a"], rows=rows, actor=world["admin_a"])
    assert (report.created, report.memberships_added, report.invitations, report.error_count) == (1, 1, 1, 0)
    assert Membership.objects.get(member=world["b_only"], association=world["a"]).state == MembershipState.INVITED
    assert Membership.objects.get(member__username=new_code, association=world["a"]).state == MembershipState.APPROVED
    # The operator's command (no actor) is trusted like a superuser.
    other = AssociationFactory(slug="assoc-c")
    report = members_import(association=other, rows=rows[:1], actor=None)
    assert report.invitations == 0 and report.memberships_added == 1
