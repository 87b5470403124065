"""SPEC A2/A4/M3 in the Wagtail admin: association admins act on their own association's
members only — a permission matrix over every URL — plus buttons, bulk actions, adding
by hand, support lookup and import."""

import io

import pytest
from django.core import mail
from openpyxl import Workbook

from member_workflow.models import Member, MemberCredential, Membership, MembershipState, PasswordState
from member_workflow.services.admins import association_admin_grant
from otp_delivery.gateways import sms
from tests.factories import AssociationFactory, MemberFactory, MembershipFactory, StaffFactory, national_code_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_associations():
    a, b = AssociationFactory(slug="assoc-a"), AssociationFactory(slug="assoc-b")
    admin_a, admin_b = MemberFactory(), MemberFactory()
    association_admin_grant(association=a, member=admin_a, actor=None)
    association_admin_grant(association=b, member=admin_b, actor=None)
    mine = MembershipFactory(association=a, member=MemberFactory(first_name="عضوِ", last_name="الف"))
    theirs = MembershipFactory(association=b, member=MemberFactory(first_name="عضوِ", last_name="ب"))
    return {"a": a, "b": b, "admin_a": admin_a, "admin_b": admin_b, "mine": mine, "theirs": theirs}


def test_a2_admin_sees_only_own_associations_members(client, two_associations):
    t = two_associations
    client.force_login(t["admin_a"])
    html = client.get("/admin/members/").content.decode()
    assert t["mine"].member.username in html
    assert t["theirs"].member.username not in html
    for query in (f"?q={t['theirs'].member.username}", "?association=assoc-b", "?state=pending&association=assoc-b"):
        html = client.get("/admin/members/" + query).content.decode()
        assert f'data-membership="{t["theirs"].pk}"' not in html and f"/admin/members/{t['theirs'].pk}/" not in html


def test_a2_menu_item_only_for_association_admins(client, two_associations):
    client.force_login(two_associations["admin_a"])
    assert "/admin/members/" in client.get("/admin/").content.decode()


MATRIX = [
    ("get", "/admin/members/{theirs}/", None),
    ("post", "/admin/members/{theirs}/approve/", None),
    ("post", "/admin/members/{theirs}/reject/", None),
    ("post", "/admin/members/{theirs}/send-password/", None),
]


@pytest.mark.parametrize(("method", "url", "_"), MATRIX)
def test_a2_matrix_admin_of_a_cannot_open_or_move_b_members_by_id(client, two_associations, method, url, _):
    t = two_associations
    client.force_login(t["admin_a"])
    response = getattr(client, method)(url.format(theirs=t["theirs"].pk))
    assert response.status_code == 404
    t["theirs"].refresh_from_db()
    assert t["theirs"].state == MembershipState.PENDING
    assert sms.outbox == [] and mail.outbox == []


def test_a2_matrix_bulk_and_export_ignore_foreign_ids(client, two_associations):
    t = two_associations
    client.force_login(t["admin_a"])
    client.post("/admin/members/bulk/", {"action": "approve", "ids": [t["mine"].pk, t["theirs"].pk]})
    t["mine"].refresh_from_db()
    t["theirs"].refresh_from_db()
    assert t["mine"].state == MembershipState.APPROVED
    assert t["theirs"].state == MembershipState.PENDING
    export = client.get("/admin/members/export/?association=assoc-b").content.decode()
    assert t["theirs"].member.username not in export
    export = client.get("/admin/members/export/").content.decode()
    assert t["mine"].member.username in export and t["theirs"].member.username not in export
    assert "password" not in export.lower()


