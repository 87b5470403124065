"""`manage.py demo`: build the demo portal through the product's own code. Idempotent."""

from django.core.management.base import BaseCommand

from election_pages.demo import portal_pages_build
from member_workflow.demo import (
    DEMO_ADMINS,
    DEMO_STAFF_NATIONAL_CODE,
    DEMO_STAFF_PASSWORD,
    demo_members_build,
    demo_staff_build,
)


class Command(BaseCommand):
    help = "Build (or complete) the demo content: portal pages in Persian and English, demo logins."

    def handle(self, *args, **options):
        home = portal_pages_build()
        demo_staff_build()
        demo_members_build()
        self.stdout.write(self.style.SUCCESS(f"Demo portal ready: home page «{home.title}»."))
        self.stdout.write(
            f"Editor/superuser: national code {DEMO_STAFF_NATIONAL_CODE}, password {DEMO_STAFF_PASSWORD} (/admin/)"
        )
        for slug, (code, *_rest, password) in DEMO_ADMINS.items():
            self.stdout.write(
                f"Association admin ({slug}): national code {code}, password {password} (/admin/members/)"
            )
        self.stdout.write("Demo members: see README («Members and associations»).")
