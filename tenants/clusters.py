"""Tenant schemas on several PostgreSQL clusters (docs/SCALING.md, section 4).

A provider's schema lives in one cluster, named by ``Provider.database`` (an
alias in ``DATABASES``; ``settings.TENANT_CLUSTERS`` lists the extra ones). The
control database, ``default``, keeps the providers, accounts, billing, the case
index that the coordinators read and the outbox; it may hold tenant schemas too.

While a provider's schema is active (``schema_context``, ``tenant_context``,
the tenant host's middleware, a task stamped with its schema), the alias
``default`` points at the provider's cluster for this thread, so every
``transaction.atomic()``, ``connection`` and ORM query of dossier code runs
there unchanged. ``ClusterRouter`` sends the rest to ``control``:

- tenant models (the dossier), the cluster's copy of the case index and its
  outbox stay on the cluster, in one transaction with the dossier change;
- everything else (providers, users, billing, assignments) goes to the
  control database, in one transaction per scope, request or block that commits
  right after the cluster's (``cluster_active``, ``enter_cluster``).

The cluster's copy of the case index is written like the control one; a
trigger (``cluster_prepare``) records every change with its row version, and
``casework.index.replication`` applies the changes to the control database,
idempotently, keyed by case and version.

With no extra cluster configured nothing here switches anything: one database,
exactly as before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, cast

from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.db.models import Model
from django_tenants import utils as tenant_utils

CONTROL = "default"
CONTROL_WHILE_SWITCHED = "control"
# Models of the control database that live on a cluster too, written with the dossier:
# the case index's copy (replicated to control) and the cluster's outbox.
CLUSTER_LOCAL_MODELS = {("caseindex", "caseindex"), ("caseindex", "indexchange"), ("outbox", "outboxmessage")}
# How long a process trusts its schema -> cluster lookup (a move switches it; see move_provider).
CLUSTER_CACHE_TTL = 5.0

_schema_clusters: dict[str, tuple[tuple[str, str], float]] = {}


class _State(threading.local):
    def __init__(self) -> None:
        self.alias: str = CONTROL
        self.control: Any = None
        self.index_written: set[str] = set()
        # Migrating a cluster: every model there, shared ones included (its public schema).
        self.whole_cluster = False
        self.mover = False
        # The control transactions opened by enter_cluster, closed by leave_cluster.
        self.entered: list[Any] = []


_state = _State()


def clustered() -> bool:
    """True when tenant schemas may live outside the control database."""
    return bool(getattr(settings, "TENANT_CLUSTERS", None))


def cluster_aliases() -> list[str]:
    """Every database that may hold tenant schemas, the control database first."""
    return [CONTROL, *getattr(settings, "TENANT_CLUSTERS", {})]


def active_cluster() -> str:
    """The cluster whose connection ``default`` is in this thread (``default``: the control database)."""
    return _state.alias


def forget_schema_clusters() -> None:
    _schema_clusters.clear()


class ProviderMoving(OperationalError):
    """The provider's schema is being moved to another cluster: try again in a minute.

    An ``OperationalError``, so a request gets 503 with Retry-After (klachtpunt.errors)
    and a task retries (``TRANSIENT_ERRORS``), as while the database restarts.
    """


def _placement(schema_name: str) -> tuple[str, str]:
    """(cluster, the cluster it is moving to or "") of a schema, cached for ``CLUSTER_CACHE_TTL``."""
    hit = _schema_clusters.get(schema_name)
    now = time.monotonic()
    if hit is not None and now - hit[1] < CLUSTER_CACHE_TTL:
        return hit[0]
    from tenants.models import Provider

    found = (
        Provider.all_objects.using(control_alias())
        .filter(schema_name=schema_name)
        .values_list("database", "moving_to")
        .first()
    )
    placement = (found[0] or CONTROL, found[1]) if found else (CONTROL, "")
    _schema_clusters[schema_name] = (placement, now)
    return placement


def cluster_of_schema(schema_name: str) -> str:
    """The cluster holding ``schema_name`` (the control database for public and unknown schemas)."""
    if not clustered() or schema_name == tenant_utils.get_public_schema_name():
        return CONTROL
    return _placement(schema_name)[0]


def refuse_while_moving(schema_name: str) -> None:
    """Raise ``ProviderMoving`` when ``schema_name`` is being moved (the mover itself excepted)."""
    if not clustered() or _state.mover or schema_name == tenant_utils.get_public_schema_name():
        return
    if _placement(schema_name)[1]:
        raise ProviderMoving(f"schema {schema_name} is moving to another cluster")


@contextmanager
def as_mover() -> Iterator[None]:
    """The move itself works in the schema while others wait (casework.dossier.moving)."""
    before = _state.mover
    _state.mover = True
    try:
        yield
    finally:
        _state.mover = before


def moving_schemas() -> list[str]:
    """The schemas of providers being moved (the outbox holds their rows back meanwhile)."""
    if not clustered():
        return []
    from tenants.models import Provider

    return list(
        Provider.all_objects.using(control_alias())
        .exclude(moving_to="")
        .values_list("schema_name", flat=True)
    )


def control_alias() -> str:
    """The alias that reaches the control database from here (``control`` while switched)."""
    return CONTROL if _state.alias == CONTROL else CONTROL_WHILE_SWITCHED


def _point_default_at(alias: str) -> None:
    local = cast(Any, connections)._connections  # the thread's own connections (asgiref Local)
    if _state.alias == CONTROL:
        _state.control = connections[CONTROL]
    target = _state.control if alias == CONTROL else connections[alias]
    setattr(local, CONTROL_WHILE_SWITCHED, _state.control)
    setattr(local, CONTROL, target)
    _state.alias = alias


@contextmanager
def cluster_active(alias: str, *, control_transaction: bool = True) -> Iterator[None]:
    """Point ``default`` at ``alias`` in this thread for the block (nothing to do if it already is).

    - When the connection active before is inside a transaction, the block's work runs in
      one transaction of its own that commits at the end of the block, before the outer
      one: dossier statements never run one by one in autocommit.
    - On another cluster, what dossier code writes to the control database in the block
      (an assignment, a time entry) is one transaction too, committed at the end of the
      block, after the cluster's: a failure in the cluster's transaction undoes it. Not for
      migrations (``control_transaction=False``), whose workers fork.
    """
    previous = _state.alias
    if alias == previous:
        yield
        return
    outer_in_transaction = connections[CONTROL].in_atomic_block  # the connection "default" is now
    _point_default_at(alias)
    try:
        with ExitStack() as scope:
            if control_transaction and alias != CONTROL and not _state.control.in_atomic_block:
                scope.enter_context(transaction.atomic(using=CONTROL_WHILE_SWITCHED))
            if outer_in_transaction:
                scope.enter_context(transaction.atomic(using=CONTROL))  # "default": the newly active one
            yield
    finally:
        _point_default_at(previous)
    if alias != CONTROL:
        _replicate_after_commit(alias)


def _replicate_after_commit(alias: str) -> None:
    """After a cluster's index was written: replicate now, or when its open transaction commits."""
    if alias not in _state.index_written:
        return
    _state.index_written.discard(alias)
    if connections[alias].in_atomic_block:
        transaction.on_commit(lambda: _replicate_now(alias), using=alias)
    else:
        _replicate_now(alias)


