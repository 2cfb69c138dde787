"""The case index of providers on other clusters, brought to the control database.

On a cluster (``tenants.clusters``) dossier code writes the cluster's own copy of
the case index, in the dossier's transaction. Triggers installed by
``cluster_prepare`` raise the row's ``version`` on every update and record the
change (the columns that changed) in ``IndexChange``, in that same transaction,
whatever the write path (``save``, ``update``, ``update_or_create``, raw SQL).

``replicate_cluster`` applies the recorded changes to the control database in
order, one relay per cluster at a time (an advisory lock), and deletes them once
the control database has committed them. Applying is idempotent, keyed by case
row and version: a change is taken only when it is newer than the control row,
so a change sent twice (a relay that died between the two commits) is a no-op.
Columns the control side writes itself (a coordinator's flag) are kept, since a
change carries only the columns that changed.

Row ids are the same in both copies: each cluster's id sequence starts in a range
of its own (``ID_RANGE`` per cluster), so a control row read by id is the row
the cluster changes.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

import structlog
from django.db import connections, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from casework.index.models import CaseIndex, IndexChange
from tenants.clusters import CONTROL, cluster_aliases, control_alias

log = structlog.get_logger(__name__)

ID_RANGE = 10**12
RELAY_LOCK = 0x6B70_1DC5  # pg_try_advisory_xact_lock key: one relay per cluster at a time

_INDEX = CaseIndex._meta.db_table
_CHANGES = IndexChange._meta.db_table

TRIGGERS_SQL = f"""
CREATE OR REPLACE FUNCTION klachtpunt_index_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION klachtpunt_index_capture() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed jsonb;
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO public.{_CHANGES} (row_id, provider_id, version, op, changed, created_at)
        VALUES (OLD.id, OLD.provider_id, OLD.version + 1, 'D', NULL, now());
        RETURN OLD;
    END IF;
    IF TG_OP = 'INSERT' THEN
        changed := to_jsonb(NEW);
    ELSE
        SELECT jsonb_object_agg(n.key, n.value) INTO changed
        FROM jsonb_each(to_jsonb(NEW)) AS n
        WHERE to_jsonb(OLD) -> n.key IS DISTINCT FROM n.value;
    END IF;
    INSERT INTO public.{_CHANGES} (row_id, provider_id, version, op, changed, created_at)
    VALUES (NEW.id, NEW.provider_id, NEW.version, left(TG_OP, 1), changed, now());
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS klachtpunt_index_version ON public.{_INDEX};
CREATE TRIGGER klachtpunt_index_version BEFORE UPDATE ON public.{_INDEX}
    FOR EACH ROW EXECUTE FUNCTION klachtpunt_index_version();
DROP TRIGGER IF EXISTS klachtpunt_index_capture ON public.{_INDEX};
CREATE TRIGGER klachtpunt_index_capture AFTER INSERT OR UPDATE OR DELETE ON public.{_INDEX}
    FOR EACH ROW EXECUTE FUNCTION klachtpunt_index_capture();
