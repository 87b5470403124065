"""SPEC R1, P6: the official minutes («صورتجلسه») as a Persian PDF and the results as CSV,
downloadable by those who manage the election once tallied and by everyone once published."""

import csv
import io
from unittest import mock

import pytest
from pypdf import PdfReader

from cms_site.common.digits import persian_digits
from cms_site.common.jalali import format_date, format_time
from election_pages.lifecycle.services import election_transition
from election_pages.results.services import election_tally
from tests.factories import AssociationFactory, MemberFactory, StaffFactory, association_admin
from tests.integration.test_tally import _vote
from tests.secrecy_helpers import unseal
from tests.voting_helpers import open_election_with_ballot

pytestmark = pytest.mark.django_db

NAMES = {"a": ("زهرا", "رضایی"), "b": ("محمد", "کریمی"), "c": ("سارا", "موسوی"), "d": ("رضا", "حسینی")}


@pytest.fixture
def tallied():
    """Hand-counted, with a tie and blanks: board (3 seats) a=4, b=3, c=2, d=2 → a, b elected,
    c and d tie for the third seat, one blank; inspector x=3, y=1, one blank → x elected."""
    association = AssociationFactory(name="انجمن علمی انفورماتیک پزشکی ایران")
    election, board, inspector, (a, b, c, d), (x, y) = open_election_with_ballot(
        association, title="انتخابات هیات مدیره و بازرس"
    )
    for candidate, key in zip((a, b, c, d), "abcd", strict=True):
        candidate.first_name, candidate.last_name = NAMES[key]
        candidate.save()
    for picks in (
        {board.pk: [a.pk, b.pk, c.pk], inspector.pk: [x.pk]},
        {board.pk: [a.pk, b.pk, d.pk], inspector.pk: [x.pk]},
        {board.pk: [a.pk, c.pk], inspector.pk: [y.pk]},
        {board.pk: [a.pk, b.pk, d.pk], inspector.pk: []},
        {board.pk: [], inspector.pk: [x.pk]},
    ):
        _vote(election, {str(k): [str(v) for v in vs] for k, vs in picks.items()})
    staff = StaffFactory()
    election_transition(election_id=election.pk, transition="force_close", actor=staff, reason="آزمون")
    unseal(election)
    election_tally(election_id=election.pk, actor=staff)
    election.refresh_from_db()
    return election, staff, (a, b, c, d)


def _publish(election, staff):
    election_transition(election_id=election.pk, transition="publish_results", actor=staff)


def _pdf_text(content: bytes) -> tuple[str, str]:
    """The PDF's text twice: in reading order (Persian words) and as laid out on the page.
    pypdf's reading order reverses runs of Persian digits inside right-to-left lines, so
    numbers are checked in the layout text, where they stand as drawn (left to right)."""
    pages = PdfReader(io.BytesIO(content)).pages
    return (
        "\n".join(page.extract_text() for page in pages),
        "\n".join(page.extract_text(extraction_mode="layout") for page in pages),
    )


def _flat(text: str) -> str:
    """Line breaks and zero-width non-joiners do not survive extraction the same way."""
    return " ".join(text.replace("\u200c", "").split())


