"""Health probes for the database, the cache and the Celery broker."""

import logging
import uuid

from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    key, value = f"healthz:{uuid.uuid4().hex}", "ok"
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("cache did not return what was stored")
    cache.delete(key)


def _check_broker() -> None:
    # Imported on use: the Celery app autodiscovers every app's tasks, which this
    # low-level module must not import when the URLconf loads.
    from cms_site.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


def health_report() -> dict[str, str]:
    """Each dependency's state: "ok", or "down" with the reason logged (never secrets)."""
    report = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure of a probe means "down"
            logger.error("health check failed", extra={"dependency": name, "error": type(exc).__name__})
            report[name] = "down"
        else:
            report[name] = "ok"
    return report
