"""Shared fixtures: one test world per test session (and xdist worker).

Creating schemas is what makes django-tenants suites slow, so the platform
tenant, two providers and their users are created once, committed, and every
test runs in a transaction that is rolled back.
"""

from __future__ import annotations

import datetime
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.signals import setting_changed
from django.utils import translation

from reference import deadline_rules
from tests.support import World, build_world, free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    if settings.TENANT_CLUSTERS:
        return None  # tests/clusters: each test makes its own providers on the clusters
    with django_db_blocker.unblock():
        # Never seed the test world into a real database (e.g. the demo's).
        assert connection.settings_dict["NAME"].startswith("test_"), connection.settings_dict["NAME"]
        world = build_world()
    return world


@pytest.fixture(scope="session")
def world(django_db_setup) -> World:  # type: ignore[no-untyped-def]
    return django_db_setup


def _forget_media_root(setting: str, **kwargs: object) -> None:
    """django-tenants' file storage keeps the media root it first saw (``relative_media_root``)
    and forgets it only when ``MULTITENANT_RELATIVE_MEDIA_ROOT`` changes: a test that points
    ``MEDIA_ROOT`` at its own folder would leave every later file of this process there."""
    if setting != "MEDIA_ROOT":
        return
    from casework.models import Attachment

    storage = Attachment._meta.get_field("file").storage
    storage.location  # noqa: B018 (sets up the lazy default storage)
    getattr(storage, "_wrapped", storage).__dict__.pop("relative_media_root", None)


setting_changed.connect(_forget_media_root, dispatch_uid="tests-forget-media-root")


@pytest.fixture(autouse=True)
def _clean_slate():  # type: ignore[no-untyped-def]
    # Rate-limit counters and used TOTP codes live in the (per-process) cache.
    cache.clear()
    # A test that switched the thread's language (a request in English) leaves it switched.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    connection.set_schema_to_public()


def host_client(host: str) -> Client:
    return Client(HTTP_HOST=host)


@pytest.fixture
def platform_client(db) -> Client:  # type: ignore[no-untyped-def]
    return host_client("localhost")


@pytest.fixture
def alpha_client(db, world: World) -> Client:  # type: ignore[no-untyped-def]
    return host_client(world.alpha_host)


@pytest.fixture
def beta_client(db, world: World) -> Client:  # type: ignore[no-untyped-def]
    return host_client(world.beta_host)


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def start(self) -> None:
        self.process = _spawn_redis(self.port)


def _spawn_redis(port: int) -> subprocess.Popen:
    binary = shutil.which("redis-server")
    assert binary, "redis-server is missing: `make test` installs it (deploy/dev/ensure-system-deps.sh)"
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


@pytest.fixture(scope="session")
def redis_server():  # type: ignore[no-untyped-def]
    """A private Redis on a free loopback port; never the machine's own."""
    port = free_port()
    server = RedisServer(port=port, process=_spawn_redis(port))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def test_database_url(django_db_setup) -> str:  # type: ignore[no-untyped-def]
    """A URL for this worker's test database, for server and worker subprocesses."""
    settings_dict = connection.settings_dict
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    host = settings_dict.get("HOST") or ""
    port = settings_dict.get("PORT") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    if host.startswith("/"):
        from urllib.parse import quote

        return f"postgres://{auth}{quote(host, safe='')}/{settings_dict['NAME']}"
    return f"postgres://{auth}{host}{':' + str(port) if port else ''}/{settings_dict['NAME']}"


def subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "platform")])
    env.update(extra)
    return env


# The decree days published so far (Atw art. 3 lid 3), as the platform admin keeps them in the
# database; the pure rules get them handed in, so these tests need no database.
PUBLISHED_DECREE_DAYS = {
    datetime.date(2023, 4, 28): "gelijkgesteld",
    datetime.date(2023, 5, 19): "gelijkgesteld",
    datetime.date(2024, 5, 10): "gelijkgesteld",
    datetime.date(2024, 12, 27): "gelijkgesteld",
    datetime.date(2025, 5, 30): "gelijkgesteld",
    datetime.date(2026, 1, 2): "gelijkgesteld",
    datetime.date(2026, 5, 15): "gelijkgesteld",
    datetime.date(2027, 5, 7): "gelijkgesteld",
    datetime.date(2028, 4, 28): "gelijkgesteld",
    datetime.date(2028, 5, 26): "gelijkgesteld",
}


@pytest.fixture
def published_decree_days():  # type: ignore[no-untyped-def]
    deadline_rules.use_designated_days(PUBLISHED_DECREE_DAYS, covered_years=range(2023, 2029))
    yield
    deadline_rules.forget_designated_days()
