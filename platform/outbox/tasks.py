from __future__ import annotations

from celery import shared_task

from outbox.services import outbox_relay


@shared_task(acks_late=True, ignore_result=True)
def relay_outbox() -> int:
    """Hand pending outbox rows to the broker (Celery beat runs this every 30 s)."""
    return outbox_relay()
