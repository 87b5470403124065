"""Settings: production refuses to start without its secrets, passes check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "SECRET_KEY": "k3Y!v9#Qz2@Lp7$Wm4%Rt8^Nx6&Bc1*Hd5(Jf0)Gs-Ua+Ye=Io_Pr~Ek",
    "ALLOWED_HOSTS": "elections.example.org",
    "DATABASE_URL": "postgres://portal:secret@127.0.0.1:5432/portal",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
    "SMS_BACKEND": "console",
    "SMS_INBOUND_TOKEN": "gateway-shared-token",
}


def _manage(args, env_extra):
    # Only what an operator would set: nothing inherited from the test run (e.g. the browser
    # tests' DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly refuses).
    inherited = PRODUCTION_ENV.keys() | {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in inherited}
    env.update(env_extra, DJANGO_SETTINGS_MODULE="cms_site.settings.production")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_secrets():
    result = _manage(["check"], {})
    assert result.returncode != 0
    for name in PRODUCTION_ENV:
        assert name in result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL", "SMS_BACKEND"])
def test_production_names_each_missing_variable(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _manage(["check"], env)
    assert result.returncode != 0
    assert "refuse to start" in result.stderr
    assert missing in result.stderr


def test_production_passes_check_deploy_with_zero_warnings():
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout or "no issues" in result.stdout


def test_argon2_is_the_first_password_hasher_everywhere_but_tests():
    from cms_site.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    result = _manage(
        ["shell", "-c", "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])"], PRODUCTION_ENV
    )
    assert result.stdout.strip().splitlines()[-1] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_persian_is_the_default_language_and_tehran_the_timezone():
    from cms_site.settings import base

    assert base.LANGUAGE_CODE == "fa"
    assert [code for code, _ in base.LANGUAGES] == ["fa", "en"]
    assert base.TIME_ZONE == "Asia/Tehran"
