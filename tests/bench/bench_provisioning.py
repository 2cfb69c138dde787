"""Provisioning a provider tenant with the full schema, three ways, side by side.

(a) migrate:  ``provider_provision(fast=False)``, Django's migrations in the new schema.
(b) clone:    django-tenants' ``CloneSchema().clone_schema(base, new)`` from a migrated
              base schema, then the Provider and Domain rows, in one transaction. The
              stock call recreates its PL/pgSQL function every time; "clone, function
              kept" calls the installed ``clone_schema()`` directly to show that share.
(c) replay:   ``provider_provision()``, our fast path (the captured script).
floor:        the captured script alone into a new schema (no rows, no checks): what
              DESIGN.md calls the floor of raw DDL replay.

Each run commits, as in production (no test transaction around it), and the
methods take turns in rotating order so drift on a shared machine spreads
evenly. Target (DESIGN.md section 7): replay under 250 ms.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.test import override_settings
from django_tenants.clone import CloneSchema

from tenants.models import Domain, Provider
from tenants.provisioning import (
    current_template,
    provider_domain_name,
    provider_provision,
    schema_migrate,
    schema_replay,
    spare_schemas_refill,
)
from tests.bench.reporting import environment, print_table, summarize, write_artifact

RUNS = int(os.environ.get("BENCH_PROVISION_RUNS", "30"))
TARGET_MS = 250.0
SLUG_PREFIX = "bp-"
BASE_SCHEMA = "kp_bench_clone_base"
FLOOR_PREFIX = "kp_bench_floor_"


def _provision_by_clone(slug: str, *, keep_function: bool) -> None:
    schema_name = Provider.schema_name_for(slug)
    with transaction.atomic():
        provider = Provider(name=f"Bench {slug}", slug=slug, schema_name=schema_name)
        provider.full_clean()
        provider.save()
        if keep_function:
            with connection.cursor() as cursor:
                cursor.execute("SELECT clone_schema(%s, %s, 'DATA')", [BASE_SCHEMA, schema_name])
        else:
            CloneSchema().clone_schema(BASE_SCHEMA, schema_name)
        Domain.objects.create(domain=provider_domain_name(slug), tenant=provider, is_primary=True)


def _replay_floor(schema_name: str, statements: list[str]) -> None:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{schema_name}"')
        schema_replay(schema_name, statements)


def _schema_shape(schema_name: str) -> tuple[int, int, int, int]:
    """Tables, indexes, tenant-app migration rows and seeded category rows in a schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", [schema_name]
        )
        tables = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE schemaname = %s", [schema_name])
        indexes = cursor.fetchone()[0]
        # Only the tenant apps' rows: migrating also records the shared apps' migrations.
        cursor.execute(
            f'SELECT count(*) FROM "{schema_name}".django_migrations WHERE app = ANY(%s)',
            [[c.label for c in apps.get_app_configs() if c.name in settings.TENANT_APPS]],
        )
        migrations = cursor.fetchone()[0]
        cursor.execute(f'SELECT count(*) FROM "{schema_name}".casework_category')
        categories = cursor.fetchone()[0]
    return tables, indexes, migrations, categories


def _drop_everything_made_here() -> None:
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s OR nspname LIKE %s OR nspname = %s"
            " OR nspname LIKE %s",
            ["p\\_bp\\_%", FLOOR_PREFIX.replace("_", "\\_") + "%", BASE_SCHEMA, "kp\\_spare\\_%"],
        )
        schemas = [row[0] for row in cursor.fetchall()]
        for schema_name in schemas:
            cursor.execute(f'DROP SCHEMA "{schema_name}" CASCADE')
    Provider.objects.filter(slug__startswith=SLUG_PREFIX).delete()


@pytest.fixture
def provisioning_bench(committed_db):  # type: ignore[no-untyped-def]
    provisioning_log = logging.getLogger("tenants.provisioning")
    level = provisioning_log.level
    provisioning_log.setLevel(logging.WARNING)  # one log line per tenant would bury the table
    _drop_everything_made_here()
    try:
        yield
    finally:
        _drop_everything_made_here()
        provisioning_log.setLevel(level)


def _drop_spares() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", ["kp\\_spare\\_%"])
        for (schema_name,) in cursor.fetchall():
            cursor.execute(f'DROP SCHEMA "{schema_name}" CASCADE')


