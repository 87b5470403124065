"""Production supervises every long-running process (issue 13, «Workers survive broker
loss»): deploy/ has a systemd unit for the web, the worker, beat and the outbox relay,
each restarted whatever the reason it stopped, and systemd never gives up on them."""

import configparser
import shlex
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
UNITS = {
    "portal-web.service": ["gunicorn", "cms_site.wsgi"],
    "portal-worker.service": ["celery", "-A", "cms_site", "worker"],
    "portal-beat.service": ["celery", "-A", "cms_site", "beat"],
    "portal-relay.service": ["python", "manage.py", "outbox_relay"],
}


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(ROOT / "deploy" / name, encoding="utf-8")
    return parser


def test_every_process_has_a_unit_and_nothing_else_is_there():
    assert sorted(path.name for path in (ROOT / "deploy").glob("*.service")) == sorted(UNITS)


@pytest.mark.parametrize("name", sorted(UNITS))
def test_each_unit_restarts_always_and_never_gives_up(name):
    unit = _unit(name)
    assert unit["Service"]["Restart"] == "always"
    assert unit["Unit"]["StartLimitIntervalSec"] == "0"  # the default stops after 5 quick crashes
    assert unit["Service"]["Environment"] == "DJANGO_SETTINGS_MODULE=cms_site.settings.production"
    assert unit["Service"]["EnvironmentFile"] and unit["Install"]["WantedBy"] == "multi-user.target"
    argv = [Path(word).name if i == 0 else word for i, word in enumerate(shlex.split(unit["Service"]["ExecStart"]))]
    expected = UNITS[name]
    assert argv[: len(expected)] == expected, argv


def test_the_relay_unit_runs_a_real_command():
    assert "outbox_relay" in get_commands()


def test_operations_doc_names_every_unit():
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert all(f"deploy/{name}" in text for name in UNITS)
