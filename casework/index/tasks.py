from __future__ import annotations

from celery import shared_task

from casework.index.replication import replicate_clusters


@shared_task(name="casework.index.tasks.replicate_index", acks_late=True, ignore_result=True)  # type: ignore[untyped-decorator]  # celery is untyped
def replicate_index() -> int:
    """Bring every cluster's index changes to the control database (beat, when clusters are set)."""
    return replicate_clusters()
