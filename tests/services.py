"""Finding the real services a test needs, and skipping loudly (failing under CI) when absent."""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

IS_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
MISSING: list[str] = []


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require(service: str, available: bool, how: str) -> None:
    """Skip (or fail, when CI=true) a test whose real service is missing."""
    if available:
        return
    message = f"SERVICE MISSING: {service} — {how}"
    if IS_CI:
        pytest.fail(message + " (CI=true: a skipped service test is a failure)", pytrace=False)
    MISSING.append(message)
    pytest.skip(message)


def redis_url() -> str | None:
    url = os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        return None
    parsed = urlparse(url)
    return url if _port_open(parsed.hostname or "127.0.0.1", parsed.port or 6379) else None


def require_chromium() -> str:
    path = shutil.which(CHROMIUM) or (CHROMIUM if os.path.exists(CHROMIUM) else None)
    require("Chromium", bool(path), "apt-get install chromium (Debian's package; never `playwright install`)")
    return path
