"""Issue 12: the supervisor's own tool, run as the supervisor runs it (a plain script, no
Django): key pair, public key, and opening a sealed share phrase."""

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from election_pages.secrecy import crypto

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "election_pages" / "secrecy" / "supervisor_tool.py"


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(TOOL), *args], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=60
    )


def field(stdout: str, name: str) -> str:
    return next(line.split(":", 1)[1].strip() for line in stdout.splitlines() if line.startswith(f"{name}:"))


@pytest.fixture
def phrase() -> str:
    private, _ = crypto.keypair_new()
    return crypto.key_split(private, threshold=2, shares=3)[1][0]


@pytest.fixture
def keyfile(tmp_path) -> tuple[Path, bytes]:
    path = tmp_path / "supervisor.key"
    result = run("keygen", "--out", str(path))
    assert result.returncode == 0, result.stderr
    return path, crypto.public_key_parse(field(result.stdout, "public key"))


def test_keygen_writes_a_private_file_and_prints_the_public_key(tmp_path):
    path = tmp_path / "me.key"
    result = run("keygen", "--out", str(path))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    private = crypto.unb64(path.read_text())
    public = crypto.public_key_parse(field(result.stdout, "public key"))
    assert public == crypto.public_key_of(private)
    assert field(result.stdout, "fingerprint") == crypto.fingerprint(public)
    assert "supervisor page" in result.stdout
    assert crypto.b64(private) not in result.stdout


def test_keygen_refuses_to_overwrite(keyfile):
    path, _ = keyfile
    before = path.read_text()
    result = run("keygen", "--out", str(path))
    assert result.returncode != 0
    assert "already exists" in result.stderr
    assert path.read_text() == before


def test_public_repeats_the_key_and_fingerprint(keyfile):
    path, public = keyfile
    result = run("public", "--key", str(path))
    assert result.returncode == 0, result.stderr
    assert crypto.public_key_parse(field(result.stdout, "public key")) == public
    assert field(result.stdout, "fingerprint") == crypto.fingerprint(public)


@pytest.mark.parametrize("source", ["--share", "--share-file", "stdin"])
def test_open_share_prints_the_phrase(keyfile, phrase, tmp_path, source):
    path, public = keyfile
    sealed = crypto.b64(crypto.share_seal(phrase, supervisor_public=public))
    if source == "--share":
        result = run("open-share", "--key", str(path), "--share", sealed)
    elif source == "--share-file":
        share_file = tmp_path / "share.txt"
        share_file.write_text(sealed + "\n")
        result = run("open-share", "--key", str(path), "--share-file", str(share_file))
    else:
        result = run("open-share", "--key", str(path), stdin=sealed + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == phrase
    assert crypto.share_identifier(result.stdout) == crypto.share_identifier(phrase)


def test_open_share_sealed_to_another_key_is_refused(keyfile, phrase):
    path, _ = keyfile
    _, other_public = crypto.keypair_new()
    sealed = crypto.b64(crypto.share_seal(phrase, supervisor_public=other_public))
    result = run("open-share", "--key", str(path), "--share", sealed)
    assert result.returncode == 2
    assert "not sealed to this key" in result.stderr
    assert result.stdout == ""
    assert phrase not in result.stderr


def test_open_share_that_is_not_base64_is_refused(keyfile):
    path, _ = keyfile
    result = run("open-share", "--key", str(path), "--share", "not a sealed share!")
    assert result.returncode == 2
    assert result.stdout == ""
