"""SPEC M3, M4, M5, A4: the password-lifecycle machine and its services."""

import json
import logging

import pytest
from django.core import mail
from django.db import transaction
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from cms_site.audit.models import AuditEntry
from election_pages.lifecycle.models import ElectionState
from member_workflow.errors import (
    ElectionInVotingWindow,
    LoginRefusedDuringElection,
    MemberNotFound,
    ResetNotForAdmins,
)
from member_workflow.models import MemberCredential, PasswordState
from member_workflow.services import passwords
from member_workflow.services.inbound_sms import inbound_sms_dispatch
from member_workflow.tasks import password_random_send_task
from otp_delivery.gateways import sms
from otp_delivery.models import Delivery
from tests.factories import (
    AssociationFactory,
    ElectionFactory,
    MembershipFactory,
    StaffFactory,
    approved_member,
    association_admin,
    member_with_password_state,
)

pytestmark = pytest.mark.django_db


def _state(member):
    return MemberCredential.objects.get(member=member).state


def test_m4_option2_code_then_sms_resets_password_to_national_code(django_capture_on_commit_callbacks):
    member = member_with_password_state(PasswordState.RANDOM_UNREVEALED)
    code = passwords.password_sms_reset_request(national_code=member.national_code)
    assert len(code) == 6 and code.isdigit()
    credential = MemberCredential.objects.get(member=member)
    assert credential.state == PasswordState.SMS_RESET_PENDING
    assert code not in credential.reset_code_digest  # only a keyed hash is stored
    result = inbound_sms_dispatch(sender=member.mobile, text=code)
    assert result.handler == "password_reset" and result.outcome == "done"
    member.refresh_from_db()
    assert member.check_password(member.national_code)
    assert _state(member) == PasswordState.RESET_TO_NATIONAL_CODE


def test_m4_option2_code_from_another_mobile_or_wrong_code_changes_nothing():
    member = member_with_password_state(PasswordState.SELF_SET)
    code = passwords.password_sms_reset_request(national_code=member.national_code)
    wrong = "000000" if code != "000000" else "111111"
    assert inbound_sms_dispatch(sender="09351112233", text=code).outcome == "no_match"
    assert inbound_sms_dispatch(sender=member.mobile, text=wrong).outcome == "no_match"
    member.refresh_from_db()
    assert member.check_password("Member2026pass")
    assert _state(member) == PasswordState.SMS_RESET_PENDING


def test_m4_option2_code_expires():
    member = member_with_password_state(PasswordState.SELF_SET)
    code = passwords.password_sms_reset_request(national_code=member.national_code)
    MemberCredential.objects.filter(member=member).update(reset_code_expires_at="2000-01-01T00:00:00Z")
    assert inbound_sms_dispatch(sender=member.mobile, text=code).outcome == "no_match"


def test_a4_option2_is_refused_to_association_admins_and_staff():
    association = AssociationFactory()
    admin = association_admin(association)
    with pytest.raises(ResetNotForAdmins):
        passwords.password_sms_reset_request(national_code=admin.national_code)
    staff = StaffFactory(mobile="09130000001")
    with pytest.raises(ResetNotForAdmins):
        passwords.password_sms_reset_request(national_code=staff.national_code)
    credential = MemberCredential.objects.filter(member=admin).first()
    assert credential is None or credential.state != PasswordState.SMS_RESET_PENDING


def test_a4_the_machine_itself_refuses_option2_for_admins():
    association = AssociationFactory()
    admin = association_admin(association)
    credential = MemberCredential.objects.create(member=admin)
    with pytest.raises(TransitionNotAllowed):
        credential.request_sms_reset(code_digest="x", expires_at=None)


def test_m4_option2_is_refused_while_an_election_of_the_members_association_is_open():
    association = AssociationFactory()
    member = approved_member(association)
    ElectionFactory(association=association, state=ElectionState.OPEN)
    with pytest.raises(ElectionInVotingWindow):
        passwords.password_sms_reset_request(national_code=member.national_code)


def test_m4_option2_pending_reset_is_not_applied_if_an_election_opened_meanwhile():
    association = AssociationFactory()
    member = approved_member(association)
    code = passwords.password_sms_reset_request(national_code=member.national_code)
    ElectionFactory(association=association, state=ElectionState.OPEN)
    assert inbound_sms_dispatch(sender=member.mobile, text=code).outcome == "no_match"
    member.refresh_from_db()
    assert not member.check_password(member.national_code)


