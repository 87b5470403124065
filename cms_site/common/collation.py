"""Persian alphabetical order (P5): پ after ب, چ after ج, ژ after ز, گ after ک.

Unicode code-point order puts the four Persian letters after all Arabic ones and treats
Arabic ي/ك as different letters from ی/ک; neither SQLite nor a default PostgreSQL
collation sorts Persian correctly, so lists are sorted in Python with this key.
"""

import unicodedata

ALPHABET = "آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"
_RANK = {letter: index + 1 for index, letter in enumerate(ALPHABET)}

# Arabic letter forms typed on Arabic keyboards count as their Persian twins.
_FOLD = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "أ": "ا",
        "إ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ـ": None,  # tatweel
        "\u200c": " ",  # zero-width non-joiner separates words like a space
    }
)


def persian_fold(text: str) -> str:
    """The text with Arabic forms replaced and diacritics removed."""
    text = (text or "").translate(_FOLD)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).strip()


def persian_sort_key(text: str) -> tuple:
    """A key that orders strings by the Persian alphabet. Spaces sort first (so «علی» comes
    before «علیرضا»); Latin letters and digits after the Persian letters, then the rest."""
    key = []
    for ch in persian_fold(text):
        if ch.isspace():
            key.append(0)
        elif ch in _RANK:
            key.append(_RANK[ch])
        else:
            key.append(100 + ord(ch.lower()))
    return tuple(key)


def candidate_sort_key(candidate) -> tuple:
    """Candidates are listed by family name, then given name (the ballot order too)."""
    return (persian_sort_key(candidate.last_name), persian_sort_key(candidate.first_name), candidate.pk or 0)
