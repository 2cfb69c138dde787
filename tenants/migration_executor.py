"""``migrate_schemas --executor=parallel``: every tenant migrated, none able to stop the others.

django-tenants' own executors run Django's ``migrate`` once per schema. Three
costs and one risk grow with the tenant count, and this executor removes them:

- **System checks once, not per tenant.** ``migrate`` runs the whole check
  framework every time it starts; here the checks run once before the fan-out
  and each tenant's ``migrate`` runs with ``skip_checks``.
- **"Does django_migrations exist?" by index.** Django lists every table on the
  search path to answer it (a scan of the whole catalogue, four to five times
  per tenant); the product's database backend (tenants/postgresql_backend)
  lists only the current schema's tables, through two index scans.
- **One tenant's failure no longer stops the run.** django-tenants' pool
  aborts on the first exception, leaving the rest unmigrated. Here each tenant
  is attempted; a failure is caught, reported with its error, and the run ends
  with the list of failed tenants and a non-zero exit.
- **Progress while it runs**: tenants done, rate, time left, failures so far.

Tenants whose ``django_migrations`` records migrations this code does not
know (the schema is *ahead*: newer code migrated it, then the release was
rolled back) are migrated as usual and listed at the end. With ``--check``,
tenants with unapplied migrations (*behind*) are listed and the exit is non-zero.

Worker processes are forked (the app registry and settings are inherited,
as django-tenants' multiprocessing executor does) and each closes its database
connection every ``TENANT_CONNECTION_RECYCLE_EVERY`` tenants, so no backend
accumulates the relation caches of thousands of schemas.
"""

from __future__ import annotations

import io
import multiprocessing
import sys
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.migration_executors.base import MigrationExecutor, run_migrations
from django_tenants.utils import get_tenant_base_migrate_command_class

from tenants.connections import recycle_every

# Seconds between progress lines (and always at the first and last tenant).
PROGRESS_EVERY_S = 5.0


@dataclass
class TenantResult:
    schema: str
    status: str  # "migrated", "current", "behind" (--check) or "failed"
    applied: int = 0
    ahead: list[str] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0


@dataclass
class RunSummary:
    results: list[TenantResult]
    seconds: float

    def with_status(self, status: str) -> list[TenantResult]:
        return [r for r in self.results if r.status == status]

    @property
    def ahead(self) -> list[TenantResult]:
        return [r for r in self.results if r.ahead]


