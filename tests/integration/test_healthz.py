"""/healthz reports the database, the cache and the broker; non-200 when one is down."""

import pytest
from celery import Celery

pytestmark = pytest.mark.django_db


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}


def test_healthz_reports_a_dead_cache(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == "down"
    assert response.json()["database"] == "ok"


def test_healthz_reports_a_dead_broker(client, monkeypatch):
    """A real Celery app pointed at a port where nothing listens; the portal's own app,
    its connection pools and its environment are left untouched."""
    dead = "redis://127.0.0.1:1/0"
    monkeypatch.setenv("CELERY_BROKER_URL", dead)  # Celery prefers the environment variable
    monkeypatch.setattr("cms_site.celery.app", Celery("healthz-dead-broker", broker=dead, set_as_current=False))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "down"
