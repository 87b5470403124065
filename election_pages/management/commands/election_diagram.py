"""`manage.py election_diagram`: regenerate docs/election-lifecycle.md from the FSM."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from election_pages.diagram import election_lifecycle_doc


class Command(BaseCommand):
    help = "Write the election state diagram (Mermaid) to docs/election-lifecycle.md."

    def handle(self, *args, **options):
        path = Path(settings.BASE_DIR) / "docs" / "election-lifecycle.md"
        path.write_text(election_lifecycle_doc(), encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {path}"))