def _replicate_now(alias: str) -> None:
    """Bring the control copy of the index up to date after a cluster's commit (best effort)."""
    from django.utils.module_loading import import_string

    import_string(settings.TENANT_CLUSTER_REPLICATOR)(alias, soon=True)


@contextmanager
def schema_context(schema_name: str, include_public: bool = True) -> Iterator[None]:
    """django-tenants' ``schema_context`` on the schema's own cluster."""
    alias = cluster_of_schema(schema_name) if clustered() else CONTROL
    refuse_while_moving(schema_name)
    with cluster_active(alias), tenant_utils.schema_context(schema_name, include_public=include_public):
        yield


@contextmanager
def tenant_context(tenant: Any) -> Iterator[None]:
    """django-tenants' ``tenant_context`` on the tenant's own cluster."""
    alias = cluster_of_schema(tenant.schema_name) if clustered() else CONTROL
    refuse_while_moving(tenant.schema_name)
    with cluster_active(alias), tenant_utils.tenant_context(tenant):
        yield


@contextmanager
def whole_cluster(alias: str) -> Iterator[None]:
    """``alias`` active for every model, the shared ones too (migrating a cluster's schemas)."""
    before = _state.whole_cluster
    with cluster_active(alias, control_transaction=False):
        _state.whole_cluster = alias != CONTROL
        try:
            yield
        finally:
            _state.whole_cluster = before


