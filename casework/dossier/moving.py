"""Moving a provider's schema to another cluster (``manage.py move_provider``; tenants.clusters).

The steps, each of which a test checks (tests/clusters/test_move.py):

1. **Maintenance.** ``Provider.moving_to`` is set. For ``MOVE_SETTLE_SECONDS`` (longer than
   any process keeps a provider's placement cached) new work is held back: the provider's
   pages and the coordinators' dossier pages answer 503 with Retry-After, its tasks retry,
   and the complaint form and intake API hold what comes in (casework.intake.holding).
2. **Copy.** Writes to the schema wait on SHARE locks (work already under way finishes
   first); ``pg_dump -n`` of the schema is restored with ``pg_restore`` on the target; the
   provider's case-index rows (ids and versions kept) and its unsent outbox rows go along.
3. **Verify.** Every table's row count and content digest, and the number of index rows,
   must be the same on both sides; otherwise the copy is dropped and the move undone.
4. **Switch.** ``Provider.database`` names the target; the locks are released.
5. Held complaints are filed on the target, maintenance ends (``moving_to`` cleared after
   another settle, so no process still routes to the source), the side effects that waited
   are sent (the outbox holds a moving provider's rows back), late complaints are filed too.
6. **Later**, ``move_provider --drop-source`` removes the old schema, its index copy and
   the provider's mirror row from the old cluster.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from django.db import connections, transaction

from casework.dossier.backup import _qualified, pg_dump_schema, pg_restore_dump, schema_tables, table_figures
from casework.index.models import CaseIndex, IndexChange
from casework.index.replication import replicate_cluster
from outbox.models import OutboxMessage
from outbox.services import outbox_relay
from tenants.clusters import (
    CLUSTER_CACHE_TTL,
    CONTROL,
    cluster_aliases,
    forget_schema_clusters,
    provider_mirror,
)
from tenants.models import Provider

log = structlog.get_logger(__name__)

# Longer than a process trusts its cached placement of a schema (tenants.clusters).
MOVE_SETTLE_SECONDS = CLUSTER_CACHE_TTL + 1.0
_INDEX = CaseIndex._meta.db_table


class MoveError(Exception):
    """The move cannot start, or its copy does not match; nothing was switched."""


@dataclass
class MoveReport:
    slug: str
    source: str
    target: str
    tables: dict[str, int] = field(default_factory=dict)
    index_rows: int = 0
    outbox_rows: int = 0
    seconds: float = 0.0


def move_begin(provider: Provider, target: str) -> str:
    """Check the move and start maintenance; return the source cluster."""
    if target not in cluster_aliases():
        raise MoveError(f"unknown cluster {target!r}; clusters: {', '.join(cluster_aliases())}")
    source = provider.database
    if target == source:
        raise MoveError(f"{provider.slug} already lives on {target}")
    if not Provider.objects.filter(pk=provider.pk, moving_to="").update(moving_to=target):
        raise MoveError(f"{provider.slug} is being moved already; finish or undo that move first")
    forget_schema_clusters()
    log.info("provider_move_started", provider_id=provider.pk, source=source, target=target)
    return source


def move_undo(provider: Provider) -> None:
    """End maintenance without switching (the copy failed its check)."""
    Provider.objects.filter(pk=provider.pk).update(moving_to="")
    forget_schema_clusters()


def _index_rows(alias: str, provider_id: int) -> list[str]:
    with connections[alias].cursor() as cursor:
        cursor.execute(
            f"SELECT to_jsonb(t)::text FROM public.{_INDEX} AS t WHERE provider_id = %s ORDER BY id",  # noqa: S608  # nosec B608
            [provider_id],
        )
        return [str(row[0]) for row in cursor.fetchall()]


def _index_count(alias: str, provider_id: int) -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM public.{_INDEX} WHERE provider_id = %s", [provider_id])  # noqa: S608  # nosec B608
        return int(cursor.fetchone()[0])


def _copy_index(provider: Provider, source: str, target: str) -> int:
    """The provider's index rows onto the target's copy (the control database holds them already)."""
    if target == CONTROL:
        return _index_count(CONTROL, provider.pk)
    rows = _index_rows(source, provider.pk)
    with transaction.atomic(using=target), connections[target].cursor() as cursor:
        for row in rows:
            cursor.execute(
                f"INSERT INTO public.{_INDEX} SELECT * FROM jsonb_populate_record(NULL::public.{_INDEX}, %s)"  # noqa: S608  # nosec B608
                " ON CONFLICT (id) DO NOTHING",
                [row],
            )
        # The copy's trigger recorded these as new rows: the control database has them already.
        IndexChange.objects.using(target).filter(provider_id=provider.pk, op="I").delete()
    return len(rows)


def _move_outbox(schema: str, source: str, target: str) -> int:
    """Unsent outbox rows of the schema go with it; called inside the source's transaction."""
    pending = list(OutboxMessage.objects.using(source).filter(schema_name=schema, sent_at__isnull=True))
    OutboxMessage.objects.using(target).bulk_create(
        OutboxMessage(
            schema_name=m.schema_name,
            task_name=m.task_name,
            kwargs=m.kwargs,
            available_at=m.available_at,
            attempts=m.attempts,
            last_error=m.last_error,
        )
        for m in pending
    )
    OutboxMessage.objects.using(source).filter(pk__in=[m.pk for m in pending]).delete()
    return len(pending)


