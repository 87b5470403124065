"""The cryptography of ballot secrecy (issue 12, SPEC V7), as pure functions over bytes.

Nothing here is home-made: libsodium through PyNaCl (X25519 sealed boxes, XSalsa20-Poly1305
secret boxes, BLAKE2b) and SLIP-39 through `shamir-mnemonic` (k-of-n shares of a 32-byte
secret, each a checksummed word phrase carrying the share set's identifier). This module
imports no Django, so the supervisors' own tool (`supervisor_tool.py`) uses the very same
code on their computers.

- A supervisor's personal key pair is an X25519 pair. The private half stays with them.
- An election's key pair is an X25519 pair made by `election_key_new`; its private half is
  split k-of-n into SLIP-39 phrases, each sealed to one supervisor's public key, and then
  dropped.
- A ballot is its choices as canonical JSON, padded to a fixed length for the election
  (`ballot_plaintext_size`), sealed to the election's public key. Its tracker is the
  SHA-256 of the ciphertext.
"""

import base64
import hashlib
import json

import nacl.bindings
import nacl.exceptions
import nacl.public
import nacl.secret
import nacl.utils
import shamir_mnemonic
from shamir_mnemonic.share import Share

KEY_BYTES = 32
SEALED_OVERHEAD = nacl.bindings.crypto_box_SEALBYTES  # 48


class ShareError(ValueError):
    """A share that cannot be used; `reason` is one of the class constants."""

    MALFORMED = "malformed"  # not a SLIP-39 phrase, or its checksum fails
    OTHER_ELECTION = "other_election"  # a valid phrase of another share set
    TOO_FEW = "too_few"  # fewer distinct shares than the threshold
    DUPLICATE = "duplicate"  # the same share twice
    WRONG_KEY = "wrong_key"  # the shares combine, but not into this election's key

    def __init__(self, reason: str, *, index: int | None = None):
        self.reason, self.index = reason, index
        super().__init__(reason if index is None else f"{reason} (share {index + 1})")


# --- Keys -------------------------------------------------------------------------------
def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode("".join(text.split()), validate=True)


def keypair_new() -> tuple[bytes, bytes]:
    """(private, public), 32 bytes each."""
    private = nacl.public.PrivateKey.generate()
    return bytes(private), bytes(private.public_key)


def public_key_of(private: bytes) -> bytes:
    return bytes(nacl.public.PrivateKey(private).public_key)


def public_key_parse(text: str) -> bytes:
    """A public key as pasted: base64 of 32 bytes. ValueError otherwise."""
    try:
        raw = unb64(text.strip())
    except (ValueError, TypeError) as exc:
        raise ValueError("not base64") from exc
    if len(raw) != KEY_BYTES:
        raise ValueError("not 32 bytes")
    return raw


def fingerprint(public: bytes) -> str:
    """What people compare by eye: 16 bytes of BLAKE2b, as eight groups of four hex digits."""
    digest = hashlib.blake2b(public, digest_size=16, person=b"portal-key-fp").hexdigest().upper()
    return "-".join(digest[i : i + 4] for i in range(0, len(digest), 4))


# --- Shares -----------------------------------------------------------------------------
def key_split(private: bytes, *, threshold: int, shares: int) -> tuple[int, list[str]]:
    """Split a 32-byte private key k-of-n. Returns (share set identifier, phrases)."""
    groups = shamir_mnemonic.generate_mnemonics(
        group_threshold=1, groups=[(threshold, shares)], master_secret=private, iteration_exponent=0
    )
    phrases = groups[0]
    return share_identifier(phrases[0]), phrases


def share_identifier(phrase: str) -> int:
    return Share.from_mnemonic(_normalise_phrase(phrase)).identifier


def _normalise_phrase(phrase: str) -> str:
    return " ".join(phrase.lower().split())


