"""Central periodic jobs over the public case index: deadline reminders and retention.

Celery beat runs each as one task in the public schema; each reads the case
index in one query and fans out (reminder e-mails through the outbox, the
retention work as one task per provider with its schema stamped). All are
safe to run twice.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from casework.deadlines.reminders import deadline_reminder_send, deadline_reminders_run
from casework.dossier.letters import _follow_url, _provider, _render
from casework.dossier.services import timeline_add
from casework.models import DeadlineExtension, Visibility
from outbox.services import TRANSIENT_ERRORS
from tenants.tenancy import require_tenant_schema


@shared_task(name="casework.tasks_deadlines.deadline_reminders_task", acks_late=True, ignore_result=True)
def deadline_reminders_task() -> int:
    """Daily: queue the reminders that apply today (before, on, and after each deadline)."""
    return deadline_reminders_run()


@shared_task(
    name="casework.tasks_deadlines.send_deadline_reminder",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=True,
)
def send_deadline_reminder(reminder_id: int) -> int:
    return deadline_reminder_send(reminder_id=reminder_id)


@shared_task(
    name="casework.tasks_closing.send_extension_notice",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=True,
)
def send_extension_notice(extension_id: int) -> bool:
    """E-mail the complainant that the deadline moved (once per extension): the new date and a link."""
    require_tenant_schema()
    with transaction.atomic():
        extension = (
            DeadlineExtension.objects.select_for_update(of=("self",))
            .select_related("complaint")
            .get(pk=extension_id)
        )
        complaint = extension.complaint
        if extension.notice_sent_at is not None or not complaint.complainant_email:
            return False
        context = {
            "reference": complaint.reference,
            "provider_name": _provider().name,
            "new_deadline": extension.new_deadline,
            "previous_deadline": extension.previous_deadline,
            "follow_url": _follow_url(complaint),
        }
        subject, body = _render(complaint, "deadline_extended", context)
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [complaint.complainant_email]).send()
        extension.notice_sent_at = timezone.now()
        extension.save(update_fields=["notice_sent_at"])
        timeline_add(
            complaint=complaint,
            kind="extension_notice_sent",
            summary="Mededeling van de verlenging per e-mail aan de klager verzonden",
            visibility=Visibility.ALL,
            data={"extension_id": extension.pk, "channel": "email"},
        )
    return True