def _drop_schema(alias: str, schema: str) -> None:
    with connections[alias].cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def move_copy(provider: Provider, source: str, target: str) -> MoveReport:
    """Copy, verify and switch (steps 2 to 4); on a mismatch the copy is dropped and MoveError raised."""
    started = time.perf_counter()
    schema = provider.schema_name
    report = MoveReport(slug=provider.slug, source=source, target=target)
    with connections[target].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
        if cursor.fetchone():
            raise MoveError(f"schema {schema} exists on {target} already (an earlier move's copy?)")
    replicate_cluster(source)  # nothing of the provider's index waits on the source
    with transaction.atomic(using=source):
        with connections[source].cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            for table in schema_tables(schema, source):
                # Names from information_schema, quoted: not user input.
                cursor.execute("LOCK TABLE " + _qualified(schema, table) + " IN SHARE MODE")
        with tempfile.TemporaryDirectory(prefix="kp-move-") as folder:
            dump = Path(folder) / "schema.dump"
            pg_dump_schema(schema, dump, source)
            pg_restore_dump(dump, target)
        before, after = table_figures(schema, source), table_figures(schema, target)
        if target != CONTROL:
            provider_mirror(Provider.objects.get(pk=provider.pk), target)
        report.index_rows = _copy_index(provider, source, target)
        expected = _index_count(source, provider.pk)
        if before != after or report.index_rows != expected or _index_count(target, provider.pk) != expected:
            wrong = sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))
            _drop_schema(target, schema)
            raise MoveError(f"the copy on {target} differs from the source: tables {wrong}, index rows")
        report.tables = {table: figures["rows"] for table, figures in after.items()}
        report.outbox_rows = _move_outbox(schema, source, target)
        Provider.objects.filter(pk=provider.pk).update(database=target)
    forget_schema_clusters()
    report.seconds = time.perf_counter() - started
    log.info(
        "provider_move_switched",
        provider_id=provider.pk,
        source=source,
        target=target,
        tables=len(report.tables),
        index_rows=report.index_rows,
    )
    return report


def move_finish(provider: Provider, *, file_held: Callable[[Provider], int], settle: float) -> int:
    """Step 5: end maintenance after ``settle`` seconds and file what was held (before and after)."""
    provider = Provider.objects.get(pk=provider.pk)
    filed = file_held(provider)
    time.sleep(settle)
    Provider.objects.filter(pk=provider.pk).update(moving_to="")
    forget_schema_clusters()
    # What waited meanwhile (the held complaints' acknowledgements, the rows that came along).
    outbox_relay(using=None if provider.database == CONTROL else provider.database)
    time.sleep(settle)
    filed += file_held(provider)
    log.info("provider_move_finished", provider_id=provider.pk, held_filed=filed)
    return filed


def move_drop_source(provider: Provider, old: str) -> None:
    """Step 6: remove what stayed behind on ``old`` after a finished move."""
    provider = Provider.objects.get(pk=provider.pk)
    if provider.database == old or provider.moving_to:
        raise MoveError(f"{provider.slug} lives on {provider.database}; {old} still holds or gets its schema")
    _drop_schema(old, provider.schema_name)
    if old == CONTROL:
        return  # the control database's index rows are the index itself
    with transaction.atomic(using=old):
        CaseIndex.every_kind.using(old).filter(provider_id=provider.pk).delete()
        # The copy's trigger recorded the deletes; the control rows are the target's now.
        IndexChange.objects.using(old).filter(provider_id=provider.pk).delete()
        OutboxMessage.objects.using(old).filter(schema_name=provider.schema_name).delete()
        Provider.all_objects.using(old).filter(pk=provider.pk).delete()
    log.info("provider_move_source_dropped", provider_id=provider.pk, cluster=old)