def key_combine(phrases: list[str], *, identifier: int, threshold: int, public: bytes) -> bytes:
    """Rebuild the private key from `threshold` or more phrases of share set `identifier`,
    and check it against the election's public key. Raises ShareError naming the problem."""
    parsed: list[Share] = []
    for index, phrase in enumerate(phrases):
        try:
            share = Share.from_mnemonic(_normalise_phrase(phrase))
        except (shamir_mnemonic.MnemonicError, ValueError, KeyError, IndexError) as exc:
            raise ShareError(ShareError.MALFORMED, index=index) from exc
        if share.identifier != identifier:
            raise ShareError(ShareError.OTHER_ELECTION, index=index)
        if any(share.index == other.index for other in parsed):
            raise ShareError(ShareError.DUPLICATE, index=index)
        parsed.append(share)
    if len(parsed) < threshold:
        raise ShareError(ShareError.TOO_FEW)
    try:  # SLIP-39 takes exactly `threshold` shares; any that many of them will do
        private = shamir_mnemonic.combine_mnemonics([_normalise_phrase(p) for p in phrases[:threshold]])
    except (shamir_mnemonic.MnemonicError, ValueError) as exc:
        raise ShareError(ShareError.WRONG_KEY) from exc
    if len(private) != KEY_BYTES or public_key_of(private) != public:
        raise ShareError(ShareError.WRONG_KEY)
    return private


def share_seal(phrase: str, *, supervisor_public: bytes) -> bytes:
    """A share phrase encrypted to one supervisor's personal key (what the server stores)."""
    return nacl.public.SealedBox(nacl.public.PublicKey(supervisor_public)).encrypt(phrase.encode("utf-8"))


def share_open(sealed: bytes, *, supervisor_private: bytes) -> str:
    """On the supervisor's computer: their share phrase. nacl CryptoError if not theirs."""
    return nacl.public.SealedBox(nacl.public.PrivateKey(supervisor_private)).decrypt(sealed).decode("utf-8")


# --- Ballots ----------------------------------------------------------------------------
def ballot_plaintext_size(*, limits: dict[str, int], id_digits: int) -> int:
    """The fixed length every ballot of an election is padded to: the JSON of the fullest
    possible ballot (every position at its limit, every id at the longest id's width)."""
    widest = int("9" * max(id_digits, 1))
    fullest = {key: [widest] * limit for key, limit in limits.items()}
    return len(ballot_json(fullest))


def ballot_json(choices: dict[str, list[int]]) -> bytes:
    return json.dumps(
        {key: sorted(int(v) for v in values) for key, values in sorted(choices.items())}, separators=(",", ":")
    ).encode("ascii")


def ballot_seal(choices: dict[str, list[int]], *, public: bytes, size: int) -> bytes:
    """The choices padded with spaces to `size` bytes and sealed to the election's key."""
    plain = ballot_json(choices)
    if len(plain) > size:
        raise ValueError("ballot longer than the election's fixed size")
    return nacl.public.SealedBox(nacl.public.PublicKey(public)).encrypt(plain.ljust(size, b" "))


def ballot_open(ciphertext: bytes, *, private: bytes, public: bytes) -> dict[str, list[int]] | None:
    """The choices of one sealed ballot, or None when it cannot be opened or read (a
    spoiled ballot). Uses libsodium's sealed-box open directly, with both keys given."""
    try:
        plain = nacl.bindings.crypto_box_seal_open(ciphertext, public, private)
        choices = json.loads(plain.rstrip(b" "))
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        return None
    if not isinstance(choices, dict) or not all(
        isinstance(v, list) and all(isinstance(i, int) for i in v) for v in choices.values()
    ):
        return None
    return choices


def tracker(ciphertext: bytes) -> str:
    """A ballot's tracker: the SHA-256 of its ciphertext, in lowercase hex."""
    return hashlib.sha256(ciphertext).hexdigest()


def tracker_normalise(text: str) -> str:
    """What a voter typed, spaces, dashes and case forgiven."""
    return "".join(ch for ch in text.lower() if ch in "0123456789abcdef")


def tracker_display(value: str) -> str:
    """A tracker in groups of eight, easier to read aloud and compare."""
    return " ".join(value[i : i + 8] for i in range(0, len(value), 8))


# --- Selections between «انتخاب» and «ثبت رای» ------------------------------------------
def selections_key_new() -> bytes:
    return nacl.utils.random(nacl.secret.SecretBox.KEY_SIZE)


def selections_seal(choices: dict, *, key: bytes) -> bytes:
    return nacl.secret.SecretBox(key).encrypt(json.dumps(choices, separators=(",", ":")).encode("ascii"))


def selections_open(sealed: bytes, *, key: bytes) -> dict | None:
    try:
        return json.loads(nacl.secret.SecretBox(key).decrypt(bytes(sealed)))
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        return None
