"""Import members from a CSV or XLSX file into an association (SPEC M3), with a progress bar:

manage.py import_members members.xlsx --association medical-informatics [--pending]
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from member_workflow.models import Association
from member_workflow.services.importing import ImportFileError, members_import, rows_from_file


def _progress_bar(stream):
    def show(done: int, total: int) -> None:
        width = 40
        filled = int(width * done / total) if total else width
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        stream.flush()
        if done >= total:
            stream.write("\n")

    return show


class Command(BaseCommand):
    help = "Import members (national_code, first_name, last_name, mobile, email) from CSV/XLSX."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--association", required=True, help="association slug")
        parser.add_argument("--pending", action="store_true", help="memberships wait for approval")

    def handle(self, *args, file, association, pending, **options):
        try:
            target = Association.objects.get(slug=association)
        except Association.DoesNotExist:
            raise CommandError(f"No association with slug {association!r}.") from None
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        self.stdout.write("Validating rows…")
        try:
            report = members_import(
                association=target,
                rows=rows_from_file(name=path.name, content=path.read_bytes()),
                actor=None,
                is_approved=not pending,
                progress=_progress_bar(sys.stderr),
            )
        except ImportFileError as exc:
            raise CommandError(str(exc.message)) from None
        for error in report.errors:
            self.stdout.write(f"line {error.line}: " + " | ".join(error.messages))
        self.stdout.write(
            self.style.SUCCESS(
                f"created {report.created} members, added {report.memberships_added} memberships, "
                f"{report.error_count} rows with errors"
            )
        )
