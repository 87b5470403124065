"""`manage.py translations_fill < pairs.tsv`: put English translations into the catalogue.

Each stdin line is `Persian msgid<TAB>English text`. Then lists what is still untranslated.
Typical use after adding strings: `make messages`, translate, `make messages` again.
"""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Fill English msgstrs from 'fa<TAB>en' lines on stdin and report untranslated entries."

    def handle(self, *args, **options):
        try:
            import polib  # on use: a dev-only package, with a clear error when missing
        except ImportError as exc:  # dev tool; polib is in requirements-dev.txt
            raise CommandError("polib is needed: pip install -r requirements-dev.txt") from exc
        path = settings.LOCALE_PATHS[0] / "en" / "LC_MESSAGES" / "django.po"
        catalogue = polib.pofile(str(path), wrapwidth=0)
        pairs = dict(line.rstrip("\n").split("\t", 1) for line in sys.stdin if "\t" in line)
        for entry in catalogue:
            if "fuzzy" in entry.flags:
                # msgmerge's guess from a similar old string: never trust it.
                entry.flags.remove("fuzzy")
                entry.msgstr = ""
                entry.previous_msgid = None
            if entry.msgid in pairs:
                entry.msgstr = pairs[entry.msgid]
        catalogue.metadata["Language"] = "en"
        catalogue.save()
        missing = [
            entry.msgid
            for entry in catalogue
            if not (entry.msgstr or any(entry.msgstr_plural.values())) and not entry.obsolete
        ]
        for msgid in missing:
            self.stdout.write(f"untranslated: {msgid}")
        self.stdout.write(f"{len(missing)} untranslated entries")
