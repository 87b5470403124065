"""Ballot secrecy in tests (issue 12): one election key for the whole test session.

`ElectionFactory` gives every election this key's public half and share set, as a
completed ceremony would (2 of 3), so the journeys can seal ballots. Tests that need the
supervisors' part use `TEST_PHRASES` (the three share phrases) or `unseal()`; a test that
must look inside one ciphertext uses `ballots_opened()`, which only the test can do: the
portal itself never holds this private key.
"""

from election_pages.secrecy import crypto

TEST_PRIVATE, TEST_PUBLIC = crypto.keypair_new()
TEST_THRESHOLD = 2
TEST_SHARE_SET, TEST_PHRASES = crypto.key_split(TEST_PRIVATE, threshold=TEST_THRESHOLD, shares=3)
TEST_PUBLIC_B64 = crypto.b64(TEST_PUBLIC)
TEST_FINGERPRINT = crypto.fingerprint(TEST_PUBLIC)
TEST_SELECTIONS_KEY = bytes(range(32))


def election_key_fields() -> dict:
    return {
        "public_key": TEST_PUBLIC_B64,
        "key_fingerprint": TEST_FINGERPRINT,
        "key_share_set": TEST_SHARE_SET,
        "supervisor_threshold": TEST_THRESHOLD,
    }


def ballots_opened(election) -> list[dict]:
    """Every cast ballot of the election, opened with the test key (test-only)."""
    from election_pages.voting.models import CastBallot

    return [
        crypto.ballot_open(bytes(c), private=TEST_PRIVATE, public=TEST_PUBLIC)
        for c in CastBallot.objects.filter(election=election).values_list("ciphertext", flat=True)
    ]


def unseal(election, actor=None, phrases=None):
    """The supervisors' unsealing with two of the three test shares (election closed)."""
    from election_pages.voting.unsealing import election_unseal

    return election_unseal(election_id=election.pk, phrases=phrases or TEST_PHRASES[:2], actor=actor)


def sole_ballot_choices() -> dict:
    """The one cast ballot of the test, opened with the test key."""
    from election_pages.voting.models import CastBallot

    cast = CastBallot.objects.get()
    return crypto.ballot_open(bytes(cast.ciphertext), private=TEST_PRIVATE, public=TEST_PUBLIC)
