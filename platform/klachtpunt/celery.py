"""The Celery app. Tasks that touch a dossier run in their tenant's schema
(tenant-schemas-celery stamps the schema that is current when a task is sent).
"""

from __future__ import annotations

import os

from celery.signals import task_postrun, worker_init
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klachtpunt.settings")

app = CeleryApp("klachtpunt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["klachtpunt"])


@worker_init.connect
def _refuse_transaction_pooling(**kwargs: object) -> None:
    """A worker behind transaction pooling could run a task in another provider's schema."""
    from tenants.pooling import assert_session_pooling

    assert_session_pooling()


@task_postrun.connect
def _recycle_connection_after_many_schemas(task: object = None, **kwargs: object) -> None:
    """A worker that ran tasks in hundreds of schemas reconnects (tenants/connections.py).

    Not for eager tasks: they run inside the caller's request or command, whose
    connection (and pending on-commit work) is not the task's to close.
    """
    from tenant_schemas_celery.app import get_schema_name_from_task

    from tenants.connections import connection_recycle_after

    request = getattr(task, "request", None)
    if task is None or request is None or request.is_eager:
        return
    connection_recycle_after(get_schema_name_from_task(task, kwargs.get("kwargs") or {}))
