"""`manage.py demo`: build the demo portal through the product's own code. Idempotent."""

from django.core.management.base import BaseCommand

from cms_site.demo.content import DEMO_VOTER_PASSWORD
from cms_site.demo.elections import (
    demo_elections_build,
    demo_supervisor_national_codes,
    demo_voter_national_codes,
    portal_pages_build,
)
from cms_site.demo.members import (
    DEMO_ADMINS,
    DEMO_STAFF_NATIONAL_CODE,
    DEMO_STAFF_PASSWORD,
    demo_members_build,
    demo_staff_build,
)
from cms_site.demo.supervisors import demo_supervisor_key_dir
from cms_site.demo.voting import demo_voting_prepare


class Command(BaseCommand):
    help = "Build (or complete) the demo content: portal pages, members, elections, demo logins."

    def handle(self, *args, **options):
        home = portal_pages_build()
        staff = demo_staff_build()
        demo_members_build()
        elections = demo_elections_build(staff=staff)
        demo_voting_prepare(national_codes=demo_voter_national_codes())
        self.stdout.write(self.style.SUCCESS(f"Demo portal ready: home page «{home.title}»."))
        self.stdout.write(
            f"Editor/superuser: national code {DEMO_STAFF_NATIONAL_CODE}, password {DEMO_STAFF_PASSWORD} (/admin/)"
        )
        for slug, (code, *_rest, password) in DEMO_ADMINS.items():
            self.stdout.write(
                f"Association admin ({slug}): national code {code}, password {password} (/admin/members/)"
            )
        states = ", ".join(f"{key}: {election.get_state_display()}" for key, election in elections.items())
        self.stdout.write(f"Demo elections — {states}.")
        self.stdout.write(
            f"Demo voters (approved members): national codes {', '.join(demo_voter_national_codes())}, "
            f"password {DEMO_VOTER_PASSWORD}"
        )
        if "open" in elections:
            self.stdout.write(
                f"Vote in the open election: /voting/{elections['open'].pk}/ — the confirmation codes "
                "arrive in /dev/outbox/ (var/outbox/sms.jsonl and var/outbox/mail/)."
            )
        if "open" in elections:
            supervisors = ", ".join(demo_supervisor_national_codes())
            self.stdout.write(
                f"Supervisors (هیئت نظارت, 2 of 3): national codes {supervisors}, password {DEMO_VOTER_PASSWORD}; "
                f"DEV-ONLY private keys in {demo_supervisor_key_dir()}/. To count the open election: close it early "
                f"in the admin, run `manage.py demo_supervisor_shares {elections['open'].pk}`, paste two phrases into "
                "«هیئت نظارت، کلید و گشودن آرا» → «گشودن آرا», then «شمارش آرا» and «اعلام نتایج» (README)."
            )
        if "past" in elections:
            self.stdout.write(
                f"Published results of the past election (voted through the services): /results/{elections['past'].pk}/"
            )
        self.stdout.write("More demo members: see README («Members and associations»).")
