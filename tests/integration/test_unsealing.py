"""Issue 12: the election can't open without its key; k supervisors unseal the closed box;
every wrong input is named and changes nothing; a ciphertext that does not open is a spoiled
ballot; unsealing twice gives the same result; counts must match; the purge at publish."""

import pytest

from election_pages.lifecycle.models import Election, ElectionState
from election_pages.lifecycle.services import ElectionTransitionError, election_transition
from election_pages.results.services import (
    TallyMismatchError,
    TallyNotUnsealedError,
    election_tally,
    election_tally_compute,
    tally_totals,
)
from election_pages.secrecy import crypto
from election_pages.secrecy.errors import UnsealError
from election_pages.voting.models import AnonymousBallot, CastBallot, Participation
from election_pages.voting.unsealing import election_unseal
from tests.factories import ElectionFactory, StaffFactory
from tests.integration.test_tally import _vote
from tests.secrecy_helpers import TEST_PHRASES, ballots_opened, unseal
from tests.voting_helpers import open_election_with_ballot

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed():
    """Three votes cast, then closed early by staff."""
    election, board, inspector, bc, ic = open_election_with_ballot()
    picks = [
        {str(board.pk): [str(bc[0].pk), str(bc[1].pk)], str(inspector.pk): [str(ic[0].pk)]},
        {str(board.pk): [str(bc[0].pk)], str(inspector.pk): [str(ic[1].pk)]},
        {str(board.pk): [], str(inspector.pk): [str(ic[1].pk)]},
    ]
    for pick in picks:
        _vote(election, pick)
    staff = StaffFactory()
    election_transition(election_id=election.pk, transition="force_close", actor=staff, reason="آزمون")
    return election, staff


def _unchanged(election):
    election.refresh_from_db()
    return election.unsealed_at is None and not AnonymousBallot.objects.filter(election=election).exists()


def test_the_cast_ballots_are_ciphertext_until_unsealed(closed):
    election, _staff = closed
    assert CastBallot.objects.filter(election=election).count() == 3
    assert not AnonymousBallot.objects.exists()
    with pytest.raises(TallyNotUnsealedError):
        election_tally_compute(election_id=election.pk)
    # The admin's «شمارش آرا» is refused with the guard's Persian words.
    with pytest.raises(ElectionTransitionError, match="گشوده نشده"):
        election_transition(election_id=election.pk, transition="tally", actor=StaffFactory())


@pytest.mark.parametrize(
    ("phrases", "reason"),
    [
        (lambda: TEST_PHRASES[:1], UnsealError.TOO_FEW),
        (lambda: [TEST_PHRASES[0], TEST_PHRASES[0]], UnsealError.DUPLICATE),
        (lambda: [TEST_PHRASES[0], "این سهم نیست"], UnsealError.MALFORMED),
        (lambda: [TEST_PHRASES[0], TEST_PHRASES[1].rsplit(" ", 1)[0] + " acid"], UnsealError.MALFORMED),
    ],
)
def test_wrong_shares_are_named_and_change_nothing(closed, phrases, reason):
    election, staff = closed
    with pytest.raises(UnsealError) as error:
        election_unseal(election_id=election.pk, phrases=phrases(), actor=staff)
    assert error.value.reason == reason and str(error.value)
    assert _unchanged(election)


def test_a_share_of_another_election_is_named(closed):
    election, staff = closed
    other_set, other = crypto.key_split(crypto.keypair_new()[0], threshold=2, shares=3)
    if other_set == election.key_share_set:
        pytest.skip("random share-set identifiers collided (1 in 32768)")
    with pytest.raises(UnsealError) as error:
        election_unseal(election_id=election.pk, phrases=[TEST_PHRASES[0], other[1]], actor=staff)
    assert error.value.reason == UnsealError.OTHER_ELECTION
    assert "انتخابات دیگری" in str(error.value)
    # Shares of another election's key, presented as a set of their own, are refused too.
    with pytest.raises(UnsealError) as error:
        election_unseal(election_id=election.pk, phrases=other[:2], actor=staff)
    assert error.value.reason in (UnsealError.OTHER_ELECTION, UnsealError.WRONG_KEY)
    assert _unchanged(election)


def test_unsealing_is_for_closed_elections_only():
    election, *_ = open_election_with_ballot()
    with pytest.raises(UnsealError) as error:
        unseal(election)
    assert error.value.reason == UnsealError.NOT_CLOSED


def test_two_supervisors_unseal_and_the_tally_counts_what_was_cast(closed):
    election, staff = closed
    cast = sorted(map(str, ballots_opened(election)))
    unseal(election, actor=staff, phrases=[TEST_PHRASES[2], TEST_PHRASES[0]])  # any two, any order
    election.refresh_from_db()
    assert (election.unsealed_ballots, election.spoiled_ballots) == (3, 0)
    anonymous = AnonymousBallot.objects.filter(election=election)
    assert sorted(str(b.choices) for b in anonymous) == cast
    result = election_tally(election_id=election.pk, actor=staff)
    assert result.ballots == 3


