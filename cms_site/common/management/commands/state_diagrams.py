"""`manage.py state_diagrams`: regenerate docs/state-machines.md from the FSM declarations."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from cms_site.common.fsm_diagram import state_machines_doc


class Command(BaseCommand):
    help = "Write every state diagram (Mermaid) to docs/state-machines.md."

    def handle(self, *args, **options):
        path = Path(settings.BASE_DIR) / "docs" / "state-machines.md"
        path.write_text(state_machines_doc(), encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {path}"))
