"""A what-if for tests/bench/bench_migrations.py: ``MigrationRecorder.has_table`` by name.

Django asks whether ``django_migrations`` exists by listing every table
visible on the search path (``introspection.table_names``: a scan of
``pg_class`` with ``pg_table_is_visible`` per row). With 500 tenant schemas
the catalog holds ~65,000 relations and each call costs ~25 ms; migrate asks
4 to 5 times per tenant, so ``migrate_schemas`` grows with the square of the
tenant count. Looking the one table up by name costs well under a
millisecond. Only the benchmark installs this, to measure the difference.
"""

from __future__ import annotations

from django.db.migrations.recorder import MigrationRecorder


def _has_table(self: MigrationRecorder) -> bool:
    if self._has_table:
        return True
    schema = getattr(self.connection, "schema_name", None) or "public"
    table = self.Migration._meta.db_table
    with self.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{schema}"."{table}"'])
        self._has_table = bool(cursor.fetchone()[0])
    return self._has_table


def use_cheap_has_table() -> None:
    MigrationRecorder.has_table = _has_table  # type: ignore[method-assign]
