"""SPEC M10/A2 under real concurrency (PostgreSQL row locks): two admins approving the
same membership at once make one transition and one audit entry."""

import pytest

from cms_site.audit.models import AuditEntry
from member_workflow.models import MembershipState
from member_workflow.services.memberships import membership_approve
from tests.concurrency import in_threads
from tests.factories import MembershipFactory, association_admin

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_m10_concurrent_approvals_make_one_transition():
    membership = MembershipFactory()
    admins = [association_admin(membership.association) for _ in range(4)]
    outcomes = in_threads(
        len(admins), lambda i: membership_approve(membership_id=membership.pk, actor=admins[i]), timeout=60
    )
    assert all(kind == "ok" for kind, _value in outcomes), outcomes
    membership.refresh_from_db()
    assert membership.state == MembershipState.APPROVED
    assert AuditEntry.objects.filter(action="membership.approve").count() == 1
