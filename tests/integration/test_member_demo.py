"""The members demo: two associations, an admin each, members in every membership and
password state, built through the services, idempotently."""

import pytest
from django.core.management import call_command

from cms_site.demo.members import DEMO_ADMINS, DEMO_MEMBER_PASSWORD, DEMO_MEMBERS
from member_workflow.models import Association, Member, MembershipState, PasswordState
from member_workflow.selectors import member_password_state

pytestmark = pytest.mark.django_db


def test_demo_builds_every_membership_and_password_state_idempotently(settings, tmp_path):
    settings.SMS_BACKEND = "locmem"
    call_command("demo", verbosity=0)
    call_command("demo", verbosity=0)
    slugs = set(Association.objects.values_list("slug", flat=True))
    assert {"medical-informatics", "pediatrics"} <= slugs
    for slug, (code, *_rest, password) in DEMO_ADMINS.items():
        admin = Member.objects.get(username=code)
        assert admin.check_password(password)
        assert Association.objects.get(slug=slug).admins.filter(pk=admin.pk).exists()
    states = set()
    password_states = set()
    for code, *_rest, _how in DEMO_MEMBERS:
        member = Member.objects.get(username=code)
        states |= set(member.memberships.values_list("state", flat=True))
        password_states.add(member_password_state(member=member))
    assert states == set(MembershipState.values)
    assert password_states == set(PasswordState.values)
    maryam = Member.objects.get(username=DEMO_MEMBERS[0][0])
    assert maryam.check_password(DEMO_MEMBER_PASSWORD)