def enter_cluster(alias: str, *, control_transaction: bool = True) -> None:
    """Switch without a block (the tenant middleware and task hooks); ``leave_cluster`` undoes it.

    As in ``cluster_active``, what is written to the control database meanwhile is one
    transaction, committed (or, ``failed``, rolled back) by ``leave_cluster``. Not for
    Celery tasks: Celery's own hook, which runs after ours before every task, closes a
    connection it finds inside a transaction; a task's actions open their own scopes.
    """
    if alias == _state.alias:
        return
    _point_default_at(alias)
    control = None
    if control_transaction and alias != CONTROL and not _state.control.in_atomic_block:
        control = transaction.atomic(using=CONTROL_WHILE_SWITCHED)
        control.__enter__()
    _state.entered.append(control)


def leave_cluster(*, failed: bool = False, to: str = CONTROL) -> None:
    """Back to ``to`` (the control database) after ``enter_cluster``."""
    if _state.alias == to:
        return
    alias = _state.alias
    control = _state.entered.pop() if _state.entered else None
    try:
        if control is not None:
            error = RuntimeError("the request or task failed")
            control.__exit__(*((type(error), error, None) if failed else (None, None, None)))
    finally:
        _point_default_at(to)
    if alias != CONTROL:
        _replicate_after_commit(alias)


def cluster_for_new_provider() -> str:
    """The open cluster (``TENANT_CLUSTERS_OPEN``) holding the fewest providers."""
    open_clusters = list(getattr(settings, "TENANT_CLUSTERS_OPEN", None) or [CONTROL])
    if len(open_clusters) == 1 or not clustered():
        return str(open_clusters[0]) if clustered() else CONTROL
    from django.db.models import Count

    from tenants.models import Provider

    counts = dict(
        Provider.objects.using(control_alias())
        .filter(database__in=open_clusters)
        .values_list("database")
        .annotate(n=Count("id"))
        .values_list("database", "n")
    )
    return str(min(open_clusters, key=lambda alias: (counts.get(alias, 0), open_clusters.index(alias))))


def provider_mirror(provider: Any, alias: str) -> None:
    """Copy the provider's row into ``alias``'s public schema (the index copy's joins need it).

    The cluster's copy has no foreign keys (``cluster_prepare``); the control row stays the one
    that counts.
    """
    from tenants.models import Provider

    values = {f.attname: getattr(provider, f.attname) for f in Provider._meta.concrete_fields}
    rows = Provider.all_objects.using(alias).filter(pk=provider.pk)
    if not rows.update(**{k: v for k, v in values.items() if k != "id"}):
        Provider.all_objects.using(alias).bulk_create([Provider(**values)])


def _key(model: type[Model]) -> tuple[str, str]:
    return (model._meta.app_label, model._meta.model_name or "")


class ClusterRouter:
    """While a cluster is active: dossier, index copy and outbox there, the rest to the control database."""

    def _route(self, model: type[Model], *, write: bool) -> str | None:
        alias = _state.alias
        if alias == CONTROL or _state.whole_cluster:
            return None
        if model._meta.app_label in _tenant_app_labels() or _key(model) in CLUSTER_LOCAL_MODELS:
            if write and _key(model) == ("caseindex", "caseindex"):
                _state.index_written.add(alias)
            return CONTROL  # the switched "default": the cluster
        return CONTROL_WHILE_SWITCHED

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        return self._route(model, write=False)

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        return self._route(model, write=True)

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        return True if clustered() else None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        # The control alias is the default database under a second name: never migrated twice.
        if db == CONTROL_WHILE_SWITCHED:
            return False
        if db in getattr(settings, "TENANT_CLUSTERS", {}):
            # django-tenants' router refuses every database but one; a cluster is migrated like it.
            from django_tenants.routers import TenantSyncRouter

            public = (
                getattr(connections[db], "schema_name", "public") == tenant_utils.get_public_schema_name()
            )
            apps_list = settings.SHARED_APPS if public else settings.TENANT_APPS
            return bool(TenantSyncRouter().app_in_list(app_label, apps_list))
        return None


_labels: set[str] = set()


def _tenant_app_labels() -> set[str]:
    if not _labels:
        from django.apps import apps

        for name in settings.TENANT_APPS:
            if name not in settings.SHARED_APPS:
                _labels.update(c.label for c in apps.get_app_configs() if c.name == name)
    return _labels
