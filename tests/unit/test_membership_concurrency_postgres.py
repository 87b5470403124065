"""SPEC M10/A2 under real concurrency (PostgreSQL row locks): two admins approving the
same membership at once make one transition and one audit entry."""

import threading

import pytest
from django.db import connection

from cms_site.audit.models import AuditEntry
from member_workflow.models import MembershipState
from member_workflow.services.memberships import membership_approve
from tests.factories import MembershipFactory, association_admin

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_m10_concurrent_approvals_make_one_transition():
    membership = MembershipFactory()
    admins = [association_admin(membership.association) for _ in range(4)]
    barrier = threading.Barrier(len(admins))
    errors = []

    def approve(admin):
        try:
            barrier.wait()
            membership_approve(membership_id=membership.pk, actor=admin)
        except Exception as exc:  # noqa: BLE001 - any failure in the thread is collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(admin,)) for admin in admins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    membership.refresh_from_db()
    assert membership.state == MembershipState.APPROVED
    assert AuditEntry.objects.filter(action="membership.approve").count() == 1
