"""Side effects of intake. Each task runs in the dossier's schema and is safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import PlatformRole, User
from accounts.services import emails_by_language
from casework.dossier.services import follow_link_create
from casework.models import Complaint
from outbox.services import TRANSIENT_ERRORS
from reference.deadline_rules import complaint_deadline
from tenants.hosts import platform_url, provider_url
from tenants.tenancy import current_provider, require_tenant_schema


@shared_task(
    name="casework.tasks.send_acknowledgement",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=True,
)
def send_acknowledgement(complaint_id: int) -> bool:
    """E-mail the acknowledgement once: reference, how to follow, deadline; never the complaint text."""
    require_tenant_schema()
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint_id)
        if complaint.acknowledged_at is not None or not complaint.complainant_email:
            return False
        provider = current_provider()
        if complaint.complainant_user_id:
            follow_url = platform_url("/mijn-klachten/")
        else:
            follow_url = provider_url(provider, f"/volg/{follow_link_create(complaint=complaint)}/")
        context = {
            "reference": complaint.reference,
            "provider_name": provider.name,
            "follow_url": follow_url,
            "formal": complaint.formal_received_on is not None,
            "deadline": complaint_deadline(complaint),
            "privacy_url": platform_url("/privacyverklaring/"),
        }
        with translation.override(complaint.language):
            subject = render_to_string("casework/email/acknowledgement_subject.txt", context).strip()
            body = render_to_string("casework/email/acknowledgement_body.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [complaint.complainant_email])
        complaint.acknowledged_at = timezone.now()
        complaint.save(update_fields=["acknowledged_at"])
    return True


@shared_task(
    name="casework.tasks.notify_coordinators",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=True,
)
def notify_coordinators(complaint_id: int) -> int:
    """Tell the coordinators a case arrived: its reference and a link to the queue, nothing else."""
    require_tenant_schema()
    complaint = Complaint.objects.only("reference").get(pk=complaint_id)
    coordinators = User.objects.filter(roles__contains=[PlatformRole.COORDINATOR], is_active=True)
    context = {"reference": complaint.reference, "queue_url": platform_url("/werkplek/wachtrij/")}
    sent = 0
    # Each coordinator reads it in their own language (one e-mail per language).
    for language, recipients in emails_by_language(coordinators).items():
        with translation.override(language):
            subject = render_to_string("casework/email/new_case_coordinator_subject.txt", context).strip()
            body = render_to_string("casework/email/new_case_coordinator.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        sent += len(recipients)
    return sent
