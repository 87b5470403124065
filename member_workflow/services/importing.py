"""Import members from a CSV or XLSX file into one association (SPEC M3, A2).

Columns (first row is the header; English or Persian names, any order):

| column          | Persian header      | required |
|-----------------|---------------------|----------|
| national_code   | کد ملی              | yes      |
| first_name      | نام                 | yes      |
| last_name       | نام خانوادگی        | yes      |
| mobile          | تلفن همراه          | yes      |
| email           | پست الکترونیک       | yes      |

Every row is validated first (national code check digit, mobile, email, names,
duplicates within the file and against the database). Invalid rows are reported with
their line number and written not at all; valid rows are written whole (member,
password-lifecycle row, membership) in chunked transactions. New members get a random
password nobody is told: Django's unusable random hash, which matches no password until
the member asks for one through «کلمه عبور خود را فراموش کرده ام» (state
`random_unrevealed`). An existing member with the same national code only gains the
membership, and (issue 13) only as an invitation they accept or decline at their next
login, unless they already belong to one of the actor's associations or the actor is a
superuser or the operator's command: the rule of `member_add_by_admin`.
"""

import csv
import io
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from cms_site.audit.services import audit_record

from ..contact import normalize_email, normalize_mobile
from ..errors import PermissionDenied
from ..models import (
    CONTACT_HIDDEN_STATES,
    Association,
    Member,
    MemberCredential,
    Membership,
    MembershipState,
    PasswordState,
    can_manage_membership,
)
from ..national_code import normalize_national_code, validate_national_code

COLUMNS = {
    "national_code": ("national_code", "کد ملی", "کدملی"),
    "first_name": ("first_name", "نام"),
    "last_name": ("last_name", "نام خانوادگی"),
    "mobile": ("mobile", "تلفن همراه", "موبایل"),
    "email": ("email", "پست الکترونیک", "ایمیل"),
}
CHUNK = 5000
MAX_NAME = 100


class ImportFileError(Exception):
    """The file itself cannot be read (format, header)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class RowError:
    line: int
    messages: list[str]


@dataclass
class ImportReport:
    created: int = 0
    memberships_added: int = 0
    invitations: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return len(self.errors)


@dataclass
class _Row:
    line: int
    national_code: str
    first_name: str
    last_name: str
    mobile: str
    email: str


def _header_map(header: list) -> dict[str, int]:
    positions = {}
    cleaned = [str(cell or "").strip().lstrip("\ufeff").lower() for cell in header]
    for key, names in COLUMNS.items():
        for index, cell in enumerate(cleaned):
            if cell in names:
                positions[key] = index
                break
    missing = [key for key in COLUMNS if key not in positions]
    if missing:
        raise ImportFileError(_("ستون‌های لازم در سطر اول فایل نیستند: %(columns)s") % {"columns": ", ".join(missing)})
    return positions


def rows_from_file(*, name: str, content: bytes) -> Iterator[tuple[int, dict]]:
    """(line number, {column: text}) for each data row of a .csv or .xlsx file."""
    lower = name.lower()
    if lower.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFileError(_("فایل CSV باید با کدگذاری UTF-8 ذخیره شده باشد.")) from None
        reader = csv.reader(io.StringIO(text))
        raw_rows: Iterable = reader
    elif lower.endswith(".xlsx"):
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a broken file
            raise ImportFileError(_("فایل XLSX خوانده نشد؛ آن را دوباره ذخیره کنید.")) from exc
        raw_rows = workbook.worksheets[0].iter_rows(values_only=True)
    else:
        raise ImportFileError(_("فقط فایل‌های CSV و XLSX پذیرفته می‌شوند."))
    iterator = iter(raw_rows)
    try:
        header = next(iterator)
    except StopIteration:
        raise ImportFileError(_("فایل خالی است.")) from None
    positions = _header_map(list(header))
    for line, raw in enumerate(iterator, start=2):
        cells = list(raw or [])
        if not any(str(c or "").strip() for c in cells):
            continue
        yield (
            line,
            {
                key: ("" if index >= len(cells) or cells[index] is None else _cell_text(cells[index]))
                for key, index in positions.items()
            },
        )


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _validate(line: int, data: dict, labels: dict) -> _Row | RowError:
    messages = []
    code = normalize_national_code(data["national_code"])
    # Spreadsheets drop leading zeros of numeric cells.
    if code.isdigit() and 8 <= len(code) < 10:
        code = code.zfill(10)
    try:
        validate_national_code(code)
    except ValidationError as exc:
        messages.append(_("کد ملی: %(error)s") % {"error": exc.messages[0]})
    mobile = data["mobile"]
    if mobile.isdigit() and len(mobile) == 10 and mobile.startswith("9"):
        mobile = "0" + mobile
    try:
        mobile = normalize_mobile(mobile)
    except ValidationError as exc:
        messages.append(_("تلفن همراه: %(error)s") % {"error": exc.messages[0]})
    try:
        email = normalize_email(data["email"])
    except ValidationError as exc:
        email = ""
        messages.append(_("پست الکترونیک: %(error)s") % {"error": exc.messages[0]})
    names = {}
    for key, label in labels.items():
        value = data[key]
        if not value:
            messages.append(_("%(field)s خالی است.") % {"field": label})
        elif len(value) > MAX_NAME:
            messages.append(_("%(field)s بیش از ۱۰۰ نویسه است.") % {"field": label})
        names[key] = value
    if messages:
        return RowError(line=line, messages=messages)
    return _Row(line=line, national_code=code, mobile=mobile, email=email, **names)


def members_import(
    *,
    association: Association,
    rows: Iterable[tuple[int, dict]],
    actor: Member | None,
    is_approved: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Validate every row, then write the valid ones. `actor` must manage the association
    (None only for the operator's management command)."""
    if actor is not None and not can_manage_membership(Membership(association=association), actor):
        raise PermissionDenied()
    report = ImportReport()
    valid: list[_Row] = []
    seen_codes: dict[str, int] = {}
    seen_mobiles: dict[str, int] = {}
    labels = {"first_name": _("نام"), "last_name": _("نام خانوادگی")}
    for line, data in rows:
        result = _validate(line, data, labels)
        if isinstance(result, RowError):
            report.errors.append(result)
            continue
        duplicate = []
        if result.national_code in seen_codes:
            duplicate.append(_("کد ملی در سطر %(line)d هم آمده است.") % {"line": seen_codes[result.national_code]})
        if result.mobile in seen_mobiles:
            duplicate.append(_("تلفن همراه در سطر %(line)d هم آمده است.") % {"line": seen_mobiles[result.mobile]})
        if duplicate:
            report.errors.append(RowError(line=line, messages=duplicate))
            continue
        seen_codes[result.national_code] = line
        seen_mobiles[result.mobile] = line
        valid.append(result)

    state = MembershipState.APPROVED if is_approved else MembershipState.PENDING
    total = len(valid)
    done = 0
    for start in range(0, total, CHUNK):
        chunk = valid[start : start + CHUNK]
        _write_chunk(association=association, chunk=chunk, state=state, report=report, actor=actor)
        done += len(chunk)
        if progress:
            progress(done, total)
    report.errors.sort(key=lambda error: error.line)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="members.import",
            target=association,
            payload={
                "association": association.slug,
                "created": report.created,
                "memberships_added": report.memberships_added,
                "invitations": report.invitations,
                "row_errors": report.error_count,
                "state": state,
            },
        )
    return report


