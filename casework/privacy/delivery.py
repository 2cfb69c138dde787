"""The answer letter reaches the requester through the secure channel (AVG art. 12(1) and 15(3)).

Like a complaint's decision letter (``casework.dossier.letters``): never as
an attachment. An e-mail says the answer is ready; a requester with an
account downloads it from Mijn klachten after logging in, anyone else by a
secret link (256 bits; only its hash is kept, it expires). A requester
without an e-mail address gets the letter by post: the DPO sees that on the
request (an ``answer_to_post`` event), so nothing is skipped silently.
"""

from __future__ import annotations

import datetime
import secrets

import structlog
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import User
from casework.dossier.letters import privacy_answer_response
from casework.dossier.services import hash_token
from casework.models import PrivacyEvent, PrivacyRequest
from tenants.clusters import schema_context
from tenants.hosts import platform_url, provider_url
from tenants.models import Provider
from tenants.tenancy import require_tenant_schema

log = structlog.get_logger(__name__)

ANSWER_LINK_LIFETIME = datetime.timedelta(days=90)
SEND_TASK = "casework.privacy.tasks.send_privacy_answer"


def answer_recipient(request: PrivacyRequest) -> str:
    """Where the 'your answer is ready' e-mail goes: the request's address, else the account's."""
    if request.requester_email:
        return request.requester_email
    if request.requester_user_id:
        return str(
            User.objects.filter(pk=request.requester_user_id).values_list("email", flat=True).first() or ""
        )
    return ""


def privacy_answer_notify(*, provider: Provider, request_id: int) -> bool:
    """E-mail the requester that the answer is ready (once); returns whether it was sent now.

    Guarantees: only for an answered request with its letter; a second run
    (a redelivered task) sends nothing; the e-mail holds a link, not the
    letter and not what was asked. Without any address nothing is sent (the
    answer went on the post at the time of answering).
    """
    with schema_context(provider.schema_name), transaction.atomic():
        require_tenant_schema()
        request = PrivacyRequest.objects.select_for_update().get(pk=request_id)
        if request.answer_notified_at is not None or not request.answer_letter:
            return False
        recipient = answer_recipient(request)
        if not recipient:
            return False
        now = timezone.now()
        if request.requester_user_id:
            url = platform_url("/mijn-klachten/")
        else:
            token = secrets.token_urlsafe(32)
            request.answer_link_hash = hash_token(token)
            request.answer_link_expires_at = now + ANSWER_LINK_LIFETIME
            url = provider_url(provider, f"/avg-verzoek/antwoord/{token}/")
        context = {"reference": request.reference, "provider_name": provider.name, "url": url}
        with translation.override(request.language or "nl"):
            subject = render_to_string("casework/email/privacy_answer_ready_subject.txt", context).strip()
            body = render_to_string("casework/email/privacy_answer_ready_body.txt", context)
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient]).send()
        request.answer_notified_at = now
        request.save(update_fields=["answer_link_hash", "answer_link_expires_at", "answer_notified_at"])
        PrivacyEvent.objects.create(request=request, at=now, kind="answer_notified", data={})
    log.info("privacy_answer_notified", reference=request.reference)
    return True


def answer_for_token(token: str, *, now: datetime.datetime | None = None) -> PrivacyRequest | None:
    """The answered request whose secret link is ``token`` and still valid (call in the provider's schema)."""
    now = now or timezone.now()
    if not token:
        return None
    return (
        PrivacyRequest.objects.filter(
            answer_link_hash=hash_token(token),
            answer_link_expires_at__gt=now,
            status=PrivacyRequest.Status.ANSWERED,
        )
        .exclude(answer_letter="")
        .first()
    )


def answer_downloaded(request: PrivacyRequest) -> None:
    """Record the first download: the answer reached the requester (call in the provider's schema)."""
    PrivacyRequest.objects.filter(pk=request.pk, answer_downloaded_at__isnull=True).update(
        answer_downloaded_at=timezone.now()
    )


def answer_response(request: PrivacyRequest) -> HttpResponse:
    """The answer letter's PDF as a private download (call in its schema)."""
    return privacy_answer_response(request)
