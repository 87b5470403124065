"""Issue 12: the sealing and sharing primitives (libsodium sealed boxes, SLIP-39 shares)."""

import pytest

from election_pages.secrecy import crypto


@pytest.fixture(scope="module")
def key():
    private, public = crypto.keypair_new()
    share_set, phrases = crypto.key_split(private, threshold=2, shares=3)
    return private, public, share_set, phrases


def test_any_two_of_three_shares_rebuild_the_key_and_nothing_less_does(key):
    private, public, share_set, phrases = key
    for pair in ((0, 1), (0, 2), (1, 2)):
        chosen = [phrases[i] for i in pair]
        assert crypto.key_combine(chosen, identifier=share_set, threshold=2, public=public) == private
    assert crypto.key_combine(phrases, identifier=share_set, threshold=2, public=public) == private
    with pytest.raises(crypto.ShareError) as error:
        crypto.key_combine(phrases[:1], identifier=share_set, threshold=2, public=public)
    assert error.value.reason == crypto.ShareError.TOO_FEW


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda p, other: [p[0], p[0]], crypto.ShareError.DUPLICATE),
        (lambda p, other: [p[0], p[1].rsplit(" ", 1)[0] + " academic"], crypto.ShareError.MALFORMED),
        (lambda p, other: [p[0], "not a share at all"], crypto.ShareError.MALFORMED),
        (lambda p, other: [p[0], other[1]], crypto.ShareError.OTHER_ELECTION),
    ],
)
def test_wrong_shares_are_named(key, mangle, reason):
    _private, public, share_set, phrases = key
    _other_set, other = crypto.key_split(crypto.keypair_new()[0], threshold=2, shares=3)
    if reason == crypto.ShareError.OTHER_ELECTION and _other_set == share_set:
        pytest.skip("the two random share sets collided (1 in 32768)")
    with pytest.raises(crypto.ShareError) as error:
        crypto.key_combine(mangle(phrases, other), identifier=share_set, threshold=2, public=public)
    assert error.value.reason == reason


def test_shares_of_another_key_with_this_identifier_do_not_make_this_key(key):
    _private, public, _share_set, _phrases = key
    other_set, other = crypto.key_split(crypto.keypair_new()[0], threshold=2, shares=3)
    with pytest.raises(crypto.ShareError) as error:
        crypto.key_combine(other[:2], identifier=other_set, threshold=2, public=public)
    assert error.value.reason == crypto.ShareError.WRONG_KEY


def test_phrases_are_forgiving_about_case_and_spaces(key):
    private, public, share_set, phrases = key
    typed = ["  " + phrases[0].upper().replace(" ", "   ") + "\n", phrases[2]]
    assert crypto.key_combine(typed, identifier=share_set, threshold=2, public=public) == private


def test_a_share_opens_only_with_its_supervisors_key(key):
    phrase = key[3][0]
    mine, mine_public = crypto.keypair_new()
    sealed = crypto.share_seal(phrase, supervisor_public=mine_public)
    assert phrase.encode() not in sealed
    assert crypto.share_open(sealed, supervisor_private=mine) == phrase
    with pytest.raises(Exception):  # noqa: B017, PT011 - nacl's CryptoError
        crypto.share_open(sealed, supervisor_private=crypto.keypair_new()[0])


def test_ballots_are_padded_to_one_length_and_open_only_with_the_key(key):
    private, public, *_ = key
    size = crypto.ballot_plaintext_size(limits={"1": 3, "2": 1}, id_digits=3)
    empty = crypto.ballot_seal({"1": [], "2": []}, public=public, size=size)
    full = crypto.ballot_seal({"1": [999, 998, 997], "2": [996]}, public=public, size=size)
    assert len(empty) == len(full) == size + crypto.SEALED_OVERHEAD
    assert crypto.ballot_open(full, private=private, public=public) == {"1": [997, 998, 999], "2": [996]}
    assert crypto.ballot_open(full, private=crypto.keypair_new()[0], public=public) is None
    corrupted = full[:-1] + bytes([full[-1] ^ 1])
    assert crypto.ballot_open(corrupted, private=private, public=public) is None
    with pytest.raises(ValueError, match="fixed size"):
        crypto.ballot_seal({"1": [1000, 1001, 1002, 1003], "2": []}, public=public, size=size)


def test_the_same_choices_seal_differently_and_the_tracker_is_the_ciphertext_hash(key):
    _private, public, *_ = key
    a = crypto.ballot_seal({"1": [5]}, public=public, size=20)
    b = crypto.ballot_seal({"1": [5]}, public=public, size=20)
    assert a != b and crypto.tracker(a) != crypto.tracker(b)
    assert len(crypto.tracker(a)) == 64
    shown = crypto.tracker_display(crypto.tracker(a))
    assert crypto.tracker_normalise(shown.upper().replace(" ", "-")) == crypto.tracker(a)


def test_selections_open_only_with_the_browser_key():
    browser = crypto.selections_key_new()
    sealed = crypto.selections_seal({"7": [1, 2]}, key=browser)
    assert b"[1,2]" not in sealed
    assert crypto.selections_open(sealed, key=browser) == {"7": [1, 2]}
    assert crypto.selections_open(sealed, key=crypto.selections_key_new()) is None


def test_fingerprints_are_stable_and_public_keys_are_checked():
    _private, public = crypto.keypair_new()
    assert crypto.fingerprint(public) == crypto.fingerprint(crypto.public_key_parse(crypto.b64(public)))
    for bad in ("", "not base64!", crypto.b64(b"short")):
        with pytest.raises(ValueError):
            crypto.public_key_parse(bad)
