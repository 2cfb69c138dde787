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
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from casework.models import ClosingNotice, Complaint, DeadlineExtension, Decision, TimelineEntry
from casework.pdf import decision_pdf
from casework.services.closing import follow_up_rows
from casework.services.intake import follow_link_create, timeline_add
from klachtpunt.tenancy import require_tenant_schema
from tenants.hosts import platform_url, provider_url
from tenants.models import Provider

Visibility = TimelineEntry.Visibility


def _provider() -> Provider:
    """The provider whose schema is active (``connection.tenant`` may be a stand-in in a worker)."""
    schema = require_tenant_schema()
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Provider) and tenant.schema_name == schema:
        return tenant
    return Provider.objects.get(schema_name=schema)


def _follow_url(complaint: Complaint) -> str:
    if complaint.complainant_user_id:
        return platform_url(f"/mijn-klachten/{complaint.reference}/")
    return provider_url(_provider(), f"/volg/{follow_link_create(complaint=complaint)}/")


def _render(complaint: Complaint, name: str, context: dict) -> tuple[str, str]:
    with translation.override(complaint.language or "nl"):
        subject = render_to_string(f"casework/email/{name}_subject.txt", context).strip()
        body = render_to_string(f"casework/email/{name}_body.txt", context)
    return subject, body


@shared_task(acks_late=True, autoretry_for=(OSError,), max_retries=5, retry_backoff=True)
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


@shared_task(acks_late=True, autoretry_for=(OSError,), max_retries=5, retry_backoff=True)
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


@shared_task(acks_late=True, autoretry_for=(OSError,), max_retries=5, retry_backoff=True)
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


@shared_task(acks_late=True, max_retries=3, default_retry_delay=60)
def retention_reduce_tenant(now: str) -> int:
    """The retention job's step for one provider (its schema stamped): reduce every dossier now due."""
    from casework.services.retention import retention_reduce_provider

    require_tenant_schema()
    return retention_reduce_provider(provider=_provider(), now=datetime.datetime.fromisoformat(now))