def _known_migrations() -> tuple[set[str], set[tuple[str, str]]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return set(loader.migrated_apps), set(loader.disk_migrations)


# Set in the parent before forking; the workers inherit them.
_STATE: dict[str, Any] = {}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def _recorded(connection: Any) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        return {(app, name) for app, name in cursor.fetchall()}


def migrate_one(schema: str) -> TenantResult:
    """Migrate one tenant schema; never raises (the error goes into the result)."""
    args, options, alias = _STATE["args"], _STATE["options"], _STATE["alias"]
    apps_known, on_disk = _STATE["apps"], _STATE["on_disk"]
    connection = connections[alias]
    started = time.perf_counter()
    result = TenantResult(schema=schema, status="current")
    try:
        # As django-tenants does: create this schema's django_migrations before
        # migrate looks, or it would find public's through the search path.
        connection.set_schema(schema, include_public=False)
        MigrationRecorder(connection).ensure_schema()
        connection.set_schema(schema)
        before = _recorded(connection)
        result.ahead = sorted(f"{a}.{n}" for a, n in before if a in apps_known and (a, n) not in on_disk)
        output = io.StringIO()
        command = get_tenant_base_migrate_command_class()(stdout=output, stderr=output)
        try:
            command.execute(*args, **{**options, "skip_checks": True})
        except SystemExit as exit_:  # migrate --check exits 1 when migrations are unapplied
            if exit_.code:
                result.status = "behind"
        if result.status != "behind":
            result.applied = len(_recorded(connection) - before)
            result.status = "migrated" if result.applied else "current"
    except Exception as exc:  # one tenant's failure is reported, the others carry on
        result.status = "failed"
        result.error = _first_line(exc)
    finally:
        _STATE["done"] = _STATE.get("done", 0) + 1
        if result.status == "failed" or _STATE["done"] % _STATE["recycle_every"] == 0:
            # A failure may leave the connection in a broken transaction; and a
            # connection that visited many schemas holds their relation caches.
            connection.close()
        else:
            connection.set_schema_to_public()
    result.seconds = time.perf_counter() - started
    return result


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class ProgressPrinter:
    def __init__(self, total: int, stream: TextIO, every_s: float = PROGRESS_EVERY_S) -> None:
        self.total, self.stream, self.every_s = total, stream, every_s
        self.started = time.perf_counter()
        self.last = 0.0
        self.done = self.failed = 0

    def update(self, result: TenantResult) -> None:
        self.done += 1
        self.failed += result.status == "failed"
        if result.status == "failed":
            self.stream.write(f"[migrate] {result.schema} FAILED: {result.error}\n")
        now = time.perf_counter()
        if self.done in (1, self.total) or now - self.last >= self.every_s:
            self.last = now
            elapsed = now - self.started
            rate = self.done / elapsed if elapsed > 0 else 0.0
            left = (self.total - self.done) / rate if rate > 0 else 0.0
            self.stream.write(
                f"[migrate] {self.done}/{self.total} tenants, {rate:.1f}/s, "
                f"elapsed {_duration(elapsed)}, about {_duration(left)} left, {self.failed} failed\n"
            )
        self.stream.flush()


def print_summary(summary: RunSummary, stream: TextIO) -> None:
    migrated, current = summary.with_status("migrated"), summary.with_status("current")
    behind, failed = summary.with_status("behind"), summary.with_status("failed")
    stream.write(
        f"[migrate] {len(summary.results)} tenants in {_duration(summary.seconds)}: "
        f"{len(migrated)} migrated ({sum(r.applied for r in migrated)} migrations), "
        f"{len(current)} already current, {len(behind)} behind, {len(failed)} failed, "
        f"{len(summary.ahead)} ahead of this code\n"
    )
    for result in behind:
        stream.write(f"[migrate] behind (unapplied migrations): {result.schema}\n")
    for result in summary.ahead:
        recorded = ", ".join(result.ahead)
        stream.write(f"[migrate] ahead (recorded, not in this code): {result.schema}: {recorded}\n")
    for result in failed:
        stream.write(f"[migrate] failed: {result.schema}: {result.error}\n")
    stream.flush()


class ParallelExecutor(MigrationExecutor):
    """Checks once, migrates tenants in forked processes, reports every outcome."""

    codename = "parallel"

    def run_migrations(self, tenants: Any = None) -> None:
        tenants = list(tenants or [])
        if self.PUBLIC_SCHEMA_NAME in tenants:
            # The public schema first, in this process and with its checks, as django-tenants does.
            run_migrations(self.args, self.options, self.codename, self.PUBLIC_SCHEMA_NAME)
            tenants.remove(self.PUBLIC_SCHEMA_NAME)
        if tenants:
            summary = self.migrate_tenants(tenants, stream=sys.stdout)
            if summary.with_status("failed") or summary.with_status("behind"):
                failed, behind = len(summary.with_status("failed")), len(summary.with_status("behind"))
                raise CommandError(f"{failed} tenant(s) failed, {behind} behind; see the list above")

    def run_multi_type_migrations(self, tenants: Any) -> None:
        raise NotImplementedError("Klachtpunt has one tenant type")

    def migrate_tenants(self, tenants: list[str], *, stream: TextIO) -> RunSummary:
        alias = self.options.get("database") or self.TENANT_DB_ALIAS
        if not self.options.get("skip_checks"):
            # Once for the whole run; raises SystemCheckError on an error, before any tenant.
            BaseCommand().check(databases=[alias])
        apps_known, on_disk = _known_migrations()
        options = {**self.options, "verbosity": 0}
        _STATE.clear()
        _STATE.update(
            args=self.args,
            options=options,
            alias=alias,
            apps=apps_known,
            on_disk=on_disk,
            recycle_every=recycle_every(),
        )
        processes = max(1, int(getattr(settings, "TENANT_MULTIPROCESSING_MAX_PROCESSES", 2)))
        processes = min(processes, len(tenants))
        progress = ProgressPrinter(len(tenants), stream)
        started = time.perf_counter()
        results: list[TenantResult] = []
        # Forked children must not share the parent's open socket.
        connections[alias].close()
        if processes == 1:
            for schema in tenants:
                results.append(migrate_one(schema))
                progress.update(results[-1])
        else:
            context = multiprocessing.get_context("fork")
            with context.Pool(processes=processes) as pool:
                for result in pool.imap_unordered(migrate_one, tenants, chunksize=4):
                    results.append(result)
                    progress.update(result)
        summary = RunSummary(results=results, seconds=time.perf_counter() - started)
        print_summary(summary, stream)
        return summary
