"""The login guard on PostgreSQL with real threads (issue 13): tries arriving at the same
moment cannot get past a place's budget, since each is counted before its password check."""

import pytest
from django.utils import timezone

from member_workflow.errors import LoginDelayed
from member_workflow.models import LoginThrottle
from member_workflow.services.logins import login_authenticate
from tests.concurrency import in_threads
from tests.factories import MemberFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_simultaneous_wrong_tries_from_one_place_check_only_its_budget(settings):
    member = MemberFactory()
    now = timezone.now()
    outcomes = in_threads(
        20,
        lambda i: login_authenticate(
            address="192.0.2.1", national_code=member.national_code, password=f"x{i}", now=now
        ),
        refused=(LoginDelayed,),
    )
    assert not [o for o in outcomes if o[0] == "crash"], outcomes
    assert [o[0] for o in outcomes].count("ok") == settings.LOGIN_PAIR_FREE_FAILURES, outcomes
    row = LoginThrottle.objects.get(address="192.0.2.1", national_code=member.national_code)
    assert row.failures == settings.LOGIN_PAIR_FREE_FAILURES
