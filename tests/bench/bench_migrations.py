"""One new migration applied to 500 tenants by ``migrate_schemas``, parallel and sequential.

Honest setup, no fakes in the product:

- A database of its own (``<test database>_bench_migrations``), created here
  and dropped at the end, so the forked migration processes see committed
  data and nothing else in the session is touched.
- ``manage.py`` runs with tests/bench/settings.py: the product's settings
  plus ``tests.bench.benchapp``, a tenant app whose ``0002_note_priority``
  (a column with a default, and an index) is the new migration.
- 500 tenants are provisioned by ``provider_provision`` (their schemas include 0002).
  No spare schemas exist in that database, so each one replays the script.
  Before each timed run, 0002 is taken out of every schema again with the SQL
  that reverses it (drop the index and column, delete its django_migrations
  row), so ``migrate_schemas`` finds exactly one migration to apply in each
  tenant, and the run is checked to have applied it in all of them.

Timed is the wall time of the command an operator runs,
``manage.py migrate_schemas --tenant --executor=... --noinput -v 0``,
including interpreter and Django start-up (reported separately). Target
(DESIGN.md section 7): under 60 s on 2 cores with the parallel executor.
Two what-if rows show where the time goes: ``--skip-checks`` (migrate runs
the system checks once per tenant) and benchapp/recorder.py (Django's
``MigrationRecorder.has_table`` scans the whole catalog, 500 schemas of it,
several times per tenant). "Nothing to apply" is the cost of walking the tenants.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import psycopg2
from django.conf import settings

from tests.bench.reporting import ROOT, environment, print_table, summarize, write_artifact

TENANTS = int(os.environ.get("BENCH_MIGRATION_TENANTS", "500"))
PROCESSES = 2
TARGET_S = 60.0
APP, MIGRATION = "benchapp", "0002_note_priority"
TABLE, COLUMN, INDEX = "benchapp_note", "priority", "benchapp_note_priority_idx"
SCHEMA_LIKE = "p\\_bench\\_%"
BATCH = 50  # schemas per statement batch (one transaction each) when reading or reverting 0002


def _server() -> dict[str, Any]:
    database = settings.DATABASES["default"]
    return {
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
    }


def _database_name() -> str:
    return settings.DATABASES["default"]["TEST"]["NAME"] + "_bench_migrations"


def _database_url(name: str) -> str:
    server = _server()
    auth = quote(server["user"] or "", safe="")
    if server["password"]:
        auth += ":" + quote(server["password"], safe="")
    host = quote(server["host"] or "", safe="")
    port = f":{server['port']}" if server["port"] else ""
    return f"postgres://{auth}@{host}{port}/{name}"


@contextmanager
def _connect(name: str) -> Iterator[Any]:
    params = {k: v for k, v in _server().items() if v is not None}
    conn = psycopg2.connect(dbname=name, **params)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            yield cursor
    finally:
        conn.close()


@contextmanager
def _bench_database() -> Iterator[str]:
    name = _database_name()
    with _connect("postgres") as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with _connect("postgres") as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(env: dict[str, str], *args: str, timeout: float = 1800) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, (
        f"manage.py {' '.join(args)}:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    )
    return elapsed, result.stdout


def _bench_schemas(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT schema_name FROM tenants_provider WHERE schema_name LIKE %s ORDER BY schema_name",
        [SCHEMA_LIKE],
    )
    return [row[0] for row in cursor.fetchall()]


def _batched(schemas: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(schemas), BATCH):
        yield schemas[start : start + BATCH]


def _state(cursor: Any, schemas: list[str]) -> dict[str, int]:
    """In how many bench schemas 0002's row, column and index are present."""
    recorded = 0
    for batch in _batched(schemas):
        cursor.execute(
            " UNION ALL ".join(
                f'SELECT count(*) FROM "{schema}".django_migrations WHERE app = %(app)s AND name = %(name)s'
                for schema in batch
            ),
            {"app": APP, "name": MIGRATION},
        )
        recorded += sum(row[0] for row in cursor.fetchall())
    cursor.execute(
        """SELECT count(*) FROM information_schema.columns
           WHERE table_schema LIKE %s AND table_name = %s AND column_name = %s""",
        [SCHEMA_LIKE, TABLE, COLUMN],
    )
    columns = cursor.fetchone()[0]
    cursor.execute(
        "SELECT count(*) FROM pg_indexes WHERE schemaname LIKE %s AND indexname = %s", [SCHEMA_LIKE, INDEX]
    )
    indexes = cursor.fetchone()[0]
    return {"recorded": recorded, "columns": columns, "indexes": indexes}


