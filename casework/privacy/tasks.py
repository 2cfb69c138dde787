"""The DPO's periodic job and its e-mails (thin: each loads by id and calls a service)."""

from __future__ import annotations

from celery import shared_task

from casework.privacy.delivery import privacy_answer_notify
from casework.privacy.reminders import privacy_reminder_send, privacy_reminders_run
from outbox.services import TRANSIENT_ERRORS
from tenants.models import Provider
from tenants.tenancy import require_tenant_schema


# Celery's decorator is untyped (no stubs); the task functions themselves are typed.
@shared_task(  # type: ignore[untyped-decorator]
    name="casework.privacy.tasks.privacy_reminders_task", acks_late=True, ignore_result=True
)
def privacy_reminders_task() -> int:
    """Every quarter of an hour: the reminders on request terms and breach clocks that apply now."""
    return privacy_reminders_run()


@shared_task(  # type: ignore[untyped-decorator]
    name="casework.privacy.tasks.send_privacy_reminder",
    acks_late=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=True,
)
def send_privacy_reminder(reminder_id: int) -> int:
    return privacy_reminder_send(reminder_id=reminder_id)


@shared_task(  # type: ignore[untyped-decorator]
    name="casework.privacy.tasks.send_privacy_answer",
    acks_late=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=True,
)
def send_privacy_answer(request_id: int) -> bool:
    """Tell the requester their answer is ready (once), in the provider's schema the outbox names."""
    provider = Provider.objects.get(schema_name=require_tenant_schema())
    return privacy_answer_notify(provider=provider, request_id=request_id)