def test_m4_option2_unknown_national_code():
    with pytest.raises(MemberNotFound):
        passwords.password_sms_reset_request(national_code="0012345679")


def test_m4_option1_task_takes_only_the_id_and_sends_by_sms_and_email(
    django_capture_on_commit_callbacks, celery_eager, caplog
):
    member = member_with_password_state(PasswordState.RANDOM_UNREVEALED)
    caplog.set_level(logging.DEBUG)
    sent_args = []
    original = password_random_send_task.apply_async

    def spy(args=None, kwargs=None, **options):
        sent_args.append((args, kwargs))
        return original(args=args, kwargs=kwargs, **options)

    password_random_send_task.apply_async = spy
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert passwords.password_random_request(national_code=member.national_code) is True
    finally:
        del password_random_send_task.apply_async
    assert [(tuple(args), kwargs or {}) for args, kwargs in sent_args] == [((member.pk,), {})]
    [message] = sms.outbox
    assert message.to == member.mobile
    password = message.text.split(": ")[1].split("\n")[0]
    assert password in mail.outbox[0].body and mail.outbox[0].to == [member.email]
    member.refresh_from_db()
    assert member.check_password(password)
    assert _state(member) == PasswordState.RANDOM_SENT
    assert password not in caplog.text
    assert all(password not in json.dumps(e.payload) for e in AuditEntry.objects.all())
    # Through otp_delivery's queue: sealed at rest, the text erased once sent.
    deliveries = Delivery.objects.filter(member=member)
    assert {d.channel for d in deliveries} == {"sms", "email"}
    assert all(d.state in ("sent", "delivered") and d.sealed_body == "" for d in deliveries), list(
        deliveries.values("state", "sealed_body")
    )


def test_a4_option1_works_for_association_admins(django_capture_on_commit_callbacks, celery_eager):
    admin = association_admin(AssociationFactory())
    with django_capture_on_commit_callbacks(execute=True):
        passwords.password_random_request(national_code=admin.national_code)
    assert len(sms.outbox) == 1 and len(mail.outbox) == 1


def test_m4_option1_unknown_code_sends_nothing(django_capture_on_commit_callbacks, celery_eager):
    with django_capture_on_commit_callbacks(execute=True):
        assert passwords.password_random_request(national_code="0012345679") is False
    assert sms.outbox == [] and mail.outbox == []


def test_m5_national_code_password_must_be_changed_and_is_refused_during_an_election():
    association = AssociationFactory()
    member = approved_member(association)
    member.set_password(member.national_code)
    member.save()
    assert passwords.login_check(member=member) is True
    ElectionFactory(association=association, state=ElectionState.OPEN)
    with pytest.raises(LoginRefusedDuringElection):
        passwords.login_check(member=member)


def test_m5_ordinary_password_needs_no_change_even_during_an_election():
    association = AssociationFactory()
    member = approved_member(association)
    ElectionFactory(association=association, state=ElectionState.OPEN)
    assert passwords.login_check(member=member) is False


def test_m5_m6_password_change_returns_to_self_set():
    member = member_with_password_state(PasswordState.RESET_TO_NATIONAL_CODE)
    passwords.password_change(member=member, new_password="NewPass2026")
    member.refresh_from_db()
    assert member.check_password("NewPass2026")
    assert _state(member) == PasswordState.SELF_SET


def test_m7_password_change_is_refused_during_the_voting_window():
    association = AssociationFactory()
    member = approved_member(association)
    ElectionFactory(association=association, state=ElectionState.OPEN)
    with pytest.raises(ElectionInVotingWindow):
        passwords.password_change(member=member, new_password="NewPass2026")


def test_m10_unapproved_members_can_still_reset_their_password():
    membership = MembershipFactory()
    code = passwords.password_sms_reset_request(national_code=membership.member.national_code)
    assert inbound_sms_dispatch(sender=membership.member.mobile, text=code).outcome == "done"


def test_password_confirm_from_wrong_source_state_is_refused():
    member = member_with_password_state(PasswordState.SELF_SET)
    credential = MemberCredential.objects.get(member=member)
    with pytest.raises(TransitionNotAllowed):
        credential.confirm_sms_reset()


def test_password_lifecycle_concurrent_save_is_refused():
    member = member_with_password_state(PasswordState.SELF_SET)
    first = MemberCredential.objects.get(member=member)
    stale = MemberCredential.objects.get(member=member)
    first.send_random()
    first.save()
    stale.issue_unrevealed()
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()
