"""Central periodic jobs over the public case index: deadline reminders and retention.

Celery beat runs each as one task in the public schema; each reads the case
index in one query and fans out (reminder e-mails through the outbox, the
retention work as one task per provider with its schema stamped). All are
safe to run twice.
"""

from __future__ import annotations

from celery import shared_task

from casework.services.reminders import deadline_reminder_send, deadline_reminders_run
from casework.services.retention import retention_run


@shared_task(acks_late=True, ignore_result=True)
def deadline_reminders_task() -> int:
    """Daily: queue the reminders that apply today (before, on, and after each deadline)."""
    return deadline_reminders_run()


@shared_task(acks_late=True, autoretry_for=(OSError,), max_retries=5, retry_backoff=True)
def send_deadline_reminder(reminder_id: int) -> int:
    return deadline_reminder_send(reminder_id=reminder_id)


@shared_task(acks_late=True, ignore_result=True)
def retention_task() -> int:
    """Nightly: hand each provider with closed dossiers past retention to its own task."""
    return retention_run()
