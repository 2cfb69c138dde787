"""OUTBOX_HANDOFF=notify: the request only writes rows; the relay process is woken by NOTIFY."""

from __future__ import annotations

import subprocess
import sys
import time

import psycopg2
import pytest

from tests.conftest import ROOT, subprocess_env

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("relay")]

ENQUEUE = (
    "import django; django.setup();"
    "from django.db import transaction;"
    "from outbox.services import outbox_enqueue;"
    "exec('with transaction.atomic():\\n"
    ' m = outbox_enqueue(task_name="klachtpunt.tasks.runtime_probe", kwargs={}, schema_name="public")\');'
    "print(m.pk)"
)


def _sent_at(dsn: str, pk: int):  # type: ignore[no-untyped-def]
    with psycopg2.connect(dsn) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT sent_at FROM outbox_outboxmessage WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_relay_follower_sends_a_committed_row_on_notify_not_on_its_timer(
    redis_server, test_database_url
) -> None:  # type: ignore[no-untyped-def]
    env = subprocess_env(
        DATABASE_URL=test_database_url,
        CELERY_BROKER_URL=redis_server.url,
        OUTBOX_HANDOFF="notify",
        DJANGO_SETTINGS_MODULE="klachtpunt.settings",
    )
    follower = subprocess.Popen(
        [sys.executable, "manage.py", "relay_outbox", "--follow", "--interval", "120", "--max-seconds", "90"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert "relaying outbox rows" in follower.stdout.readline()
        made = subprocess.run(
            [sys.executable, "-c", ENQUEUE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert made.returncode == 0, made.stderr[-2000:]
        pk = int(made.stdout.strip().splitlines()[-1])
        dsn = test_database_url.replace("postgres://", "postgresql://", 1)
        deadline = time.monotonic() + 10  # far less than the follower's 120 s timer
        while _sent_at(dsn, pk) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _sent_at(dsn, pk) is not None, "the NOTIFY at commit woke the relay"
    finally:
        follower.terminate()
        follower.wait(20)
        dsn = test_database_url.replace("postgres://", "postgresql://", 1)
        with psycopg2.connect(dsn) as conn, conn.cursor() as cursor:
            cursor.execute(
                "DELETE FROM outbox_outboxmessage WHERE task_name = 'klachtpunt.tasks.runtime_probe'"
            )