# Untimed set-up before each run: a spare for the spare path (the pool is
# topped up in the background in production), none for the replay path.
PREPARE: dict[str, Callable[[], object]] = {
    "replay": _drop_spares,
    "spare (fast path)": lambda: spare_schemas_refill(size=1),
}


@override_settings(OUTBOX_HANDOFF="notify")  # the pool refill a spare run queues waits in the outbox
def test_provisioning_migrate_vs_clone_vs_replay(provisioning_bench) -> None:  # type: ignore[no-untyped-def]
    template = current_template()
    assert template is not None, "the session world captured the script"
    statements = template.statements

    # The clone source: a schema migrated the slow way, as TENANT_BASE_SCHEMA would be.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{BASE_SCHEMA}"')
        schema_migrate(BASE_SCHEMA)
    CloneSchema()._create_clone_schema_function()  # so "clone, function kept" finds it

    methods: dict[str, Callable[[int], str]] = {
        "migrate": lambda i: provider_provision(name="Bench", slug=f"bp-mig-{i:03d}", fast=False).schema_name,
        "clone": lambda i: _clone(f"bp-cln-{i:03d}", keep_function=False),
        "clone, function kept": lambda i: _clone(f"bp-clk-{i:03d}", keep_function=True),
        "replay": lambda i: provider_provision(name="Bench", slug=f"bp-rep-{i:03d}").schema_name,
        "spare (fast path)": lambda i: provider_provision(name="Bench", slug=f"bp-spr-{i:03d}").schema_name,
        "floor: script only": lambda i: _floor(f"{FLOOR_PREFIX}{i:03d}", statements),
    }
    samples: dict[str, list[float]] = {name: [] for name in methods}
    made: dict[str, list[str]] = {name: [] for name in methods}
    names = list(methods)
    # One untimed run each first: imports, the function install, plan caches.
    for name in names:
        PREPARE.get(name, lambda: None)()
        made[name].append(methods[name](999))
    for i in range(RUNS):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            PREPARE.get(name, lambda: None)()
            started = time.perf_counter()
            schema_name = methods[name](i)
            samples[name].append((time.perf_counter() - started) * 1000)
            made[name].append(schema_name)

    # Sanity: every method made the same, full schema.
    reference = _schema_shape(made["migrate"][0])
    assert reference[0] >= 2 and reference[3] >= 5, reference
    for name, schemas in made.items():
        for schema_name in (schemas[0], schemas[-1]):
            assert _schema_shape(schema_name) == reference, (name, schema_name)

    summaries = {name: summarize(values) for name, values in samples.items()}
    fast = summaries["spare (fast path)"]
    migrate = summaries["migrate"]
    assert fast["median"] < migrate["median"], "the fast path should beat migrating"

    rows = [
        [
            name,
            s["n"],
            s["median"],
            s["p90"],
            s["min"],
            s["max"],
            migrate["median"] / s["median"],
        ]
        for name, s in summaries.items()
    ]
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    print_table(
        f"Provisioning one provider tenant (full schema: {reference[0]} tables, {reference[1]} indexes, "
        f"{reference[2]} tenant-app migrations, {len(statements)} script statements), ms, committed",
        ["method", "n", "median", "p90", "min", "max", "x faster than migrate"],
        rows,
    )
    verdict = "met" if fast["median"] < TARGET_MS else "MISSED"
    print(f"target: fast path < {TARGET_MS:.0f} ms -> median {fast['median']:.1f} ms, {verdict}")
    write_artifact(
        "provisioning",
        {
            "benchmark": "provisioning",
            "unit": "ms",
            "runs_per_method": RUNS,
            "schema": {
                "tables": reference[0],
                "indexes": reference[1],
                "migrations": reference[2],
                "seeded_categories": reference[3],
                "script_statements": len(statements),
            },
            "methods": summaries,
            "samples": samples,
            "target": {"fast_path_median_ms_below": TARGET_MS, "met": fast["median"] < TARGET_MS},
            "environment": environment(pg_version),
        },
    )


def _clone(slug: str, *, keep_function: bool) -> str:
    _provision_by_clone(slug, keep_function=keep_function)
    return Provider.schema_name_for(slug)


def _floor(schema_name: str, statements: list[str]) -> str:
    _replay_floor(schema_name, statements)
    return schema_name
