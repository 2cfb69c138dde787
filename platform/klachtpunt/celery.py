"""The Celery app. Tasks that touch a dossier run in their tenant's schema
(tenant-schemas-celery stamps the schema that is current when a task is sent).
"""

from __future__ import annotations

import os
from typing import Any

from django.db import DatabaseError, connection
from tenant_schemas_celery.app import CeleryApp, get_schema_name_from_task, switch_schema
from tenant_schemas_celery.task import TenantTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klachtpunt.settings")

# Seconds before a task that could not enter its tenant's schema is tried again.
SCHEMA_RETRY_SECONDS = 5


class TenantSafeTask(TenantTask):  # type: ignore[misc]  # tenant-schemas-celery is untyped
    """A task that never runs in the wrong schema because the database was away.

    tenant-schemas-celery switches to the task's schema in a ``task_prerun`` signal,
    which looks the tenant up in the database; when that fails (a database restart),
    Celery logs the signal's error and runs the task anyway, in ``public``, where a
    dossier task fails for good and its side effect is lost. Here the switch is tried
    again, and if the database is still away the task is retried later, addressed to
    its own schema.
    """

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        wanted = get_schema_name_from_task(self, kwargs)
        if wanted and wanted != "public" and getattr(connection, "schema_name", None) != wanted:
            try:
                connection.close()  # it may belong to a server that restarted
                switch_schema(self, kwargs)
            except DatabaseError as error:
                raise self.retry(
                    exc=error, countdown=SCHEMA_RETRY_SECONDS, headers={"_schema_name": wanted}
                ) from error
        return super().__call__(*args, **kwargs)


app = CeleryApp("klachtpunt", task_cls=TenantSafeTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["klachtpunt"])