def _take_out_migration(cursor: Any, schemas: list[str]) -> None:
    """Reverse 0002 in every schema with the SQL Django's unapply would run."""
    for batch in _batched(schemas):
        cursor.execute(
            "".join(
                f'DROP INDEX "{schema}"."{INDEX}"; '
                f'ALTER TABLE "{schema}"."{TABLE}" DROP COLUMN "{COLUMN}"; '
                f"DELETE FROM \"{schema}\".django_migrations WHERE app = '{APP}' AND name = '{MIGRATION}'; "
                for schema in batch
            )
        )


def _drop_schemas(cursor: Any, schemas: list[str]) -> None:
    # One schema per transaction: a schema holds ~100 lockable objects, and a batch
    # ran out of the shared lock table (max_locks_per_transaction) next to other suites.
    for schema in schemas:
        cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')
    cursor.execute(
        """DELETE FROM tenants_domain
           WHERE tenant_id IN (SELECT id FROM tenants_provider WHERE schema_name LIKE %s)""",
        [SCHEMA_LIKE],
    )
    cursor.execute("DELETE FROM tenants_provider WHERE schema_name LIKE %s", [SCHEMA_LIKE])


def _step(message: str) -> None:
    print(f"[bench_migrations] {message}", flush=True)


def test_one_new_migration_over_500_tenants() -> None:
    from tests.conftest import subprocess_env

    figures: dict[str, Any] = {"benchmark": "migrations", "tenants": TENANTS, "processes": PROCESSES}
    runs: dict[str, dict[str, Any]] = {}
    with _bench_database() as name:
        env = subprocess_env(
            DATABASE_URL=_database_url(name),
            DJANGO_SETTINGS_MODULE="tests.bench.settings",
            KLACHTPUNT_TESTING="1",
            TENANT_MIGRATION_PROCESSES=str(PROCESSES),
            LOG_LEVEL="WARNING",
        )
        print()
        seconds, _ = _manage(env, "migrate_schemas", "--shared", "--noinput", "-v", "0")
        _step(f"public schema migrated in {seconds:.1f} s")
        figures["public_schema_migrate_s"] = seconds

        seconds, output = _manage(env, "bench_tenants", str(TENANTS))
        created = json.loads(output.strip().splitlines()[-1])
        provision_ms = created["ms"]
        _step(f"{TENANTS} tenants provisioned (script replay) in {seconds:.1f} s")
        figures["provisioning"] = {
            "command_s": seconds,
            "per_tenant_ms": summarize(provision_ms),
            "first_50_median_ms": summarize(provision_ms[:50])["median"],
            "last_50_median_ms": summarize(provision_ms[-50:])["median"],
            "script_statements": created["script_statements"],
        }

        startup, _ = _manage(env, "migrate_schemas", "--help")
        figures["startup_s"] = startup

        with _connect(name) as cursor:
            schemas = _bench_schemas(cursor)
            assert len(schemas) == TENANTS
            full = {"recorded": TENANTS, "columns": TENANTS, "indexes": TENANTS}
            assert _state(cursor, schemas) == full, "provisioned schemas carry 0002"
            cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", ["kp\\_spare\\_%"])
            assert cursor.fetchone()[0] == 0, "no spare schemas: every tenant was made by replay"

            # The last two are what-ifs: without the system checks that migrate runs per
            # tenant, and with benchapp/recorder.py's cheap MigrationRecorder.has_table.
            for label, executor, extra, what_if in [
                ("multiprocessing (2 processes)", "multiprocessing", [], {}),
                ("standard (sequential)", "standard", [], {}),
                ("multiprocessing, --skip-checks", "multiprocessing", ["--skip-checks"], {}),
                ("multiprocessing, cheap has_table", "multiprocessing", [], {"BENCH_CHEAP_HAS_TABLE": "1"}),
            ]:
                _take_out_migration(cursor, schemas)
                assert _state(cursor, schemas) == {"recorded": 0, "columns": 0, "indexes": 0}
                command = ["migrate_schemas", "--tenant", f"--executor={executor}", "--noinput", "-v", "0"]
                seconds, _ = _manage({**env, **what_if}, *command, *extra)
                assert _state(cursor, schemas) == full, f"{label} applied 0002 everywhere"
                prefix = [f"{k}={v}" for k, v in what_if.items()]
                runs[label] = {
                    "command": " ".join([*prefix, "manage.py", *command, *extra]),
                    "wall_s": seconds,
                    "without_startup_s": seconds - startup,
                    "per_tenant_ms": (seconds - startup) / TENANTS * 1000,
                    "load_average_1m_after": os.getloadavg()[0],
                }
                _step(f"{label}: {seconds:.1f} s")

            # Nothing left to apply: what walking 500 tenants costs by itself.
            command = ["migrate_schemas", "--tenant", "--executor=multiprocessing", "--noinput", "-v", "0"]
            seconds, _ = _manage(env, *command)
            runs["multiprocessing, nothing to apply"] = {
                "command": "manage.py " + " ".join(command),
                "wall_s": seconds,
                "without_startup_s": seconds - startup,
                "per_tenant_ms": (seconds - startup) / TENANTS * 1000,
                "load_average_1m_after": os.getloadavg()[0],
            }

            started = time.perf_counter()
            _drop_schemas(cursor, schemas)
            figures["drop_schemas_s"] = time.perf_counter() - started
            assert _bench_schemas(cursor) == []
            cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", [SCHEMA_LIKE])
            assert cursor.fetchone()[0] == 0
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0]

    parallel = runs["multiprocessing (2 processes)"]
    sequential = runs["standard (sequential)"]
    figures["runs"] = runs
    figures["speedup_parallel_vs_sequential"] = sequential["wall_s"] / parallel["wall_s"]
    figures["target"] = {"wall_s_below": TARGET_S, "met": parallel["wall_s"] < TARGET_S}
    figures["environment"] = environment(pg_version)

    print_table(
        f"One new migration ({APP}.{MIGRATION}) applied to {TENANTS} tenants, "
        f"TENANT_MULTIPROCESSING_MAX_PROCESSES={PROCESSES}, {os.cpu_count()} CPUs",
        ["run", "wall s", "minus start-up s", "ms per tenant", "load 1m after"],
        [
            [label, r["wall_s"], r["without_startup_s"], r["per_tenant_ms"], r["load_average_1m_after"]]
            for label, r in runs.items()
        ],
    )
    p = figures["provisioning"]
    print(
        f"start-up (manage.py migrate_schemas --help): {startup:.2f} s; "
        f"parallel vs sequential: {figures['speedup_parallel_vs_sequential']:.2f}x; "
        f"dropping {TENANTS} schemas: {figures['drop_schemas_s']:.1f} s"
    )
    print(
        f"provisioning {TENANTS} tenants (script replay): median {p['per_tenant_ms']['median']:.1f} ms, "
        f"p90 {p['per_tenant_ms']['p90']:.1f} ms; first 50 {p['first_50_median_ms']:.1f} ms, "
        f"last 50 {p['last_50_median_ms']:.1f} ms (median)"
    )
    verdict = "met" if figures["target"]["met"] else "MISSED"
    print(f"target: under {TARGET_S:.0f} s in parallel -> {parallel['wall_s']:.1f} s, {verdict}")
    write_artifact("migrations", figures)
