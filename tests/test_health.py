"""/healthz reports the database and the broker, 503 when one is down."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.test import Client, override_settings

from tests.conftest import subprocess_env
from tests.support import free_port

pytestmark = pytest.mark.django_db


def test_healthz_ok_with_database_and_broker(platform_client: Client, redis_server) -> None:  # type: ignore[no-untyped-def]
    with override_settings(CELERY_BROKER_URL=redis_server.url):
        response = platform_client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_503_when_broker_is_down(platform_client: Client) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    with override_settings(CELERY_BROKER_URL=dead):
        response = platform_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "down"
    assert response.json()["database"] == "ok"


def test_healthz_503_when_database_is_down() -> None:
    """A process whose database is unreachable still answers /healthz, with 503."""
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client(HTTP_HOST='localhost').get('/healthz');"
        "print(r.status_code, json.dumps(r.json()))"
    )
    env = subprocess_env(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/nowhere",
        CELERY_BROKER_URL="memory://",
        DJANGO_SETTINGS_MODULE="klachtpunt.settings",
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503", result.stderr[-2000:]
    assert json.loads(body) == {"status": "degraded", "database": "down", "broker": "in-process"}


def test_healthz_answers_on_provider_hosts_too(alpha_client: Client) -> None:
    assert alpha_client.get("/healthz").json()["database"] == "ok"
