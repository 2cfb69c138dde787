"""A connection is replaced after working in TENANT_CONNECTION_RECYCLE_EVERY tenant schemas."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, subprocess_env

pytestmark = pytest.mark.django_db

SCRIPT = """
import json
from django.db import connection, transaction
from tenants.connections import connection_recycle_after

def pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]

seen = []
for schema in ["public", "p_alpha", "p_beta", "p_alpha"]:  # public never counts, nor a schema twice
    seen.append([schema, pid(), connection_recycle_after(schema, every=3)])
with transaction.atomic():  # the third schema arrives inside a transaction: no close yet
    seen.append(["p_gamma", pid(), connection_recycle_after("p_gamma", every=3)])
seen.append(["p_delta", pid(), connection_recycle_after("p_delta", every=3)])
seen.append(["after", pid(), False])
print(json.dumps(seen))
"""


def test_connection_is_replaced_after_working_in_n_schemas_never_inside_a_transaction(
    test_database_url: str,
) -> None:
    env = subprocess_env(DATABASE_URL=test_database_url, KLACHTPUNT_TESTING="1", LOG_LEVEL="WARNING")
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rows = json.loads(result.stdout.strip().splitlines()[-1])
    closed = [schema for schema, _, did_close in rows if did_close]
    pids = [pid for _, pid, _ in rows]
    assert closed == ["p_delta"]
    # One backend until the close, a new one after it.
    assert len(set(pids[:-1])) == 1 and pids[-1] != pids[0]
