"""``migrate_schemas --executor=parallel``: every tenant migrated, none able to stop the others.

django-tenants' own executors run Django's ``migrate`` once per schema. Three
costs and one risk grow with the tenant count, and this executor removes them:

- **The migration graph and the project state once, not per tenant.** Django's
  ``migrate`` builds the graph and renders every model of the project (twice)
  for each schema, about 80% of a tenant's migration time and the same for
  every tenant at the same migrations. Here the plan and the rendered state
  are kept per set of applied migrations, and each tenant gets a cheap clone
  (``_Plans``); the pre- and post-migrate signals are still sent. Options that
  change what migrate does (an app label or target, ``--plan``, ``--prune``,
  ``--run-syncdb``) take Django's own command per tenant instead.
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


# Options for which the per-tenant fast path is not used: Django's migrate command runs instead.
_SLOW_PATH_OPTIONS = ("app_label", "migration_name", "plan", "prune", "run_syncdb")


class _Plans:
    """Per process: one migration loader, and per set of applied migrations its plan and rendered state.

    Django's ``migrate`` builds the migration graph and renders every model of
    the project (twice) for each schema: about 80% of a tenant's migration
    time, all of it the same for tenants at the same migrations. Here that
    happens once per distinct set of applied migrations (nearly always one).
    """

    def __init__(self, connection: Any) -> None:
        from django.db.migrations.executor import MigrationExecutor as DjangoExecutor

        self.executor = DjangoExecutor(connection)
        self.targets = self.executor.loader.graph.leaf_nodes()
        self.by_applied: dict[Any, tuple[list[Any], Any]] = {}

    def for_applied(self, applied: dict[tuple[str, str], Any]) -> tuple[list[Any], Any]:
        key = frozenset(applied)
        if key not in self.by_applied:
            self.executor.loader.applied_migrations = applied
            plan = self.executor.migration_plan(self.targets)
            # Django's own step in migrate (private, stable since 1.8; not in the type stubs).
            state = self.executor._create_project_state(with_applied_migrations=True)  # type: ignore[attr-defined]
            state.apps  # noqa: B018 - render once; each tenant gets a cheap clone
            self.by_applied[key] = (plan, state)
        return self.by_applied[key]


def _fast_path_ok(options: dict[str, Any]) -> bool:
    return not any(options.get(name) for name in _SLOW_PATH_OPTIONS)


def _migrate_fast(connection: Any, options: dict[str, Any], result: TenantResult) -> None:
    """What ``migrate`` does for one schema, with the graph and the project state shared between tenants."""
    from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal

    if _STATE.get("plans") is None:
        _STATE["plans"] = _Plans(connection)
    plans: _Plans = _STATE["plans"]
    executor = plans.executor
    executor.connection = connection
    executor.loader.connection = connection
    # A recorder per schema: it remembers that django_migrations exists.
    executor.recorder = MigrationRecorder(connection)
    applied: dict[tuple[str, str], Any] = executor.recorder.applied_migrations()
    result.ahead = sorted(
        f"{a}.{n}" for a, n in applied if a in _STATE["apps"] and (a, n) not in _STATE["on_disk"]
    )
    executor.loader.applied_migrations = applied
    executor.loader.check_consistent_history(connection)
    plan, state = plans.for_applied(applied)
    if options.get("check_unapplied"):
        result.status = "behind" if plan else "current"
        return
    verbosity, interactive = 0, False
    emit_pre_migrate_signal(verbosity, interactive, connection.alias, apps=state.apps, plan=plan)
    post_state = executor.migrate(
        plans.targets,
        plan=plan,
        state=state.clone(),
        fake=options.get("fake", False),
        fake_initial=options.get("fake_initial", False),
    )
    # The state after the same plan from the same migrations is the same: render it once.
    key = ("post", frozenset(applied))
    if key not in plans.by_applied:
        post_state.clear_delayed_apps_cache()
        plans.by_applied[key] = (plan, post_state.apps)
    post_apps = plans.by_applied[key][1]
    emit_post_migrate_signal(verbosity, interactive, connection.alias, apps=post_apps, plan=plan)
    result.applied = len(plan)
    result.status = "migrated" if plan else "current"


def _migrate_with_django(connection: Any, args: Any, options: dict[str, Any], result: TenantResult) -> None:
    before = _recorded(connection)
    result.ahead = sorted(
        f"{a}.{n}" for a, n in before if a in _STATE["apps"] and (a, n) not in _STATE["on_disk"]
    )
    output = io.StringIO()
    command = get_tenant_base_migrate_command_class()(stdout=output, stderr=output)
    try:
        command.execute(*args, **{**options, "skip_checks": True})
    except SystemExit as exit_:  # migrate --check exits 1 when migrations are unapplied
        if exit_.code:
            result.status = "behind"
            return
    result.applied = len(_recorded(connection) - before)
    result.status = "migrated" if result.applied else "current"


def migrate_one(schema: str) -> TenantResult:
    """Migrate one tenant schema; never raises (the error goes into the result)."""
    args, options, alias = _STATE["args"], _STATE["options"], _STATE["alias"]
    connection: Any = connections[alias]  # django-tenants' wrapper: set_schema() and friends
    started = time.perf_counter()
    result = TenantResult(schema=schema, status="current")
    try:
        # As django-tenants does: create this schema's django_migrations before
        # migrate looks, or it would find public's through the search path.
        connection.set_schema(schema, include_public=False)
        MigrationRecorder(connection).ensure_schema()
        connection.set_schema(schema)
        if _fast_path_ok(options):
            _migrate_fast(connection, options, result)
        else:
            _migrate_with_django(connection, args, options, result)
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


class ParallelExecutor(MigrationExecutor):  # type: ignore[misc]  # django-tenants is untyped
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
            plans=None,
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
