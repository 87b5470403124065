"""English is a full translation of the Persian interface."""

import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"
PERSIAN = re.compile(r"[\u0600-\u06FF]")


def _entries():
    text = PO.read_text(encoding="utf-8")
    for block in text.split("\n\n")[1:]:
        msgid = "".join(re.findall(r'^msgid "(.*)"$|^"(.*)"$', block, re.M)[0]) if "msgid" in block else ""
        strings = re.findall(r'msgstr "(.*)"', block)
        yield block, msgid, strings


def test_every_interface_string_has_an_english_translation():
    missing = [msgid for block, msgid, strings in _entries() if not any(strings) and not block.startswith("#~")]
    fuzzy = [msgid for block, msgid, _ in _entries() if "#, fuzzy" in block]
    assert not missing, f"untranslated: {missing}"
    assert not fuzzy, f"fuzzy: {fuzzy}"


def test_english_translations_contain_no_persian():
    leaking = [s for _, _, strings in _entries() for s in strings if PERSIAN.search(s)]
    assert not leaking


def test_compiled_catalogue_is_used():
    with translation.override("en"):
        assert translation.gettext("کد امنیتی") == "Security code"
        assert translation.gettext("سامانه انتخابات انجمن‌های علمی") == "Scientific Associations Elections"
