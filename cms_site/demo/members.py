"""Demo accounts. Later work adds associations, admins and members here."""

from django.contrib.auth import get_user_model

from member_workflow.models import Association, Member
from member_workflow.services import memberships, passwords, registration
from member_workflow.services.admins import association_admin_grant
from member_workflow.services.associations import association_notification_channels_set

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


# --- Associations, their admins and members in every membership and password state.
# National codes are valid (check digit); every demo login is listed in README.
DEMO_ASSOCIATIONS = [
    ("medical-informatics", "انجمن علمی انفورماتیک پزشکی ایران"),
    ("pediatrics", "انجمن علمی پزشکان کودکان ایران"),
]
# How each demo association sends its election notices (issue 6), set when it is created.
DEMO_NOTIFICATION_CHANNELS = {"medical-informatics": "both", "pediatrics": "email"}
DEMO_MEMBER_PASSWORD = "Member2026Demo"  # noqa: S105 - demo login, listed in README
DEMO_ADMINS = {
    # slug: (national code, first name, last name, mobile, email, password)
    "medical-informatics": ("0499370899", "نسرین", "مرادی", "09120000101", "admin.mi@example.org", "AdminInfo2026"),
    "pediatrics": ("2271185327", "حمید", "کاظمی", "09120000102", "admin.peds@example.org", "AdminPeds2026"),
}
# (national code, first, last, mobile, email, how) — `how` names the state it ends in.
DEMO_MEMBERS = [
    ("1234567891", "مریم", "احمدی", "09120000201", "maryam@example.org", "approved"),
    ("0079876544", "علی", "رضایی", "09120000202", "ali@example.org", "pending"),
    ("3761148917", "زهرا", "حسینی", "09120000203", "zahra@example.org", "rejected"),
    ("0010350829", "رضا", "محمدی", "09120000204", "reza@example.org", "suspended"),
    ("0013542419", "سارا", "کریمی", "09120000205", "sara@example.org", "left"),
    ("0016070070", "محمد", "جعفری", "09120000206", "mohammad@example.org", "random_unrevealed"),
    ("0016721373", "فاطمه", "نوری", "09120000207", "fatemeh@example.org", "random_sent"),
    ("0017485721", "حسین", "صادقی", "09120000208", "hossein@example.org", "sms_reset_pending"),
    ("0018262368", "لیلا", "یوسفی", "09120000209", "leila@example.org", "reset_to_national_code"),
    # Issue 13: registered in pediatrics, then added by informatics' admin: only an invitation.
    ("0019837453", "نرگس", "امینی", "09120000210", "narges@example.org", "invited"),
    ("0024761931", "امیر", "طاهری", "09120000211", "amir@example.org", "declined"),
]


def demo_members_build() -> dict:
    """The two agreed associations, an admin for each and members in every membership and
    password state, built through the product's services. Idempotent: a national code
    that exists is left alone."""

    associations, created = {}, set()
    for slug, name in DEMO_ASSOCIATIONS:
        associations[slug], is_new = Association.objects.get_or_create(slug=slug, defaults={"name": name})
        if is_new:
            created.add(slug)
    admins = {}
    for slug, (code, first, last, mobile, email, password) in DEMO_ADMINS.items():
        admin = Member.objects.filter(username=code).first()
        if admin is None:
            admin = registration.member_register(
                national_code=code,
                first_name=first,
                last_name=last,
                mobile=mobile,
                email=email,
                password=password,
                associations=[],
            )
        association_admin_grant(association=associations[slug], member=admin, actor=None)
        admins[slug] = admin
        if slug in created:  # the admin's choice, made once; a later change in the admin stays
            association_notification_channels_set(
                association_id=associations[slug].pk, channels=DEMO_NOTIFICATION_CHANNELS[slug], actor=admin
            )

    informatics, pediatrics = associations["medical-informatics"], associations["pediatrics"]
    admin = admins["medical-informatics"]
    for code, first, last, mobile, email, how in DEMO_MEMBERS:
        if Member.objects.filter(username=code).exists():
            continue
        if how in ("random_unrevealed", "random_sent"):
            membership = registration.member_add_by_admin(
                actor=admin,
                association=informatics,
                national_code=code,
                first_name=first,
                last_name=last,
                mobile=mobile,
                email=email,
            )
            if how == "random_sent":
                # Writes the new password to the dev outbox (var/outbox), never to the screen.
                passwords.password_random_send(member_id=membership.member_id)
            continue
        if how in ("invited", "declined"):
            _demo_invitation(code=code, names=(first, last), contact=(mobile, email), how=how, admin=admin)
            continue
        member = registration.member_register(
            national_code=code,
            first_name=first,
            last_name=last,
            mobile=mobile,
            email=email,
            password=DEMO_MEMBER_PASSWORD,
            associations=[informatics, pediatrics] if how == "approved" else [informatics],
        )
        membership = member.memberships.get(association=informatics)
        if how in ("approved", "suspended", "left", "sms_reset_pending", "reset_to_national_code"):
            memberships.membership_approve(membership_id=membership.pk, actor=admin)
        if how == "rejected":
            memberships.membership_reject(membership_id=membership.pk, actor=admin)
        if how == "suspended":
            memberships.membership_suspend(membership_id=membership.pk, actor=admin)
        if how == "left":
            memberships.membership_leave(membership_id=membership.pk, actor=admin)
        if how in ("sms_reset_pending", "reset_to_national_code"):
            code_shown = passwords.password_sms_reset_request(national_code=code)
            if how == "reset_to_national_code":
                passwords.password_sms_reset_confirm(sender_mobile=mobile, code=code_shown)
    return associations


def _demo_invitation(*, code, names, contact, how, admin) -> None:
    """A member of pediatrics whom informatics' admin adds by national code: the add is only
    an invitation (issue 13), answered at the member's next login; `declined` declines it."""
    pediatrics = Association.objects.get(slug="pediatrics")
    informatics = Association.objects.get(slug="medical-informatics")
    member = registration.member_register(
        national_code=code,
        first_name=names[0],
        last_name=names[1],
        mobile=contact[0],
        email=contact[1],
        password=DEMO_MEMBER_PASSWORD,
        associations=[pediatrics],
    )
    invitation = registration.member_add_by_admin(
        actor=admin,
        association=informatics,
        national_code=code,
        first_name=names[0],
        last_name=names[1],
        mobile=contact[0],
        email=contact[1],
    )
    if how == "declined":
        memberships.membership_transition(membership_id=invitation.pk, transition="decline", actor=member)
