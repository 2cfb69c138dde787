"""Refuse to run behind a connection pooler in transaction or statement mode.

django-tenants selects a provider's schema with ``SET search_path`` on the
connection, and with ``TENANT_LIMIT_SET_CALLS`` skips repeating it while it
believes the connection is unchanged. Behind PgBouncer in transaction mode the
next transaction may run on another server connection, one whose search path
another client set: a request could read or write *another provider's
schema*. Session mode keeps one server connection per client, which is what
the code assumes (docs/SCALING.md, section 2).

The probe needs no access to PgBouncer's admin console: it opens two client
connections. A runs one statement and finishes its transaction; B then opens
a transaction and keeps it. Directly on PostgreSQL, or through a pooler in
session mode, A and B always have server processes of their own. In
transaction mode A's server connection went back to the pool when its
transaction ended, so B is given it (PgBouncer reuses the most recently freed
one), or A's next statement lands on another one. In statement mode ``BEGIN``
is refused. Any of these means: not one server connection per client.

Called at start-up by the web (klachtpunt/wsgi.py) and the workers
(tenants/celery_hooks.py, ``worker_init``), and as a database system check, so
``migrate_schemas`` and ``manage.py check --database default`` refuse as well.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import structlog
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

log = structlog.get_logger(__name__)

MESSAGE = (
    "The database connection is pooled per transaction (PgBouncer pool_mode=transaction or "
    "statement): consecutive transactions of one client ran on different server connections. "
    "Klachtpunt selects a provider's schema with SET search_path on the connection, so a "
    "request could run in another provider's schema. Use pool_mode=session (docs/SCALING.md)."
)


def _pid(raw: Any) -> int:
    with raw.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def transaction_pooling_detected(wrapper: BaseDatabaseWrapper) -> bool:
    """True when one client's transactions do not keep one server connection.

    Opens two connections of its own with ``wrapper``'s settings; ``wrapper``'s
    own connection and transaction are not touched.
    """
    params = wrapper.get_connection_params()
    first = wrapper.get_new_connection(params)
    second = wrapper.get_new_connection(params)
    try:
        first.autocommit = True
        second.autocommit = False
        first_pid = _pid(first)
        try:
            second_pid = _pid(second)  # psycopg2 opened a transaction: B now holds a server connection
        except Exception as exc:
            if "statement pooling" in str(exc):  # PgBouncer's refusal of BEGIN in statement mode
                return True
            raise
        again_pid = _pid(first)
        return second_pid == first_pid or again_pid != first_pid
    finally:
        for raw in (second, first):
            with contextlib.suppress(Exception):  # closing a probe connection; nothing to keep
                raw.close()


def assert_session_pooling(alias: str = DEFAULT_DB_ALIAS) -> None:
    """Raise ImproperlyConfigured behind transaction pooling; an unreachable database is left to others."""
    try:
        detected = transaction_pooling_detected(connections[alias])
    except ImproperlyConfigured:
        raise
    except Exception as exc:
        log.warning("pooling_probe_skipped", reason=type(exc).__name__)
        return
    if detected:
        raise ImproperlyConfigured(MESSAGE)


@register(Tags.database)
def check_session_pooling(
    app_configs: Any = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for alias in databases or []:
        try:
            assert_session_pooling(alias)
        except ImproperlyConfigured as exc:
            errors.append(Error(str(exc), id="tenants.E001", obj=f"DATABASES[{alias!r}]"))
    return errors
