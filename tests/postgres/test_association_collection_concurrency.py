"""Association collections on PostgreSQL (issue 13): the row lock must name the association
alone, since PostgreSQL refuses FOR UPDATE on the nullable side of the collection join, and
admins granted at the same moment end up with one collection between them."""

import pytest

from member_workflow.models import Association
from member_workflow.services.admins import association_admin_grant
from tests.concurrency import in_threads
from tests.factories import AssociationFactory, MemberFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_admin_grants_share_one_collection():
    association = AssociationFactory()
    admins = [MemberFactory() for _ in range(4)]
    outcomes = in_threads(
        4, lambda i: association_admin_grant(association=association, member=admins[i], actor=None)
    )
    assert not [o for o in outcomes if o[0] == "crash"], outcomes
    association = Association.objects.get(pk=association.pk)
    assert association.collection is not None
    assert set(association.admins.all()) == set(admins)
