"""`manage.py recount FILE`: recount an exported anonymous-ballot file and compare it with
the election's tally in this portal's database. Prints a clear verdict; exit 1 on mismatch."""

import json

from django.core.management.base import BaseCommand, CommandError

from election_pages.results.services import (
    TallyMismatchError,
    TallyNotUnsealedError,
    election_tally_compute,
    recount_from_export,
    tally_totals,
)


class Command(BaseCommand):
    help = "Recount an exported ballots file (JSON) and compare every total with the stored tally."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            with open(file, encoding="utf-8") as handle:
                data = json.load(handle)
            recounted = recount_from_export(data)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CommandError(f"Cannot read the ballots file: {exc}") from exc
        try:
            official = tally_totals(election_tally_compute(election_id=int(data["election"])))
        except (TallyMismatchError, TallyNotUnsealedError) as exc:
            raise CommandError(f"The portal's own count is inconsistent: {exc}") from exc
        differences = [
            f"position {pid} candidate {cid}: file {recounted.get(pid, {}).get(cid, 0)}, official {votes}"
            for pid, candidates in official.items()
            for cid, votes in candidates.items()
            if recounted.get(pid, {}).get(cid, 0) != votes
        ]
        extra = [
            f"position {pid} candidate {cid} is not in the official result"
            for pid, cands in recounted.items()
            for cid in cands
            if cid not in official.get(pid, {})
        ]
        self.stdout.write(f"Ballots in file: {len(data['ballots'])}")
        for pid, candidates in recounted.items():
            self.stdout.write(f"  position {pid}: " + ", ".join(f"{cid}={votes}" for cid, votes in candidates.items()))
        if differences or extra:
            for line in differences + extra:
                self.stderr.write(f"  MISMATCH {line}")
            raise CommandError("VERDICT: the file does NOT match the official result.")
        self.stdout.write(self.style.SUCCESS("VERDICT: every total matches the official result."))
