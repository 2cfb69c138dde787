"""E-mails about deadlines, decisions and closing, and the retention job's per-provider step.

Each task runs in the dossier's schema (the outbox stamps it), loads its
row by id, and is safe to run twice: the row records when its e-mail left.
E-mails carry the reference, dates and a link; never the complaint's text.
The decision itself travels as a PDF attachment, addressed to the complainant.
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation

from casework.closing.retention import retention_run
from casework.closing.services import follow_up_rows
from casework.dossier.letters import _follow_url, _provider, _render
from casework.dossier.services import timeline_add
from casework.models import ClosingNotice, Visibility
from outbox.services import TRANSIENT_ERRORS
from tenants.tenancy import require_tenant_schema


@shared_task(name="casework.tasks_deadlines.retention_task", acks_late=True, ignore_result=True)
def retention_task() -> int:
    """Nightly: hand each provider with closed dossiers past retention to its own task."""
    return retention_run()


@shared_task(
    name="casework.tasks_closing.send_closing_letter",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=True,
)
def send_closing_letter(closing_id: int) -> bool:
    """E-mail the outcome and, when not resolved, the follow-up options with the disputes body's date."""
    require_tenant_schema()
    with transaction.atomic():
        closing = (
            ClosingNotice.objects.select_for_update(of=("self",))
            .select_related("complaint")
            .get(pk=closing_id)
        )
        complaint = closing.complaint
        if closing.sent_at is not None or not complaint.complainant_email:
            return False
        provider = _provider()
        with translation.override(complaint.language or "nl"):
            outcome_label = str(complaint.get_outcome_display())
            follow_ups = [
                {**row, "title": str(row["title"]), "explanation": str(row["explanation"])}
                for row in follow_up_rows(closing)
            ]
        context = {
            "reference": complaint.reference,
            "provider_name": provider.name,
            "outcome": outcome_label,
            "follow_ups": follow_ups,
            "follow_url": _follow_url(complaint),
        }
        subject, body = _render(complaint, "closing", context)
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [complaint.complainant_email]).send()
        closing.sent_at = timezone.now()
        closing.save(update_fields=["sent_at"])
        timeline_add(
            complaint=complaint,
            kind="closing_letter_sent",
            summary="Afsluitbericht per e-mail aan de klager verzonden",
            visibility=Visibility.COMPLAINANT,
            data={"closing_id": closing.pk, "channel": "email"},
        )
    return True


@shared_task(
    name="casework.tasks_closing.retention_reduce_tenant",
    acks_late=True,
    max_retries=3,
    default_retry_delay=60,
)
def retention_reduce_tenant(now: str) -> int:
    """The retention job's step for one provider (its schema stamped): reduce every dossier now due."""
    from casework.closing.retention import retention_reduce_provider

    require_tenant_schema()
    return retention_reduce_provider(provider=_provider(), now=datetime.datetime.fromisoformat(now))