def test_unsealing_twice_gives_the_same_result(closed):
    election, staff = closed
    unseal(election, actor=staff)
    first = tally_totals(election_tally_compute(election_id=election.pk))
    ids = set(AnonymousBallot.objects.values_list("id", flat=True))
    unseal(election, actor=staff)
    assert tally_totals(election_tally_compute(election_id=election.pk)) == first
    assert AnonymousBallot.objects.count() == 3
    assert not ids & set(AnonymousBallot.objects.values_list("id", flat=True))  # new random ids
    election_tally(election_id=election.pk, actor=staff)
    with pytest.raises(UnsealError) as error:
        unseal(election, actor=staff)
    assert error.value.reason == UnsealError.ALREADY_COUNTED


def test_a_ciphertext_that_does_not_open_is_a_spoiled_ballot_and_never_blocks_the_tally(closed):
    election, staff = closed
    broken = CastBallot.objects.filter(election=election).first()
    data = bytearray(bytes(broken.ciphertext))
    data[-1] ^= 0xFF
    CastBallot.objects.filter(pk=broken.pk).update(ciphertext=bytes(data))
    unseal(election, actor=staff)
    election.refresh_from_db()
    assert (election.unsealed_ballots, election.spoiled_ballots) == (2, 1)
    result = election_tally(election_id=election.pk, actor=staff)
    assert result.ballots == 2
    # The minutes state the spoiled ballot.
    assert election.spoiled_ballots == Participation.objects.filter(election=election).count() - result.ballots


def test_a_ballot_box_that_differs_from_the_voters_is_refused(closed):
    election, staff = closed
    CastBallot.objects.filter(election=election).first().delete()
    with pytest.raises(UnsealError) as error:
        unseal(election, actor=staff)
    assert error.value.reason == UnsealError.COUNT_MISMATCH
    assert "۲" in str(error.value) and "۳" in str(error.value)
    assert _unchanged(election)


def test_the_tally_refuses_when_unsealed_plus_spoiled_differ_from_participations(closed):
    election, staff = closed
    unseal(election, actor=staff)
    Election.objects.filter(pk=election.pk).update(spoiled_ballots=1)
    with pytest.raises(TallyMismatchError, match=r"unsealed ballots \(3\) plus spoiled ballots \(1\)"):
        election_tally_compute(election_id=election.pk)


def test_publishing_deletes_the_ciphertexts_and_keeps_the_trackers(closed, django_capture_on_commit_callbacks):
    election, staff = closed
    trackers = set(CastBallot.objects.filter(election=election).values_list("tracker", flat=True))
    unseal(election, actor=staff)
    election_tally(election_id=election.pk, actor=staff)
    with django_capture_on_commit_callbacks(execute=True):
        election_transition(election_id=election.pk, transition="publish_results", actor=staff)
    assert set(CastBallot.objects.filter(election=election).values_list("tracker", flat=True)) == trackers
    assert not CastBallot.objects.filter(election=election, ciphertext__isnull=False).exists()
    election.refresh_from_db()
    assert election.ciphertexts_purged_at is not None and election.state == ElectionState.PUBLISHED


def test_an_election_cannot_open_without_its_key():
    election, *_ = open_election_with_ballot()
    Election.objects.filter(pk=election.pk).update(
        state=ElectionState.ANNOUNCED, public_key="", key_fingerprint="", key_share_set=None
    )
    with pytest.raises(ElectionTransitionError, match="کلید انتخابات هنوز ساخته نشده است"):
        election_transition(election_id=election.pk, transition="open", actor=StaffFactory())
    assert Election.objects.get(pk=election.pk).state == ElectionState.ANNOUNCED


def test_unseal_command_session(closed, monkeypatch, capsys):
    from django.core.management import call_command

    election, _staff = closed
    typed = iter(TEST_PHRASES[:2])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    call_command("election_unseal", str(election.pk))
    out = capsys.readouterr().out
    assert "Unsealed: 3 ballots, 0 spoiled" in out
    assert TEST_PHRASES[0] not in out


def test_factory_elections_carry_the_test_key():
    assert ElectionFactory().public_key


@pytest.mark.django_db(transaction=True)
def test_a_large_box_is_unsealed_behind_a_progress_bar(client, settings):
    """From UNSEAL_BACKGROUND_FROM ballots the admin's page checks the shares at once, then
    opens the box in a thread of the web process (never a queue) and shows its progress."""
    from django.urls import reverse

    from tests.waiting import wait_until

    settings.UNSEAL_BACKGROUND_FROM = 1
    election, board, inspector, bc, ic = open_election_with_ballot()
    for pick in ({str(board.pk): [str(bc[0].pk)]}, {str(inspector.pk): [str(ic[0].pk)]}):
        _vote(election, pick)
    staff = StaffFactory(is_superuser=True)
    election_transition(election_id=election.pk, transition="force_close", actor=staff, reason="آزمون")
    client.force_login(staff)
    url = reverse("election_pages_supervision", args=[election.pk])
    # A wrong share is refused at once, on the page.
    refused = client.post(url, {"action": "unseal", "share_0": TEST_PHRASES[0], "share_1": "نادرست"}, follow=True)
    assert "خوانا نیست" in refused.content.decode()
    assert Election.objects.get(pk=election.pk).unsealed_at is None
    response = client.post(url, {"action": "unseal", "share_0": TEST_PHRASES[0], "share_1": TEST_PHRASES[1]})
    assert response.status_code == 302
    wait_until(lambda: Election.objects.get(pk=election.pk).unsealed_at is not None, message="the unsealing")
    assert AnonymousBallot.objects.filter(election=election).count() == 2
    page = client.get(url).content.decode()
    assert 'data-role="unsealed"' in page and TEST_PHRASES[0] not in page
