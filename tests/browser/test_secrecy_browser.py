"""Issue 12 (ballot secrecy) end to end in Chromium: three supervisors register personal keys
made with their own tool, an admin names them (2 of 3) and the key ceremony runs; the
election opens, a voter votes by SMS, sees a tracker and finds it on the public board; the
election closes, two supervisors open their sealed shares on their computers and the admin
pastes the two phrases to unseal; then tally and publish, and the vote is in the results.
The server never holds a readable share phrase or a supervisor's private key."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from election_pages.lifecycle.models import Election, ElectionState
from election_pages.secrecy import crypto
from election_pages.secrecy.models import ElectionSupervisor, SupervisorKey
from election_pages.voting.models import CastBallot
from otp_delivery.gateways import sms
from tests.browser.conftest import csp_violations_watch
from tests.factories import (
    AssociationFactory,
    CandidateFactory,
    ElectionFactory,
    MemberFactory,
    PositionFactory,
    StaffFactory,
    election_page_for,
)
from tests.otp_helpers import run_deliveries
from tests.voting_helpers import voter_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Member2026pass"
TOOL = Path(__file__).resolve().parents[2] / "election_pages" / "secrecy" / "supervisor_tool.py"
CODE = re.compile(r"\b(\d{6})\b")
THANKS = "با تشکر از توجه شما، رای شما با موفقیت ثبت شد."


# --- The supervisor's own computer --------------------------------------------------------
class SupervisorComputer:
    """The supervisor tool run as the supervisor would (a separate process, no Django);
    crypto's functions stand for it only while the tool is not there."""

    def __init__(self, folder: Path, name: str):
        self.key_file = folder / f"{name}.key"
        self._private: bytes | None = None

    def _run(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, str(TOOL), *args], capture_output=True, text=True, timeout=60, cwd=self.key_file.parent
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def keygen(self) -> tuple[str, str]:
        """(public key to paste, fingerprint to compare)."""
        if TOOL.exists():
            out = self._run("keygen", "--out", str(self.key_file))
            public = re.search(r"public key:\s+(\S+)", out).group(1)
            return public, re.search(r"fingerprint:\s+(\S+)", out).group(1)
        self._private, public_raw = crypto.keypair_new()
        return crypto.b64(public_raw), crypto.fingerprint(public_raw)

    def open_share(self, sealed_b64: str) -> str:
        if TOOL.exists():
            return self._run("open-share", "--key", str(self.key_file), "--share", sealed_b64).strip()
        return crypto.share_open(crypto.unb64(sealed_b64), supervisor_private=self._private)

    def private_b64(self) -> str:
        if TOOL.exists():
            return self.key_file.read_text(encoding="ascii").strip()
        return crypto.b64(self._private)


# --- Browser helpers ----------------------------------------------------------------------
def _captcha(page) -> str:
    from captcha.models import CaptchaStore

    return CaptchaStore.objects.get(hashkey=page.locator("input[name=captcha_0]").input_value()).response


