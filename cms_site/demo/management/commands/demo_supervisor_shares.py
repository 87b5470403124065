"""`manage.py demo_supervisor_shares ELECTION_ID`: DEV ONLY. Print two demo supervisors'
share phrases for a demo election, opened with their key files under var/demo/supervisors/
— what each supervisor would do on their own computer with
`python election_pages/secrecy/supervisor_tool.py open-share --key FILE`. Paste the phrases
into the election's «گشودن آرا» form in the admin. A real portal has no such files."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cms_site.demo.supervisors import demo_shares_open


class Command(BaseCommand):
    help = "DEV ONLY: print two demo supervisors' share phrases for a demo election."

    def add_arguments(self, parser):
        parser.add_argument("election_id", type=int)

    def handle(self, *args, election_id: int, **options):
        if not settings.DEBUG:
            raise CommandError("Demo supervisors exist only in a development portal (DEBUG on).")
        shares = demo_shares_open(election_id=election_id)
        if not shares:
            raise CommandError("No demo supervisor shares for this election (is it a demo election with a key?).")
        for username, phrase in shares:
            self.stdout.write(f"Supervisor {username}:\n{phrase}\n")
