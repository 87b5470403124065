"""English is a full translation of the Persian interface."""

import re
from pathlib import Path

import polib
from django.utils import translation

PO = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"
PERSIAN = re.compile(r"[\u0600-\u06FF]")


def _entries():
    return [entry for entry in polib.pofile(str(PO)) if not entry.obsolete]


def test_every_interface_string_has_an_english_translation():
    missing = [entry.msgid for entry in _entries() if not (entry.msgstr or any(entry.msgstr_plural.values()))]
    fuzzy = [entry.msgid for entry in _entries() if "fuzzy" in entry.flags]
    assert not missing, f"untranslated: {missing}"
    assert not fuzzy, f"fuzzy: {fuzzy}"


def test_english_translations_contain_no_persian():
    assert not [entry.msgstr for entry in _entries() if PERSIAN.search(entry.msgstr)]


def test_compiled_catalogue_is_current():
    """Every entry of the .po is in the committed .mo (run `make messages` after editing)."""
    compiled = {entry.msgid: entry.msgstr for entry in polib.mofile(str(PO.with_suffix(".mo")))}
    stale = [entry.msgid for entry in _entries() if entry.msgstr and compiled.get(entry.msgid) != entry.msgstr]
    assert not stale, f"django.mo is out of date for: {stale}"
    with translation.override("en"):
        assert translation.gettext("کد امنیتی") == "Security code"
