"""Helpers for the voting tests: an open election with a ballot, an approved voter, and
reading codes from the outboxes."""

import re

from django.core import mail

from election_pages.lifecycle.models import ElectionState
from otp_delivery.gateways import sms
from tests.factories import (
    AssociationFactory,
    CandidateFactory,
    ElectionFactory,
    PositionFactory,
    approved_member,
)
from tests.otp_helpers import run_deliveries

CODE = re.compile(r"\b(\d{6})\b")


def open_election_with_ballot(association=None, **fields):
    """An open election: «هیات مدیره» (choose at most 3 of 4) and «بازرس» (1 of 2)."""
    association = association or AssociationFactory()
    election = ElectionFactory(association=association, state=ElectionState.OPEN, **fields)
    board = PositionFactory(election=election, name="هیات مدیره", selection_limit=3, seats=3, sort_order=1)
    inspector = PositionFactory(election=election, name="بازرس", selection_limit=1, seats=1, sort_order=2)
    board_candidates = [CandidateFactory(position=board) for _ in range(4)]
    inspector_candidates = [CandidateFactory(position=inspector) for _ in range(2)]
    return election, board, inspector, board_candidates, inspector_candidates


def voter_for(election, **fields):
    return approved_member(election.association, **fields)


def sms_code() -> str:
    run_deliveries()
    return CODE.search(sms.outbox[-1].text).group(1)


def mail_code() -> str:
    run_deliveries()
    return CODE.search(mail.outbox[-1].body).group(1)
