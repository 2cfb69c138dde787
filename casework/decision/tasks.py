"""Delivering the provider's decision to the complainant (Celery; task names pinned)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from casework.decision.pdf import decision_pdf
from casework.dossier.letters import _follow_url, _provider, _render
from casework.dossier.services import timeline_add
from casework.models import Decision, Visibility
from outbox.services import TRANSIENT_ERRORS
from tenants.tenancy import require_tenant_schema


@shared_task(
    name="casework.tasks_closing.send_decision",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=True,
)
def send_decision(decision_id: int) -> bool:
    """E-mail the decision to the complainant as a PDF (once); without an address, tell Klachtpunt."""
    require_tenant_schema()
    with transaction.atomic():
        decision = (
            Decision.objects.select_for_update(of=("self",)).select_related("complaint").get(pk=decision_id)
        )
        complaint = decision.complaint
        if decision.sent_at is not None:
            return False
        if not complaint.complainant_email:
            told = complaint.timeline.filter(kind="decision_needs_post", data__decision_id=decision.pk)
            if not told.exists():
                timeline_add(
                    complaint=complaint,
                    kind="decision_needs_post",
                    summary="Geen e-mailadres van de klager bekend: stuur het oordeel per post.",
                    visibility=Visibility.STAFF,
                    data={"decision_id": decision.pk},
                )
            return False
        provider = _provider()
        context = {
            "reference": complaint.reference,
            "provider_name": provider.name,
            "follow_url": _follow_url(complaint),
        }
        subject, body = _render(complaint, "decision", context)
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [complaint.complainant_email])
        message.attach(
            f"oordeel-{complaint.reference}.pdf",
            decision_pdf(provider=provider, complaint=complaint, decision=decision),
            "application/pdf",
        )
        message.send()
        decision.sent_at = timezone.now()
        decision.save(update_fields=["sent_at"])
        timeline_add(
            complaint=complaint,
            kind="decision_sent",
            summary="Oordeel als PDF per e-mail aan de klager verzonden",
            visibility=Visibility.ALL,
            data={"decision_id": decision.pk, "channel": "email"},
        )
    return True
