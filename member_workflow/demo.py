"""Demo accounts. Later work adds associations, admins and members here."""

from django.contrib.auth import get_user_model

# A valid national code (check digit 9) reserved for the demo's staff account.
DEMO_STAFF_NATIONAL_CODE = "0012345679"
DEMO_STAFF_PASSWORD = "DemoAdmin2026"  # noqa: S105 - demo login, printed by make run


def demo_staff_build():
    """The portal editor/superuser of the demo, created once."""
    Member = get_user_model()
    staff = Member.objects.filter(username=DEMO_STAFF_NATIONAL_CODE).first()
    if staff is None:
        staff = Member.objects.create_superuser(
            username=DEMO_STAFF_NATIONAL_CODE,
            email="editor@example.org",
            password=DEMO_STAFF_PASSWORD,
            first_name="ویراستار",
            last_name="سامانه",
        )
    return staff
