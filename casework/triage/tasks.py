"""Triage e-mails: the request for consent to share the complaint (Celery; task names pinned)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from casework.dossier.services import follow_link_create, timeline_add
from casework.index.models import Consent
from casework.models import TimelineEntry
from outbox.services import TRANSIENT_ERRORS
from tenants.hosts import platform_url, provider_url
from tenants.tenancy import current_provider, require_tenant_schema


@shared_task(
    name="casework.tasks.send_consent_request",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=True,
)
def send_consent_request(complaint_id: int, request_id: int) -> bool:
    """E-mail one consent request: a fresh link to the follow page, never the complaint text.

    Once per request (``request_id`` is its timeline entry); when the e-mail
    has left, the timeline records that, with the channel. A request that
    became moot (consent given meanwhile, no address any more) sends nothing.
    """
    require_tenant_schema()
    with transaction.atomic():
        request = (
            TimelineEntry.objects.select_for_update()
            .select_related("complaint")
            .get(pk=request_id, complaint_id=complaint_id, kind="consent_requested")
        )
        already_sent = TimelineEntry.objects.filter(
            complaint_id=complaint_id, kind="consent_request_sent", data__request_id=request_id
        ).exists()
        complaint = request.complaint
        if already_sent or complaint.consent == Consent.GIVEN or not complaint.complainant_email:
            return False
        provider = current_provider()
        if complaint.complainant_user_id:
            follow_url = platform_url("/mijn-klachten/")
        else:
            follow_url = provider_url(provider, f"/volg/{follow_link_create(complaint=complaint)}/")
        context = {"reference": complaint.reference, "provider_name": provider.name, "follow_url": follow_url}
        with translation.override(complaint.language):
            subject = render_to_string("casework/email/consent_request_subject.txt", context).strip()
            body = render_to_string("casework/email/consent_request_body.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [complaint.complainant_email])
        timeline_add(
            complaint=complaint,
            kind="consent_request_sent",
            visibility=TimelineEntry.Visibility.COMPLAINANT,
            data={"channel": "email", "request_id": request_id},
        )
    return True
