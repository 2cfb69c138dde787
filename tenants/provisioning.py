"""Creating provider tenants fast.

Migrating a fresh schema runs Django's whole migration machinery (about 85%
of tenant creation time, FIELD-NOTES.md). Instead we replay a prepared
script: the exact statements that migrating a schema executed, captured
once with an execute wrapper, with their parameters bound. The script is
keyed by a fingerprint of the tenant apps' migration files; when the code's
migrations change, the stored script is stale, provisioning falls back to
migrating the new schema, and captures that run as the new script.
tests/test_provisioning.py proves a replayed schema equals a migrated one.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib import import_module
from pathlib import Path
from typing import Any

import structlog
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django_tenants.migration_executors import get_executor
from django_tenants.utils import get_public_schema_name

from outbox.services import outbox_enqueue
from reference.models import DisputesBody
from tenants.clusters import (
    CONTROL,
    active_cluster,
    cluster_active,
    cluster_for_new_provider,
    cluster_of_schema,
    clustered,
    provider_mirror,
    whole_cluster,
)
from tenants.models import Domain, Provider, TenantSchemaTemplate

log = structlog.get_logger(__name__)

# Statements that only read, or manage transactions, are not part of the script.
_SKIP_RE = re.compile(r"^\s*(SELECT|SAVEPOINT|RELEASE|ROLLBACK|SHOW|SET\s+search_path)\b", re.IGNORECASE)
_KEEP_SELECT_RE = re.compile(r"\b(setval|nextval)\s*\(", re.IGNORECASE)


def get_migration_executor(codename: str | None = None) -> type:
    """``migrate_schemas`` uses tenants.migration_executor unless told otherwise.

    ``--executor=parallel`` (the default): system checks once, tenants in forked
    processes, a failing tenant reported without stopping the others, progress
    as it goes. django-tenants' ``standard`` and ``multiprocessing`` stay available.
    """
    import os

    from tenants.migration_executor import ParallelExecutor

    codename = codename or os.environ.get("EXECUTOR", ParallelExecutor.codename)
    executor = ParallelExecutor if codename == ParallelExecutor.codename else get_executor(codename)
    return _on_its_cluster(executor)


_cluster_executors: dict[type, type] = {}


def _on_its_cluster(executor: Any) -> type:
    """The executor, run with ``--database``'s cluster active (tenants.clusters).

    Data migrations write through the models' managers, which the routers send
    to ``default``: on a cluster that must be the cluster, not the control database.
    """
    if executor not in _cluster_executors:

        def run_migrations(self: Any, tenants: Any = None) -> None:
            # "default" means the active cluster: provisioning on a cluster migrates there.
            alias = self.options.get("database") or CONTROL
            alias = active_cluster() if alias == CONTROL else alias
            if clustered() and tenants:
                # django-tenants lists every provider; a cluster migrates the schemas it holds.
                public = get_public_schema_name()
                tenants = [t for t in tenants if t == public or cluster_of_schema(t) == alias]
            with whole_cluster(alias):
                executor.run_migrations(self, tenants=tenants)

        _cluster_executors[executor] = type(
            executor.__name__, (executor,), {"run_migrations": run_migrations}
        )
    return _cluster_executors[executor]


def _tenant_app_labels() -> list[str]:
    labels = []
    for name in settings.TENANT_APPS:
        for config in apps.get_app_configs():
            if config.name == name:
                labels.append(config.label)
    return labels


@lru_cache(maxsize=1)
def migrations_fingerprint() -> str:
    """A hash of the tenant apps' migration names and file contents."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    digest = hashlib.sha256()
    labels = set(_tenant_app_labels())
    for app_label, name in sorted(k for k in loader.disk_migrations if k[0] in labels):
        module = import_module(loader.disk_migrations[(app_label, name)].__module__)
        digest.update(f"{app_label}.{name}\n".encode())
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()


def _is_schema_statement(sql: str) -> bool:
    if _SKIP_RE.match(sql):
        return bool(_KEEP_SELECT_RE.search(sql)) and sql.lstrip()[:6].upper() == "SELECT"
    return True