def test_r1_p6_minutes_pdf_states_the_result_in_persian(client, tallied):
    election, staff, (a, b, c, d) = tallied
    client.force_login(staff)
    response = client.get(f"/results/{election.pk}/minutes.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "minutes.pdf" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]  # staff preview before publication
    words, layout = _pdf_text(response.content)
    for expected in (
        "صورتجلسه شمارش آرا",
        "انجمن علمی انفورماتیک پزشکی ایران",
        "انتخابات هیات مدیره و بازرس",
        "هیات مدیره",
        "بازرس",
        "زهرا رضایی",
        "محمد کریمی",
        "سارا موسوی",
        "رضا حسینی",
        "منتخب",
        "تساوی در مرز کرسی",
        "قرعه‌کشی با بذر ثبت شده یا تصمیم هیات برگزاری",
        "برگه‌های بدون انتخاب برای این سمت",
        "امضای اعضای هیات برگزاری انتخابات",
        "پیش‌نویس: نتایج هنوز اعلام نشده‌اند.",
    ):
        assert _flat(expected) in _flat(words), expected
    result = election.result
    for number in (
        format_date(election.voting_starts_at),
        format_time(election.voting_ends_at),
        format_date(result.tallied_at),
        persian_digits(c.election_code),
        persian_digits(d.election_code),
        "۱۰۰.۰٪",  # turnout: five ballots of five approved members
    ):
        assert number in layout, number
    assert result.audit_head_hash in layout.replace(" ", "").replace("\n", "")
    # Candidates in ranking order (a=4, b=3, c=2, d=2), each row with its votes and outcome.
    assert words.index("رضایی") < words.index("کریمی") < words.index("موسوی") < words.index("حسینی")
    for name, votes, outcome in (
        ("زهرا رضایی", "۴", "منتخب"),
        ("محمد کریمی", "۳", "منتخب"),
        ("سارا موسوی", "۲", "تساوی در مرز کرسی"),
        ("رضا حسینی", "۲", "تساوی در مرز کرسی"),
    ):
        row = next(line for line in layout.splitlines() if name[::-1] in line)  # drawn right to left
        assert f" {votes} " in row and outcome[::-1] in row, row


def test_p6_minutes_follow_the_language_and_are_rendered_once(client, tallied):
    import weasyprint

    election, staff, _ = tallied
    _publish(election, staff)
    with mock.patch.object(
        weasyprint.HTML, "write_pdf", autospec=True, side_effect=weasyprint.HTML.write_pdf
    ) as render:
        first = client.get(f"/results/{election.pk}/minutes.pdf")
        second = client.get(f"/results/{election.pk}/minutes.pdf")
        english = client.get(f"/en/results/{election.pk}/minutes.pdf")
    assert first.content == second.content and render.call_count == 2  # Persian once, English once
    words, _layout = _pdf_text(english.content)
    assert "Minutes of the vote count" in words and "Elected" in words
    assert "پیش‌نویس" not in _pdf_text(first.content)[0]  # published: no draft banner


def test_p6_results_csv_one_row_per_candidate_with_bom(client, tallied):
    election, staff, (a, b, c, d) = tallied
    _publish(election, staff)
    response = client.get(f"/results/{election.pk}/results.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["سمت", "نامزد", "کد انتخاباتی", "آرا", "منتخب", "تساوی در مرز کرسی"]
    board = [row for row in rows[1:] if row[0] == "هیات مدیره"]
    assert board == [
        ["هیات مدیره", "زهرا رضایی", a.election_code, "4", "بله", "خیر"],
        ["هیات مدیره", "محمد کریمی", b.election_code, "3", "بله", "خیر"],
        ["هیات مدیره", "سارا موسوی", c.election_code, "2", "خیر", "بله"],
        ["هیات مدیره", "رضا حسینی", d.election_code, "2", "خیر", "بله"],
    ]
    assert len(rows) == 1 + 4 + 2
    assert [row[3:5] for row in rows if row[0] == "بازرس"] == [["3", "بله"], ["1", "خیر"]]
    english = client.get(f"/en/results/{election.pk}/results.csv").content.decode("utf-8")
    assert english.lstrip("\ufeff").startswith(
        "Position,Candidate,Election code,Votes,Elected,Tie at the seat boundary"
    )


@pytest.mark.parametrize("path", ["minutes.pdf", "results.csv"])
def test_r1_exports_follow_the_results_visibility_rule(client, tallied, path):
    election, staff, _ = tallied
    url = f"/results/{election.pk}/{path}"
    assert client.get(url).status_code == 404  # anonymous, before publication
    client.force_login(MemberFactory())
    assert client.get(url).status_code == 404
    # An admin of another association (even with Wagtail access as staff) cannot manage this election.
    client.force_login(association_admin(AssociationFactory(), is_staff=True))
    assert client.get(url).status_code == 404
    client.force_login(staff)
    assert client.get(url).status_code == 200  # review after the tally
    _publish(election, staff)
    client.logout()
    assert client.get(url).status_code == 200  # public after publication


def test_r1_results_page_and_admin_link_the_exports(client, tallied):
    election, staff, _ = tallied
    client.force_login(staff)
    page = client.get(f"/results/{election.pk}/").content.decode()
    assert f'href="/results/{election.pk}/minutes.pdf" data-role="minutes-pdf"' in page
    assert f'href="/results/{election.pk}/results.csv" data-role="results-csv"' in page
    admin = client.get(f"/admin/elections/inspect/{election.pk}/").content.decode()
    assert f"/results/{election.pk}/minutes.pdf" in admin and f"/results/{election.pk}/results.csv" in admin
