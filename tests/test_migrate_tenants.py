"""``migrate_schemas --executor=parallel`` reports behind, ahead and broken tenants; the others carry on.

The run goes through ``manage.py`` in a subprocess, in a database of the test's
own, with tests/tenantmig/settings.py: the product's settings plus a tenant app
whose ``0002_memo_priority`` is the new migration. Four tenants are put in four
states with SQL before the run.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from django_tenants.postgresql_backend.introspection import DatabaseSchemaIntrospection

from tests.conftest import ROOT, subprocess_env

SLUGS = ["behind", "ahead", "broken", "current"]
NEW_MIGRATION = "app = 'tenantmig' AND name = '0002_memo_priority'"


def _server() -> dict[str, Any]:
    database = settings.DATABASES["default"]
    params = {
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
    }
    return {k: v for k, v in params.items() if v is not None}


def _url(name: str) -> str:
    server = _server()
    auth = server.get("user", "") + (f":{server['password']}" if server.get("password") else "")
    return f"postgres://{auth}@{server.get('host', '')}:{server.get('port', 5432)}/{name}"


def _sql(name: str, statements: str, *params: Any) -> list[tuple]:
    conn = psycopg2.connect(dbname=name, **_server())
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(statements, params or None)
            return cursor.fetchall() if cursor.description else []
    finally:
        conn.close()


@pytest.fixture
def own_database() -> Iterator[str]:
    name = settings.DATABASES["default"]["TEST"]["NAME"] + "_migrate_tenants"
    _sql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _sql("postgres", f'CREATE DATABASE "{name}"')
    yield name
    _sql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(name: str, *args: str) -> subprocess.CompletedProcess:
    env = subprocess_env(
        DATABASE_URL=_url(name),
        DJANGO_SETTINGS_MODULE="tests.tenantmig.settings",
        KLACHTPUNT_TESTING="1",
        TENANT_MIGRATION_PROCESSES="2",
        EXECUTOR="parallel",
        LOG_LEVEL="WARNING",
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def _ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def _state(name: str, schema: str) -> tuple[bool, bool]:
    """Whether 0002 is recorded in ``schema`` and whether its column exists."""
    recorded = _sql(
        name,
        f'SELECT count(*) FROM "{schema}".django_migrations WHERE {NEW_MIGRATION}',
    )[0][0]
    column = _sql(
        name,
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = 'tenantmig_memo' AND column_name = 'priority'",
        schema,
    )[0][0]
    return bool(recorded), bool(column)


def _take_out_0002(name: str, schema: str, *, keep_column: bool = False) -> None:
    drop = "" if keep_column else f'ALTER TABLE "{schema}".tenantmig_memo DROP COLUMN priority; '
    _sql(
        name,
        drop + f'DELETE FROM "{schema}".django_migrations WHERE {NEW_MIGRATION}',
    )


@pytest.mark.slow
def test_migrate_schemas_reports_behind_ahead_and_broken_tenants_and_migrates_the_rest(own_database) -> None:  # type: ignore[no-untyped-def]
    name = own_database
    _ok(_manage(name, "migrate_schemas", "--shared", "--noinput", "-v", "0"))
    provision = "; ".join(
        ["from tenants.provisioning import provider_provision, template_prepare", "template_prepare()"]
        + [f"provider_provision(name='Mig {slug}', slug='mig-{slug}')" for slug in SLUGS]
    )
    _ok(_manage(name, "shell", "-c", provision))
    schemas = {slug: f"p_mig_{slug}" for slug in SLUGS}
    for schema in schemas.values():
        assert _state(name, schema) == (True, True)

    _take_out_0002(name, schemas["behind"])
    _sql(
        name,
        f'INSERT INTO "{schemas["ahead"]}".django_migrations (app, name, applied) '
        "VALUES ('tenantmig', '0003_from_a_newer_release', now())",
    )
    # Recorded as not applied, but its column is there: applying 0002 fails in this tenant.
    _take_out_0002(name, schemas["broken"], keep_column=True)

    result = _manage(name, "migrate_schemas", "--tenant", "--executor=parallel", "--noinput")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "4/4 tenants" in output, output
    assert "tenants/s" not in output and "/s, elapsed" in output, output
    assert "1 migrated (1 migrations), 2 already current, 0 behind, 1 failed, 1 ahead" in output, output
    assert f'failed: {schemas["broken"]}: ProgrammingError: column "priority"' in output, output
    ahead = f"ahead (recorded, not in this code): {schemas['ahead']}: tenantmig.0003_from_a_newer_release"
    assert ahead in output, output
    assert "1 tenant(s) failed" in output, output
    # The others carried on: the behind tenant got 0002; the broken one is as it was.
    assert _state(name, schemas["behind"]) == (True, True)
    assert _state(name, schemas["broken"]) == (False, True)
    assert _state(name, schemas["current"]) == (True, True)

    # --check lists the tenants with unapplied migrations and exits non-zero, applying nothing.
    _take_out_0002(name, schemas["behind"])
    result = _manage(name, "migrate_schemas", "--tenant", "--executor=parallel", "--check", "--noinput")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert f"behind (unapplied migrations): {schemas['behind']}" in output, output
    assert f"behind (unapplied migrations): {schemas['current']}" not in output, output
    assert _state(name, schemas["behind"]) == (False, False)

    # Repaired, the next run brings every tenant to the code's migrations and exits 0.
    _sql(name, f'ALTER TABLE "{schemas["broken"]}".tenantmig_memo DROP COLUMN priority')
    output = _ok(_manage(name, "migrate_schemas", "--tenant", "--executor=parallel", "--noinput"))
    assert "2 migrated (2 migrations), 2 already current, 0 behind, 0 failed" in output, output
    for schema in schemas.values():
        assert _state(name, schema) == (True, True)


@pytest.mark.django_db
def test_table_list_by_index_equals_django_tenants_table_list(world) -> None:  # type: ignore[no-untyped-def]
    stock = DatabaseSchemaIntrospection(connection)
    for schema in (world.alpha.schema_name, "public"):
        connection.set_schema(schema)
        with connection.cursor() as cursor:
            ours = sorted(connection.introspection.get_table_list(cursor))
            theirs = sorted(stock.get_table_list(cursor))
        assert ours == theirs
        assert len(ours) > 5
        assert ("django_migrations", "t", None) in [tuple(t) for t in ours]
    connection.set_schema_to_public()