def _insert(model, field_names: list[str], rows: list[tuple]) -> None:
    """Insert plain rows into `model`'s table: PostgreSQL's COPY when available (an order
    of magnitude faster than INSERTs for 100,000 rows), bulk_create elsewhere. Rows are
    already validated and complete; no model logic runs on them."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in field_names]
    if connection.vendor == "postgresql":
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    attnames = [f.attname for f in fields]
    model.objects.bulk_create([model(**dict(zip(attnames, row, strict=True))) for row in rows], batch_size=1000)


def _write_chunk(*, association, chunk: list[_Row], state, report: ImportReport, actor) -> None:
    codes = [row.national_code for row in chunk]
    mobiles = [row.mobile for row in chunk]
    with transaction.atomic():
        existing = dict(Member.objects.filter(username__in=codes).values_list("username", "pk"))
        mobile_owner = dict(Member.objects.filter(mobile__in=mobiles).values_list("mobile", "username"))
        already = set(
            Membership.objects.filter(association=association, member_id__in=existing.values()).values_list(
                "member_id", flat=True
            )
        )
        visible = _contact_visible(member_ids=list(existing.values()), actor=actor)
        new_members, membership_member_ids, invited_member_ids = [], [], []
        for row in chunk:
            owner = mobile_owner.get(row.mobile)
            if row.national_code in existing:
                member_id = existing[row.national_code]
                if member_id in already:
                    report.errors.append(
                        RowError(line=row.line, messages=[_("این عضو از پیش در این انجمن عضویت دارد.")])
                    )
                    continue
                if owner is not None and owner != row.national_code:
                    report.errors.append(
                        RowError(line=row.line, messages=[_("این شماره تلفن همراه برای عضو دیگری ثبت شده است.")])
                    )
                    continue
                (membership_member_ids if member_id in visible else invited_member_ids).append(member_id)
                continue
            if owner is not None:
                report.errors.append(
                    RowError(line=row.line, messages=[_("این شماره تلفن همراه برای عضو دیگری ثبت شده است.")])
                )
                continue
            new_members.append(row)
        now = timezone.now()
        _insert(
            Member,
            ["username", "first_name", "last_name", "mobile", "email", "password", "date_joined"]
            + ["is_superuser", "is_staff", "is_active"],
            [
                # The password is what make_password(None) stores, without its slow
                # per-character loop: a random value no password matches (M3).
                (r.national_code, r.first_name, r.last_name, r.mobile, r.email)
                + (UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30), now, False, False, True)
                for r in new_members
            ],
        )
        created_ids = list(
            Member.objects.filter(username__in=[r.national_code for r in new_members]).values_list("pk", flat=True)
        )
        _insert(
            MemberCredential,
            ["member", "state", "state_changed_at", "reset_code_digest", "reset_code_failures"],
            [(pk, PasswordState.RANDOM_UNREVEALED, now, "", 0) for pk in created_ids],
        )
        actor_id = actor.pk if actor is not None else None
        _insert(
            Membership,
            ["member", "association", "state", "created_at", "state_changed_at", "state_changed_by"],
            [(pk, association.pk, state, now, now, actor_id) for pk in created_ids + membership_member_ids]
            + [(pk, association.pk, MembershipState.INVITED, now, now, actor_id) for pk in invited_member_ids],
        )
        report.created += len(created_ids)
        report.memberships_added += len(created_ids) + len(membership_member_ids)
        report.invitations += len(invited_member_ids)


def _contact_visible(*, member_ids: list[int], actor) -> set[int]:
    """Which of these existing members the actor already sees (issue 13): all of them for
    the operator's command and superusers, else those with a membership in one of the
    actor's associations that is not an unanswered or declined invitation."""
    if actor is None or actor.is_superuser:
        return set(member_ids)
    return set(
        Membership.objects.filter(member_id__in=member_ids, association__admins=actor)
        .exclude(state__in=CONTACT_HIDDEN_STATES)
        .values_list("member_id", flat=True)
    )
