"""`manage.py election_unseal ELECTION_ID`: the supervisors' unsealing as one command
session (issue 12). Each of k supervisors types their share phrase (opened on their own
computer with `supervisor_tool.py open-share`) at a hidden prompt; the phrases stay in this
process's memory only. A progress bar shows the opening of a large ballot box."""

import getpass
import sys

from django.core.management.base import BaseCommand, CommandError

from election_pages.lifecycle.models import Election
from election_pages.secrecy.errors import UnsealError
from election_pages.voting.unsealing import election_unseal


class Command(BaseCommand):
    help = "Unseal a closed election's ballot box with k supervisors' share phrases, typed at hidden prompts."

    def add_arguments(self, parser):
        parser.add_argument("election_id", type=int)

    def handle(self, *args, election_id: int, **options):
        election = Election.objects.filter(pk=election_id).first()
        if election is None:
            raise CommandError(f"No election {election_id}.")
        k = election.supervisor_threshold
        self.stdout.write(f"{election.title}: key fingerprint {election.key_fingerprint}; {k} supervisors needed.")
        phrases = []
        for number in range(1, k + 1):
            phrase = getpass.getpass(f"Share phrase of supervisor {number} of {k} (hidden): ")
            if not phrase.strip():
                raise CommandError("An empty share: nothing was done.")
            phrases.append(phrase)

        def progress(done: int, total: int) -> None:
            width = 40
            filled = width * done // max(total, 1)
            sys.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            sys.stdout.flush()

        try:
            election = election_unseal(election_id=election_id, phrases=phrases, actor=None, progress=progress)
        except UnsealError as error:
            raise CommandError(str(error)) from None
        finally:
            phrases.clear()
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Unsealed: {election.unsealed_ballots} ballots, {election.spoiled_ballots} spoiled. "
                "The tally can now run («شمارش آرا» in the admin)."
            )
        )