@contextmanager
def capture_statements() -> Iterator[list[str]]:
    """Record, with bound parameters, every schema-changing statement run here."""
    captured: list[str] = []

    def wrapper(execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
        result = execute(sql, params, many, context)
        if _is_schema_statement(sql):
            cursor = context["cursor"].cursor
            if many:
                captured.extend(cursor.mogrify(sql, p).decode() for p in params)
            elif params is None:
                captured.append(sql)
            else:
                captured.append(cursor.mogrify(sql, params).decode())
        return result

    with connection.execute_wrapper(wrapper):
        yield captured


def _create_schema(schema_name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema_name}"')


def schema_migrate(schema_name: str) -> list[str]:
    """Migrate an empty schema the slow way; return the statements it ran."""
    with capture_statements() as captured:
        call_command(
            "migrate_schemas",
            tenant=True,
            schema_name=schema_name,
            interactive=False,
            verbosity=0,
            executor="standard",
        )
    connection.set_schema_to_public()
    return captured


def schema_replay(schema_name: str, statements: list[str]) -> None:
    """Run a captured script inside ``schema_name`` in one round trip."""
    connection.set_schema(schema_name)
    try:
        with connection.cursor() as cursor:
            cursor.execute(";\n".join(statements))
    finally:
        connection.set_schema_to_public()


def template_store(statements: list[str]) -> TenantSchemaTemplate:
    template, _ = TenantSchemaTemplate.objects.get_or_create(
        fingerprint=migrations_fingerprint(), defaults={"statements": statements}
    )
    return template


def current_template() -> TenantSchemaTemplate | None:
    return TenantSchemaTemplate.objects.filter(fingerprint=migrations_fingerprint()).first()


def template_prepare() -> TenantSchemaTemplate:
    """Capture the script by migrating a scratch schema (``manage.py prepare_tenant_template``)."""
    scratch = "kp_template_scratch"
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{scratch}" CASCADE')
        _create_schema(scratch)
        statements = schema_migrate(scratch)
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{scratch}" CASCADE')
        TenantSchemaTemplate.objects.exclude(fingerprint=migrations_fingerprint()).delete()
        return template_store(statements)


# Spare schemas: empty tenant schemas built ahead of time from the current
# script. Their names carry the fingerprint of the migrations they were built
# from, so a spare from older code is never handed out (and is dropped on refill).
SPARE_PREFIX = "kp_spare_"
SPARE_POOL_SIZE = 3
# Serialises claiming spares (pg_advisory_xact_lock key: "KPSPARE" in ASCII).
_SPARE_LOCK = 0x4B50535041524500


def _spare_prefix() -> str:
    return f"{SPARE_PREFIX}{migrations_fingerprint()[:12]}_"


def _spare_names(*, current_only: bool) -> list[str]:
    pattern = (_spare_prefix() if current_only else SPARE_PREFIX).replace("_", r"\_") + "%"
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s ORDER BY nspname", [pattern])
        return [row[0] for row in cursor.fetchall()]


def spare_schemas_refill(*, size: int = SPARE_POOL_SIZE) -> int:
    """Top the pool of spare schemas up to ``size`` and drop spares of older migrations.

    Returns how many spares were built. Each spare is built in its own
    transaction by replaying the current script, so a new provider only has
    to rename one (``provider_provision``).
    """
    template = current_template()
    if template is None:
        return 0
    current = set(_spare_names(current_only=True))
    for stale in set(_spare_names(current_only=False)) - current:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{stale}" CASCADE')
    built = 0
    while len(current) + built < size:
        name = f"{_spare_prefix()}{uuid.uuid4().hex[:8]}"
        with transaction.atomic():
            _create_schema(name)
            schema_replay(name, template.statements)
        built += 1
    return built


def _spare_claim(schema_name: str) -> bool:
    """Rename a current spare schema to ``schema_name`` (inside the caller's transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SPARE_LOCK])
    spares = _spare_names(current_only=True)
    if not spares:
        return False
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER SCHEMA "{spares[0]}" RENAME TO "{schema_name}"')
    return True


def provider_domain_name(slug: str) -> str:
    return f"{slug}.{settings.PLATFORM_DOMAIN}"


def provider_provision(
    *,
    name: str,
    slug: str,
    sector: str = "other",
    kvk_number: str = "",
    city: str = "",
    disputes_body: DisputesBody | None = None,
    disputes_body_unmatched: str = "",
    fast: bool = True,
) -> Provider:
    """Create a provider, its schema (full and migrated) and its domain, in one transaction.

    Idempotent by slug: provisioning a slug that exists returns that provider.
    Fastest first: rename a spare schema built from the current migrations;
    else replay the prepared script when it matches the code's migrations;
    else migrate (capturing a fresh script for the next call). After commit
    the spare pool is topped up in the background.
    """
    existing = Provider.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    schema_name = Provider.schema_name_for(slug)
    database = cluster_for_new_provider()
    with transaction.atomic():
        provider = Provider(
            name=name,
            slug=slug,
            schema_name=schema_name,
            sector=sector,
            kvk_number=kvk_number,
            city=city,
            disputes_body=disputes_body,
            disputes_body_unmatched=disputes_body_unmatched,
            database=database,
        )
        provider.full_clean()
        provider.save()
        template = current_template() if fast else None
        # On another cluster the schema is made there and commits first (tenants.clusters);
        # the spare pool is the control database's.
        with cluster_active(database):
            if template is not None and database == CONTROL and _spare_claim(schema_name):
                path = "spare"
            elif template is not None:
                _create_schema(schema_name)
                schema_replay(schema_name, template.statements)
                path = "replay"
            else:
                _create_schema(schema_name)
                statements = schema_migrate(schema_name)
                if fast:
                    template_store(statements)
                path = "migrate"
            if database != CONTROL:
                provider_mirror(provider, database)
        Domain.objects.create(domain=provider_domain_name(slug), tenant=provider, is_primary=True)
        if path == "spare":
            outbox_enqueue(
                task_name="tenants.tasks.spare_schemas_refill_task", kwargs={}, schema_name="public"
            )
    log.info("provider_provisioned", provider_id=provider.pk, schema=schema_name, path=path, cluster=database)
    return provider