def test_a2_matrix_add_and_import_refuse_a_foreign_association(client, two_associations):
    t = two_associations
    client.force_login(t["admin_a"])
    response = client.post(
        "/admin/members/add/",
        {
            "association": t["b"].pk,
            "national_code": "0499370899",
            "first_name": "x",
            "last_name": "y",
            "mobile": "09130000009",
            "email": "x@example.org",
        },
    )
    assert response.status_code == 200 and not Member.objects.filter(username="0499370899").exists()
    upload = io.BytesIO(b"national_code,first_name,last_name,mobile,email\n0499370899,x,y,09130000009,x@example.org\n")
    upload.name = "m.csv"
    client.post("/admin/members/import/", {"association": t["b"].pk, "file": upload})
    assert not Member.objects.filter(username="0499370899").exists()


@pytest.mark.parametrize(
    "url", ["/admin/members/", "/admin/members/export/", "/admin/members/add/", "/admin/members/import/"]
)
def test_a2_matrix_plain_members_and_admins_without_association_are_kept_out(client, two_associations, url):
    client.force_login(MemberFactory())
    response = client.get(url)
    assert response.status_code in (302, 403)
    assert two_associations["mine"].member.username not in response.content.decode()


def test_a2_superuser_sees_everything(client, two_associations):
    client.force_login(StaffFactory())
    html = client.get("/admin/members/").content.decode()
    assert two_associations["mine"].member.username in html and two_associations["theirs"].member.username in html


def test_a2_buttons_approve_reject_suspend(client, two_associations):
    t = two_associations
    client.force_login(t["admin_a"])
    html = client.get("/admin/members/").content.decode()
    assert f"/admin/members/{t['mine'].pk}/approve/" in html and f"/admin/members/{t['mine'].pk}/reject/" in html
    client.post(f"/admin/members/{t['mine'].pk}/approve/")
    client.post(f"/admin/members/{t['mine'].pk}/suspend/")
    t["mine"].refresh_from_db()
    assert t["mine"].state == MembershipState.SUSPENDED
    response = client.post(f"/admin/members/{t['mine'].pk}/approve/", follow=True)
    assert "این تغییر وضعیت از وضعیت فعلی ممکن نیست." in response.content.decode()


def test_a2_m3_add_member_by_hand_gets_random_unrevealed_password(client, two_associations):
    t = two_associations
    client.force_login(t["admin_a"])
    response = client.post(
        "/admin/members/add/",
        {
            "association": t["a"].pk,
            "national_code": "۰۴۹۹۳۷۰۸۹۹",
            "first_name": "علی",
            "last_name": "رضایی",
            "mobile": "09130000009",
            "email": "Ali@Example.org",
            "is_approved": "on",
        },
    )
    assert response.status_code == 302
    member = Member.objects.get(username="0499370899")
    assert not member.has_usable_password()
    assert MemberCredential.objects.get(member=member).state == PasswordState.RANDOM_UNREVEALED
    assert Membership.objects.get(member=member, association=t["a"]).state == MembershipState.APPROVED


