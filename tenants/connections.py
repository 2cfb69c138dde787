"""Reconnect after a connection has worked in many tenant schemas.

A PostgreSQL backend caches the catalogue entries and relation descriptors of
every table it has touched, and never gives them back: one connection that read
one table in each of 5,000 schemas grew from 19 MB to 518 MB resident. Workers
keep their connection between tasks, so a sweep that runs one task per provider
(retention, and whatever fans out like it) would leave every worker connection
that large. ``connection_recycle_after`` counts the distinct tenant schemas this
process's connection has worked in and closes it after
``TENANT_CONNECTION_RECYCLE_EVERY`` (200) of them; the next query opens a
fresh, small backend. tenants/celery_hooks.py calls it after every task;
``migrate_schemas --executor=parallel`` does the same per migration process.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django_tenants.utils import get_public_schema_name

_seen: set[str] = set()


def recycle_every() -> int:
    return max(1, int(getattr(settings, "TENANT_CONNECTION_RECYCLE_EVERY", 200)))


def connection_recycle_after(schema_name: str | None, *, every: int | None = None) -> bool:
    """Note that the connection worked in ``schema_name``; close it after ``every`` distinct schemas.

    Returns True when it closed the connection. Never inside a transaction: the
    count carries on and the connection is closed at the next chance.
    """
    if not schema_name or schema_name == get_public_schema_name():
        return False
    _seen.add(schema_name)
    if len(_seen) < (every or recycle_every()) or connection.in_atomic_block:
        return False
    connection.close()
    _seen.clear()
    return True
