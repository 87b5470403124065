"""SPEC R1, R2: counting sealed ballots cast through the real voting services, the
ballots = participations check, the anonymous export and `manage.py recount`."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from election_pages.results.services import (
    TallyMismatchError,
    anonymous_ballots_export,
    election_tally_compute,
    recount_from_export,
    tally_totals,
)
from election_pages.voting import services
from election_pages.voting.models import AnonymousBallot, CastBallot, Participation
from tests.secrecy_helpers import TEST_SELECTIONS_KEY, unseal
from tests.voting_helpers import open_election_with_ballot, sms_code, voter_for

pytestmark = pytest.mark.django_db


def _vote(election, picks):
    member = voter_for(election)
    session = services.ballot_session_start(election_id=election.pk, member=member)
    services.ballot_channel_choose(session_id=session.pk, member=member, channel="sms")
    services.ballot_select(session_id=session.pk, member=member, selections=picks, key=TEST_SELECTIONS_KEY)
    services.ballot_code_request(session_id=session.pk, member=member)
    return services.ballot_confirm(session_id=session.pk, member=member, code=sms_code(), key=TEST_SELECTIONS_KEY)


@pytest.fixture
def counted():
    """Five voters on «هیات مدیره» (3 seats of 4) and «بازرس» (1 seat of 2), hand-counted:
    board a=4, b=3, c=2, d=2 → a, b elected, c and d tie for the third seat;
    inspector x=3, y=1, one blank → x elected."""
    election, board, inspector, (a, b, c, d), (x, y) = open_election_with_ballot()
    ballots = [
        {board.pk: [a.pk, b.pk, c.pk], inspector.pk: [x.pk]},
        {board.pk: [a.pk, b.pk, d.pk], inspector.pk: [x.pk]},
        {board.pk: [a.pk, c.pk], inspector.pk: [y.pk]},
        {board.pk: [a.pk, b.pk, d.pk], inspector.pk: []},
        {board.pk: [], inspector.pk: [x.pk]},
    ]
    for picks in ballots:
        _vote(election, {str(k): [str(v) for v in vs] for k, vs in picks.items()})
    return election, board, inspector, (a, b, c, d), (x, y)


@pytest.fixture
def unsealed(counted):
    """`counted`, closed and unsealed by two supervisors (issue 12): ready to count."""
    from election_pages.lifecycle.services import election_transition
    from tests.factories import StaffFactory

    election_transition(election_id=counted[0].pk, transition="force_close", actor=StaffFactory(), reason="آزمون")
    unseal(counted[0])
    return counted


def test_r1_tally_matches_the_hand_count_with_tie_and_blanks(unsealed):
    election, board, inspector, (a, b, c, d), (x, y) = unsealed
    tally = election_tally_compute(election_id=election.pk)
    assert tally.ballots == 5
    by_position = {p.id: p for p in tally.positions}
    board_votes = {cand.id: cand.votes for cand in by_position[board.pk].candidates}
    assert board_votes == {a.pk: 4, b.pk: 3, c.pk: 2, d.pk: 2}
    assert set(by_position[board.pk].assignment.elected) == {a.pk, b.pk}
    assert set(by_position[board.pk].assignment.tied) == {c.pk, d.pk}
    assert by_position[board.pk].blank_ballots == 1
    assert tally.has_ties
    inspector_result = by_position[inspector.pk]
    assert {cand.id: cand.votes for cand in inspector_result.candidates} == {x.pk: 3, y.pk: 1}
    assert inspector_result.assignment.elected == (x.pk,)
    assert inspector_result.blank_ballots == 1
    assert tally.turnout_percent == 100.0  # every approved member voted


def test_r1_rerunning_the_tally_gives_the_same_result(unsealed):
    election = unsealed[0]
    assert election_tally_compute(election_id=election.pk) == election_tally_compute(election_id=election.pk)


def test_r1_ballots_must_equal_participations(unsealed):
    election = unsealed[0]
    AnonymousBallot.objects.filter(election=election).first().delete()
    with pytest.raises(TallyMismatchError, match=r"unsealed ballots \(4\) plus spoiled ballots \(0\) differ"):
        election_tally_compute(election_id=election.pk)
    Participation.objects.filter(election=election).first().delete()
    assert election_tally_compute(election_id=election.pk).ballots == 4


def test_r2_export_is_anonymous_and_recounts_to_the_official_totals(unsealed):
    election = unsealed[0]
    data = anonymous_ballots_export(election_id=election.pk)
    assert len(data["ballots"]) == 5
    text = json.dumps(data)
    for tracker in CastBallot.objects.values_list("tracker", flat=True):
        assert tracker not in text
    assert recount_from_export(json.loads(text)) == tally_totals(election_tally_compute(election_id=election.pk))


def test_r2_recount_command_verdicts(unsealed, tmp_path, capsys):
    election, board, *_ = unsealed
    path = tmp_path / "ballots.json"
    data = anonymous_ballots_export(election_id=election.pk)
    path.write_text(json.dumps(data), encoding="utf-8")
    call_command("recount", str(path))
    assert "VERDICT: every total matches" in capsys.readouterr().out

    # Tamper: move one board vote from one candidate to another.
    tampered = json.loads(path.read_text(encoding="utf-8"))
    ballot = next(b for b in tampered["ballots"] if b[str(board.pk)])
    candidates = [c["id"] for c in tampered["positions"][0]["candidates"]]
    ballot[str(board.pk)] = [next(c for c in candidates if c not in ballot[str(board.pk)])] + ballot[str(board.pk)][1:]
    path.write_text(json.dumps(tampered), encoding="utf-8")
    with pytest.raises(CommandError, match="does NOT match"):
        call_command("recount", str(path))


def test_r2_recount_rejects_a_malformed_file(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("recount", str(path))


def test_r1_tally_service_stores_the_result_and_is_idempotent(counted):
    from election_pages.lifecycle.models import Election, ElectionState
    from election_pages.lifecycle.services import election_transition
    from election_pages.results.services import election_tally
    from election_pages.results.tasks import election_tally_task
    from tests.factories import StaffFactory

    election = counted[0]
    staff = StaffFactory()
    election_transition(election_id=election.pk, transition="force_close", actor=staff, reason="آزمون")
    unseal(election)
    election_tally_task.apply(args=[election.pk, staff.pk])
    election.refresh_from_db()
    assert election.state == ElectionState.TALLIED
    result = election.result
    assert result.ballots == 5 and result.has_ties
    board = next(p for p in result.positions.values() if p["name"] == "هیات مدیره")
    assert sorted(c["votes"] for c in board["candidates"]) == [2, 2, 3, 4]
    assert board["blank"] == 1 and board["tied_seats"] == 1
    assert len(result.audit_head_hash) == 64
    again = election_tally(election_id=election.pk, actor=staff)
    assert again.pk == result.pk and again.tallied_at == result.tallied_at
    assert Election.objects.get(pk=election.pk).state == ElectionState.TALLIED


def test_r1_tally_refuses_an_open_election(counted):
    from election_pages.lifecycle.services import ElectionTransitionError
    from election_pages.results.services import TallyNotUnsealedError, election_tally
    from tests.factories import StaffFactory

    with pytest.raises((ElectionTransitionError, TallyNotUnsealedError)):
        election_tally(election_id=counted[0].pk, actor=StaffFactory())
    from election_pages.results.models import ElectionResult

    assert not ElectionResult.objects.filter(election=counted[0]).exists()


def test_r1_turnout_is_against_the_approved_members_at_close(counted):
    """Members approved (or suspended) after the close do not change the turnout."""
    from election_pages.lifecycle.services import election_transition
    from election_pages.results.services import election_tally
    from member_workflow.selectors import association_approved_member_count
    from tests.factories import StaffFactory

    election = counted[0]
    staff = StaffFactory()
    election_transition(election_id=election.pk, transition="force_close", actor=staff, reason="آزمون")
    unseal(election)
    election.refresh_from_db()
    at_close = association_approved_member_count(association=election.association)
    assert election.approved_members_at_close == at_close == 5
    for _ in range(3):
        voter_for(election)  # approved after the close
    result = election_tally(election_id=election.pk, actor=staff)
    assert result.approved_members == 5 and result.ballots == 5
