"""The demo's supervisors (هیئت نظارت, issue 12). DEV ONLY.

Three demo members act as every demo election's supervisors (2 of 3). Their personal
private keys are files under `var/demo/supervisors/` — in a real election each supervisor
keeps theirs on their own computer and the server never sees it. `manage.py demo` names
the files, and `manage.py demo_supervisor_shares ELECTION_ID` opens the demo supervisors'
shares with them, as each supervisor would with `supervisor_tool.py open-share`, so that
the demo can be unsealed from the admin's unseal page.
"""

from pathlib import Path

from django.conf import settings

from election_pages.secrecy import crypto
from election_pages.secrecy.models import ElectionSupervisor, SupervisorKey
from election_pages.secrecy.services import election_supervisors_set, supervisor_key_register
from member_workflow.models import Member

from . import content

DEMO_SUPERVISOR_THRESHOLD = 2


def demo_supervisor_key_dir() -> Path:
    return Path(settings.VAR_DIR) / "demo" / "supervisors"


def demo_supervisor_key_file(username: str) -> Path:
    return demo_supervisor_key_dir() / f"{username}.key"


def _supervisor(code: str, first: str, last: str) -> Member:
    member = Member.objects.filter(username=code).first()
    if member is None:
        member = Member.objects.create_user(
            username=code, password=content.DEMO_VOTER_PASSWORD, first_name=first, last_name=last
        )
    return member


def demo_supervisors_build(*, national_codes: list[str]) -> list[Member]:
    """The three demo supervisors (members with these national codes), each with a
    personal key whose private half is a dev-only file (made once and reused; a missing
    file gets a new key registered, which re-runs the ceremonies not yet open)."""
    demo_supervisor_key_dir().mkdir(parents=True, exist_ok=True)
    members = []
    for code, (first, last) in zip(national_codes, content.DEMO_SUPERVISORS, strict=True):
        member = _supervisor(code, first, last)
        path = demo_supervisor_key_file(member.username)
        registered = SupervisorKey.objects.filter(user=member).first()
        if path.exists():
            public = crypto.public_key_of(crypto.unb64(path.read_text()))
        else:
            private, public = crypto.keypair_new()
            path.write_text(crypto.b64(private) + "\n")
            path.chmod(0o600)
        if registered is None or registered.public_key != crypto.b64(public):
            supervisor_key_register(user=member, public_key=crypto.b64(public))
        members.append(member)
    return members


def demo_election_supervise(*, election, supervisors, staff) -> None:
    """Name the demo supervisors for an election (the ceremony runs at once)."""
    election_supervisors_set(
        election_id=election.pk,
        usernames=[m.username for m in supervisors],
        threshold=DEMO_SUPERVISOR_THRESHOLD,
        actor=staff,
    )


def demo_shares_open(*, election_id: int, count: int = DEMO_SUPERVISOR_THRESHOLD) -> list[tuple[str, str]]:
    """DEV ONLY: (supervisor, share phrase) for `count` demo supervisors of the election,
    opened with their key files, as each would do on their own computer."""
    opened = []
    for seat in ElectionSupervisor.objects.filter(election_id=election_id, sealed_share__isnull=False).select_related(
        "user"
    ):
        path = demo_supervisor_key_file(seat.user.username)
        if not path.exists():
            continue
        phrase = crypto.share_open(bytes(seat.sealed_share), supervisor_private=crypto.unb64(path.read_text()))
        opened.append((seat.user.username, phrase))
        if len(opened) == count:
            break
    return opened
