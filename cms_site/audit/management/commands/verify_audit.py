"""`manage.py verify_audit`: check the audit hash chain and report the first break."""

from django.core.management.base import BaseCommand, CommandError

from cms_site.audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exits non-zero at the first broken link."

    def handle(self, *args, **options):
        report = audit_chain_verify()
        if report.is_intact:
            self.stdout.write(
                self.style.SUCCESS(f"Audit chain intact: {report.checked} entries, head {report.head_hash}")
            )
            return
        brk = report.first_break
        raise CommandError(
            f"Audit chain BROKEN at entry #{brk.seq}: {brk.reason} ({report.checked} entries verified before it)"
        )