def _context(chromium, violations: list, *, phone=False):
    if phone:
        context = chromium.new_context(
            locale="fa-IR",
            viewport={"width": 360, "height": 740},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
        )
    else:
        context = chromium.new_context(locale="fa-IR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    violations.append(csp_violations_watch(page))  # every journey runs under the real CSP
    return page


def _portal_login(page, base, member):
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", member.username)
    page.fill("#id_password", PASSWORD)
    page.fill("input[name=captcha_1]", _captcha(page))
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/me/")


def _admin_login(page, base, staff):
    page.goto(base + "/admin/login/")
    page.fill("#id_username", staff.username)
    page.fill("#id_password", PASSWORD)
    page.fill("input[name=captcha_1]", _captcha(page))
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")


def _transition(page, name: str, reason: str = ""):
    page.locator(f"[data-transition={name}]").click()
    confirm = page.locator("[data-role=confirm]")
    expect(confirm).to_be_visible()
    if reason:
        page.fill("[name=reason]", reason)
    confirm.click()
    expect(page.locator("[data-role=election-state]")).to_be_visible()


def _election_announced():
    """An announced election whose start has come, with no key yet (the real ceremony runs)."""
    association = AssociationFactory()
    election = ElectionFactory(
        association=association, state=ElectionState.ANNOUNCED, public_key="", key_fingerprint="", key_share_set=None
    )
    board = PositionFactory(election=election, name="هیات مدیره", selection_limit=3, seats=3, sort_order=1)
    inspector = PositionFactory(election=election, name="بازرس", selection_limit=1, seats=1, sort_order=2)
    board_candidates = [CandidateFactory(position=board) for _ in range(4)]
    inspector_candidates = [CandidateFactory(position=inspector) for _ in range(2)]
    return election, board_candidates, inspector_candidates


def test_supervisors_ceremony_vote_with_tracker_unseal_and_publish(
    chromium, live_server, portal, celery_eager, screenshot, tmp_path
):
    base = live_server.url
    violations: list[list[str]] = []
    election, bc, ic = _election_announced()
    election_page = election_page_for(election)
    voter = voter_for(election, mobile="09121112244")
    supervisors = [MemberFactory() for _ in range(3)]
    computers = [SupervisorComputer(tmp_path, f"supervisor-{i}") for i in range(3)]

    # 1. Each supervisor makes a key pair on their computer and registers the public half.
    pages, publics = [], []
    for index, (member, computer) in enumerate(zip(supervisors, computers, strict=True)):
        public, fingerprint = computer.keygen()
        publics.append(public)
        page = _context(chromium, violations)
        _portal_login(page, base, member)
        page.goto(base + "/supervisor/")
        expect(page.locator("[data-role=supervisor-page]")).to_be_visible()
        page.fill("input[name=public_key]", public)
        page.locator("[data-role=key-form] button[type=submit]").click()
        expect(page.locator("[data-role=key-registered]")).to_contain_text(fingerprint, use_inner_text=True)
        if index == 0:
            screenshot(page, "supervisor-key-registered")
        pages.append(page)
    assert [SupervisorKey.objects.get(user=m).public_key for m in supervisors] == publics

    # 2. The admin names them, 2 of 3: the ceremony runs at once.
    staff = StaffFactory()
    admin = _context(chromium, violations)
    _admin_login(admin, base, staff)
    admin.goto(f"{base}/admin/elections/inspect/{election.pk}/")
    expect(admin.locator("[data-role=ceremony-pending]")).to_be_visible()
    admin.locator("[data-role=supervision-link]").click()
    form = admin.locator("[data-role=supervisors-form]")
    form.locator("textarea[name=usernames]").fill("\n".join(m.username for m in supervisors))
    form.locator("input[name=threshold]").fill("2")
    form.locator("button[type=submit]").click()
    expect(admin.locator("[data-role=ceremony-done]")).to_be_visible()
    election.refresh_from_db()
    assert election.public_key and election.key_share_set is not None and election.supervisor_threshold == 2
    fingerprint = election.key_fingerprint
    expect(admin.locator("[data-role=key-fingerprint]")).to_have_text(fingerprint)
    expect(admin.locator("[data-role=supervisors] tbody tr")).to_have_count(3)
    screenshot(admin, "admin-supervision-ceremony-done")
    # Each supervisor sees the election, its key's fingerprint and a sealed share.
    for page in pages:
        page.reload()
        seat = page.locator(f"[data-role=seat][data-election='{election.pk}']")
        expect(seat).to_contain_text(fingerprint, use_inner_text=True)
        expect(seat.locator("[data-role=sealed-share]")).not_to_have_value("")

    # 3. The admin opens the vote from the inspect page.
    admin.goto(f"{base}/admin/elections/inspect/{election.pk}/")
    _transition(admin, "open")
    assert Election.objects.get(pk=election.pk).state == ElectionState.OPEN
    run_deliveries()  # the announcement notices go out before the voter asks for a code

    # 4. The voter votes by SMS on a phone and sees the tracker.
    phone = _context(chromium, violations, phone=True)
    phone.goto(base + election_page.url + "participate/")
    phone.locator("[data-role=ballot-start]").click()
    expect(phone.locator("[data-step=login]")).to_be_visible()
    phone.fill("input[name=username]", voter.username)
    phone.fill("input[name=password]", PASSWORD)
    phone.fill("input[name=captcha_1]", _captcha(phone))
    phone.locator("[data-step=login] button[type=submit]").click()
    expect(phone.locator("[data-step=channel]")).to_be_visible()
    phone.locator("input[data-role=channel-sms]").check()
    phone.locator("[data-step=channel] form.voting-channels button[type=submit]").click()
    expect(phone.locator("[data-step=ballot]")).to_be_visible()
    phone.locator(f"input[data-role=candidate][value='{bc[0].pk}']").check()
    phone.locator(f"input[data-role=candidate][value='{ic[0].pk}']").check()
    phone.locator("[data-role=ballot-submit]").click()
    expect(phone.locator("[data-step=review]")).to_be_visible()
    run_deliveries()
    [code_message, *_] = [m for m in reversed(sms.outbox) if m.to == voter.mobile and CODE.search(m.text)]
    phone.fill("input[name=code]", CODE.search(code_message.text).group(1))
    phone.locator("[data-role=confirm]").click()
    expect(phone.locator("[data-step=done]")).to_be_visible()
    expect(phone.locator("[data-role=thanks]")).to_have_text(THANKS, use_inner_text=True)
    receipt = phone.locator("[data-role=receipt]")
    expect(receipt).to_have_attribute("data-tracker", re.compile(r"^[0-9a-f]{64}$"))
    tracker = receipt.get_attribute("data-tracker")
    assert CastBallot.objects.get(election=election).tracker == tracker
    screenshot(phone, "secrecy-voter-tracker")

    # 5. The voter finds the tracker on the public board, under the same key fingerprint.
    phone.locator("[data-role=tracker-board]").click()
    phone.wait_for_url(f"**/results/{election.pk}/receipts/")
    expect(phone.locator("[data-role=key-fingerprint]")).to_have_text(fingerprint)
    phone.fill("input[name=tracker]", tracker)
    phone.fill("input[name=captcha_1]", _captcha(phone))
    phone.get_by_role("button", name="بررسی").click()
    expect(phone.locator("[data-role=receipt-counted]")).to_be_visible()
    screenshot(phone, "secrecy-tracker-board-counted")

    # 6. The admin closes the vote (early, as the superuser, with a reason).
    _transition(admin, "force_close", reason="پایان آزمون رای‌گیری")
    assert Election.objects.get(pk=election.pk).state == ElectionState.CLOSED

    # 7. Two supervisors copy their sealed share and open it on their own computer.
    phrases = []
    for index in (0, 2):
        page = pages[index]
        page.reload()
        sealed = page.locator(f"[data-role=seat][data-election='{election.pk}'] [data-role=sealed-share]")
        expect(sealed).not_to_have_value("")
        phrases.append(computers[index].open_share(sealed.input_value()))
    assert all(len(p.split()) >= 20 for p in phrases)  # SLIP-39 phrases

    # 8. The admin pastes the two phrases in one request: the ballots are unsealed.
    admin.locator("[data-role=supervision-link]").click()
    unseal_form = admin.locator("[data-role=unseal-form]")
    expect(unseal_form).to_be_visible()
    for index, phrase in enumerate(phrases):
        unseal_form.locator(f"textarea[name=share_{index}]").fill(phrase)
    screenshot(admin, "admin-unseal-form")
    unseal_form.locator("[data-role=unseal]").click()
    admin.wait_for_url(f"**/admin/elections/inspect/{election.pk}/")
    expect(admin.locator("[data-role=unsealed]")).to_be_visible()
    assert all(p not in admin.content() for p in phrases)
    election.refresh_from_db()
    assert election.unsealed_at is not None and election.unsealed_ballots == 1 and election.spoiled_ballots == 0

    # 9. Tally («شمارش آرا», eager Celery) and publish.
    _transition(admin, "tally")
    run = admin.locator("[data-role=tally-run]")
    expect(run).to_have_attribute("data-state", "done")
    expect(admin.locator("[data-role=election-state]")).to_contain_text("شمارش شده", use_inner_text=True)
    _transition(admin, "publish_results")
    assert Election.objects.get(pk=election.pk).state == ElectionState.PUBLISHED
    screenshot(admin, "admin-secrecy-published")

    # 10. The public results count the vote.
    phone.goto(f"{base}/results/{election.pk}/")
    expect(phone.locator("[data-role=turnout]")).to_contain_text("۱ رای", use_inner_text=True)
    for candidate, votes in ((bc[0], "۱"), (bc[1], "۰"), (ic[0], "۱"), (ic[1], "۰")):
        name = phone.get_by_role("cell", name=re.compile(rf"^{re.escape(candidate.full_name)}( [✔=])?$"))
        row = phone.locator(".results__table tbody tr").filter(has=name)
        expect(row.locator("[data-role=votes]")).to_have_text(re.compile(rf"^\s*{votes}\s"), use_inner_text=True)
    expect(phone.locator("[data-role=unsealing]")).to_be_visible()
    screenshot(phone, "secrecy-results")

    for page in (*pages, admin, phone):
        page.context.close()
    assert not [v for watch in violations for v in watch], violations

    # 11. The server never held a readable phrase or a supervisor's private key.
    private_keys = [c.private_b64() for c in computers]
    stored = []
    for seat in ElectionSupervisor.objects.filter(election=election):
        stored.append(bytes(seat.sealed_share or b"").decode("latin-1"))
        stored.append(seat.share_key_fingerprint)
    for key in SupervisorKey.objects.all():
        stored.extend([key.public_key, key.fingerprint])
    from cms_site.audit.models import AuditEntry

    stored.extend(json.dumps(p, ensure_ascii=False) for p in AuditEntry.objects.values_list("payload", flat=True))
    stored.extend(str(v) for v in Election.objects.filter(pk=election.pk).values().get().values())
    stored.extend(m.text for m in sms.outbox)
    stored.extend(m.body for m in mail.outbox)
    blob = "\n".join(stored)
    for phrase in phrases:
        assert phrase not in blob
        assert " ".join(phrase.split()[-6:]) not in blob  # not even a piece of one
    for private in private_keys:
        assert private not in blob
    # What the server does hold is only sealed: each supervisor's share opens with their key alone.
    assert ElectionSupervisor.objects.filter(election=election, sealed_share__isnull=False).count() == 3