"""  # noqa: S608  # nosec B608


_SEQUENCE_FLOOR = (
    "SELECT setval(pg_get_serial_sequence(%s, 'id'),"  # noqa: S608
    f" GREATEST((SELECT COALESCE(max(id), 0) FROM public.{_INDEX}), %s))"  # nosec B608
)


def cluster_prepare(alias: str) -> None:
    """Make a migrated cluster's public schema ready to hold index copies (idempotent).

    - the index triggers;
    - the index's id sequence in the cluster's own range;
    - no foreign keys out of the copy and the provider rows: users, providers'
      disputes bodies and the like live in the control database only.
    """
    if alias == CONTROL:
        raise ValueError("the control database holds the index itself, not a copy")
    position = cluster_aliases().index(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute("SET search_path TO public")
        cursor.execute(
            """
            SELECT conrelid::regclass::text, conname FROM pg_constraint
            WHERE contype = 'f' AND connamespace = 'public'::regnamespace
              AND conrelid IN (%s::regclass, 'tenants_provider'::regclass)
            """,
            [_INDEX],
        )
        for table, name in cursor.fetchall():
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')  # names from pg_constraint
        cursor.execute(TRIGGERS_SQL)
        cursor.execute(_SEQUENCE_FLOOR, [_INDEX, position * ID_RANGE])


# The statements name only our own tables and columns (model metadata), never input.
_COLUMNS = [field.column for field in CaseIndex._meta.concrete_fields]
_NAMES = ", ".join(_COLUMNS)
_INSERT = (
    f"INSERT INTO {_INDEX} ({_NAMES}) SELECT {_NAMES} FROM jsonb_populate_record(NULL::{_INDEX}, %s)"  # noqa: S608  # nosec B608
    " ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c != "id")
    + f" WHERE {_INDEX}.version < EXCLUDED.version"
)
_DELETE = f"DELETE FROM {_INDEX} WHERE id = %s AND version < %s"  # noqa: S608  # nosec B608
_PENDING = f"SELECT count(*), min(created_at) FROM public.{_CHANGES}"  # noqa: S608  # nosec B608


def _update(keys: list[str]) -> str:
    sets = ", ".join([*(f"{c} = r.{c}" for c in keys), "version = %s"])
    return (
        f"UPDATE {_INDEX} AS t SET {sets} FROM jsonb_populate_record(NULL::{_INDEX}, %s) AS r"  # noqa: S608  # nosec B608
        " WHERE t.id = %s AND t.version < %s"
    )


def _apply(cursor: CursorWrapper, change: IndexChange) -> bool:
    """Apply one change to the control copy; False when the control row is as new or newer."""
    if change.op == "D":
        cursor.execute(_DELETE, [change.row_id, change.version])
    elif change.op == "I":
        cursor.execute(_INSERT, [json.dumps(change.changed)])
    else:
        data = change.changed or {}
        keys = [c for c in _COLUMNS if c in data and c not in ("id", "version")]
        cursor.execute(_update(keys), [change.version, json.dumps(data), change.row_id, change.version])
    return bool(cursor.rowcount > 0)


def replicate_cluster(alias: str, *, soon: bool = False, limit: int = 2000) -> int:
    """Apply a cluster's pending index changes to the control database; return how many were taken.

    ``soon``: called right after a dossier's commit; a failure is logged and left to the
    next run (Celery beat runs ``replicate_clusters`` every few seconds).
    """
    if alias == CONTROL:
        return 0
    try:
        return _replicate(alias, limit=limit)
    except Exception as exc:
        if not soon:
            raise
        log.warning("index_replication_deferred", cluster=alias, error=type(exc).__name__)
        return 0


def _replicate(alias: str, *, limit: int) -> int:
    taken = 0
    control = control_alias()
    while True:
        with transaction.atomic(using=alias):
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [RELAY_LOCK])
                if not cursor.fetchone()[0]:
                    return taken  # another relay is at it, in order
            changes = list(IndexChange.objects.using(alias).order_by("id")[:limit])
            if not changes:
                return taken
            with transaction.atomic(using=control), connections[control].cursor() as cursor:
                applied = sum(_apply(cursor, change) for change in changes)
            IndexChange.objects.using(alias).filter(id__in=[c.id for c in changes]).delete()
        taken += len(changes)
        log.info("index_replicated", cluster=alias, changes=len(changes), applied=applied)
        if len(changes) < limit:
            return taken


def replicate_clusters() -> int:
    """Every cluster's pending changes (Celery beat and ``manage.py replicate_index``)."""
    return sum(replicate_cluster(alias) for alias in cluster_aliases()[1:])


@dataclass(frozen=True)
class Freshness:
    """How far the control copy of one cluster's index is behind."""

    cluster: str
    pending: int
    oldest: datetime.datetime | None
    reachable: bool = True

    @property
    def lag_seconds(self) -> float:
        if self.oldest is None:
            return 0.0
        return max(0.0, (timezone.now() - self.oldest).total_seconds())


def index_freshness() -> list[Freshness]:
    """Per cluster: changes not yet in the control database, and the age of the oldest."""
    found = []
    for alias in cluster_aliases()[1:]:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute(_PENDING)
                pending, oldest = cursor.fetchone()
        except Exception as exc:
            log.warning("index_freshness_unknown", cluster=alias, error=type(exc).__name__)
            found.append(Freshness(alias, 0, None, reachable=False))
            continue
        found.append(Freshness(alias, pending, oldest))
    return found
