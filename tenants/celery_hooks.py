"""Worker hooks for tenant safety, connected by TenantsConfig.ready().

Here rather than in klachtpunt/celery.py, which the lower layers (the outbox)
import to send tasks. Django is set up in a worker before ``worker_init`` is
sent (Celery's Django fixup runs ``django.setup()`` when the worker imports its
task modules), so these receivers are connected in time.
"""

from __future__ import annotations

from celery.signals import task_postrun, task_prerun, worker_init


@worker_init.connect  # type: ignore[untyped-decorator]  # celery is untyped
def refuse_transaction_pooling(**kwargs: object) -> None:
    """A worker behind transaction pooling could run a task in another provider's schema."""
    from tenants.pooling import assert_session_pooling

    assert_session_pooling()


@task_postrun.connect  # type: ignore[untyped-decorator]  # celery is untyped
def recycle_connection_after_many_schemas(task: object = None, **kwargs: object) -> None:
    """A worker that ran tasks in hundreds of schemas reconnects (tenants/connections.py).

    Not for eager tasks: they run inside the caller's request or command, whose
    connection (and pending on-commit work) is not the task's to close.
    """
    from tenant_schemas_celery.app import get_schema_name_from_task

    from tenants.connections import connection_recycle_after

    request = getattr(task, "request", None)
    if task is None or request is None or request.is_eager:
        return
    task_kwargs = kwargs.get("kwargs")
    connection_recycle_after(
        get_schema_name_from_task(task, task_kwargs if isinstance(task_kwargs, dict) else {})
    )


_cluster_stack: list[str] = []  # per worker process; a thread pool is not used for tasks


@task_prerun.connect  # type: ignore[untyped-decorator]  # celery is untyped
def task_on_its_cluster(task: object = None, **kwargs: object) -> None:
    """A task stamped with a provider's schema runs on that provider's cluster (tenants.clusters).

    Eager tasks too (they run inside the caller): the caller's cluster comes back afterwards.
    """
    from django.db import connection
    from tenant_schemas_celery.app import get_schema_name_from_task

    from tenants.clusters import active_cluster, cluster_of_schema, clustered, enter_cluster

    if task is None or not clustered():
        return
    task_kwargs = kwargs.get("kwargs")
    schema = get_schema_name_from_task(task, task_kwargs if isinstance(task_kwargs, dict) else {})
    _cluster_stack.append(active_cluster())
    if schema:
        enter_cluster(cluster_of_schema(schema), control_transaction=False)
        connection.set_schema(schema)  # type: ignore[attr-defined]  # django-tenants' wrapper


@task_postrun.connect  # type: ignore[untyped-decorator]  # celery is untyped
def task_back_to_its_caller_cluster(task: object = None, **kwargs: object) -> None:
    from tenants.clusters import clustered, leave_cluster

    if task is None or not clustered() or not _cluster_stack:
        return
    leave_cluster(to=_cluster_stack.pop())
