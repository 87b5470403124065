"""SPEC R1: seats by votes, ties at the seat boundary reported, never broken silently."""

import pytest

from election_pages.results.tally import lot_draw, seats_assign


def test_r1_top_candidates_win_the_seats():
    result = seats_assign(votes={1: 50, 2: 40, 3: 30, 4: 20}, seats=3)
    assert result.elected == (1, 2, 3)
    assert not result.has_tie


def test_r1_tie_inside_the_seats_is_no_problem():
    result = seats_assign(votes={1: 50, 2: 40, 3: 40, 4: 20}, seats=3)
    assert set(result.elected) == {1, 2, 3} and not result.has_tie


def test_r1_tie_at_the_boundary_is_reported():
    result = seats_assign(votes={1: 50, 2: 40, 3: 30, 4: 30, 5: 10}, seats=3)
    assert result.elected == (1, 2)
    assert result.tied == (3, 4)
    assert result.seats_in_tie == 1


def test_r1_three_way_tie_for_two_seats():
    result = seats_assign(votes={7: 10, 8: 10, 9: 10}, seats=2)
    assert result.elected == () and result.tied == (7, 8, 9) and result.seats_in_tie == 2


def test_r1_blank_position_and_zero_votes_elect_nobody():
    assert seats_assign(votes={1: 0, 2: 0}, seats=1).elected == ()
    assert seats_assign(votes={}, seats=2).elected == ()


def test_r1_fewer_candidates_with_votes_than_seats():
    assert seats_assign(votes={1: 3, 2: 0}, seats=3).elected == (1,)


def test_r1_ranking_is_by_votes_then_id():
    assert seats_assign(votes={5: 1, 3: 9, 4: 9}, seats=1).ranking == ((3, 9), (4, 9), (5, 1))


def test_lot_draw_is_reproducible_from_the_recorded_seed():
    first = lot_draw(tied=(3, 4, 5), seats=1, seed="1405/09/06 board meeting")
    assert first == lot_draw(tied=(5, 3, 4), seats=1, seed="1405/09/06 board meeting")
    outcomes = {lot_draw(tied=(3, 4, 5), seats=1, seed=f"seed-{i}") for i in range(30)}
    assert len(outcomes) > 1  # the seed really decides


def test_lot_draw_refuses_impossible_draws():
    with pytest.raises(ValueError):
        lot_draw(tied=(1, 2), seats=3, seed="x")