def test_a4_support_lookup_shows_states_and_deliveries_never_secrets(
    client, two_associations, django_capture_on_commit_callbacks, celery_eager
):
    t = two_associations
    client.force_login(t["admin_a"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/members/{t['mine'].pk}/send-password/")
    password = sms.outbox[0].text.split(": ")[1].split("\n")[0]
    html = client.get(f"/admin/members/{t['mine'].pk}/").content.decode()
    assert "کلمه عبور تصادفی جدید ارسال شده است" in html
    assert "پیامک" in html and "ارسال شد" in html
    assert password not in html and t["mine"].member.password not in html


def _xlsx(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "members.xlsx"
    return buffer


def test_m3_import_xlsx_reports_row_errors_and_writes_only_valid_rows(client, two_associations):
    t = two_associations
    MemberFactory(mobile="09130000100")
    existing = MemberFactory(mobile="09130000200")
    client.force_login(t["admin_a"])
    good1, good2, bad_code = national_code_from(9001), national_code_from(9002), "0012345678"
    upload = _xlsx(
        [
            ["کد ملی", "نام", "نام خانوادگی", "تلفن همراه", "پست الکترونیک"],
            [good1, "الف", "ب", "09130000001", "a@example.org"],
            [bad_code, "الف", "ب", "09130000002", "b@example.org"],
            [good2, "الف", "ب", "09130000001", "c@example.org"],  # mobile repeats line 2
            [national_code_from(9003), "الف", "ب", "02188776655", "d@example.org"],
            [national_code_from(9004), "", "ب", "09130000004", "not-an-email"],
            [national_code_from(9005), "الف", "ب", "09130000100", "e@example.org"],  # mobile in DB
            # An existing member of no association of this admin: only an invitation (issue 13).
            [existing.username, "الف", "ب", existing.mobile, existing.email],
        ]
    )
    html = client.post(
        "/admin/members/import/", {"association": t["a"].pk, "file": upload, "is_approved": "on"}
    ).content.decode()
    import re

    report = re.search(r'import-report">(.*?)</section>', html, re.S).group(1)
    assert "1 عضو جدید ثبت شد، 1 عضویت افزوده شد، 5 سطر خطا داشت." in report, report
    assert "1 نفر از پیش در سامانه حساب داشتند و برایشان دعوت عضویت فرستاده شد" in report, report
    assert "کد ملی وارد شده معتبر نیست." in html and "تلفن همراه در سطر 2 هم آمده است." in html
    member = Member.objects.get(username=good1)
    assert not member.has_usable_password()
    assert MemberCredential.objects.get(member=member).state == PasswordState.RANDOM_UNREVEALED
    assert not Member.objects.filter(username__in=[good2, bad_code, national_code_from(9005)]).exists()
    assert Membership.objects.filter(member=existing, association=t["a"], state=MembershipState.INVITED).exists()
    assert existing.mobile not in html and existing.email not in html


def test_m3_import_refuses_unknown_formats_and_missing_columns(client, two_associations):
    t = two_associations
    client.force_login(t["admin_a"])
    upload = io.BytesIO(b"just,some,columns\n1,2,3\n")
    upload.name = "m.csv"
    html = client.post("/admin/members/import/", {"association": t["a"].pk, "file": upload}).content.decode()
    assert "ستون‌های لازم در سطر اول فایل نیستند" in html
    upload = io.BytesIO(b"\x00\x01")
    upload.name = "m.pdf"
    html = client.post("/admin/members/import/", {"association": t["a"].pk, "file": upload}).content.decode()
    assert "فقط فایل‌های CSV و XLSX پذیرفته می‌شوند." in html
    upload = io.BytesIO(b"garbage")
    upload.name = "m.xlsx"
    html = client.post("/admin/members/import/", {"association": t["a"].pk, "file": upload}).content.decode()
    assert "فایل XLSX خوانده نشد" in html


def test_m3_import_members_command_with_progress(tmp_path, capsys):
    from django.core.management import call_command

    association = AssociationFactory(slug="cmd-assoc")
    path = tmp_path / "members.csv"
    lines = ["national_code,first_name,last_name,mobile,email"] + [
        f"{national_code_from(7000 + i)},n{i},f{i},0913{7000000 + i},m{i}@example.org" for i in range(30)
    ]
    path.write_text("\n".join(lines + ["bad,,,,"]) + "\n", encoding="utf-8")
    call_command("import_members", str(path), "--association", "cmd-assoc")
    out = capsys.readouterr()
    assert "created 30 members" in out.out and "1 rows with errors" in out.out and "line 32" in out.out
    assert "30/30" in out.err
    assert Membership.objects.filter(association=association, state=MembershipState.APPROVED).count() == 30


def test_a2_listing_queries_do_not_grow_with_the_number_of_rows(
    client, two_associations, django_assert_max_num_queries
):
    t = two_associations
    client.force_login(t["admin_a"])
    client.get("/admin/members/")
    for _ in range(30):
        MembershipFactory(association=t["a"])
    with django_assert_max_num_queries(25):
        response = client.get("/admin/members/")
    assert response.content.decode().count("data-membership=") == 31
