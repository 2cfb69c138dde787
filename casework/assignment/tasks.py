"""E-mails about assignments: reference and a link, never anything from the dossier.

They read public data only (the assignment, the case reference, the people to
tell), so the outbox sends them in the public schema. Each is safe to run
twice: ``Assignment.notified_at`` records the last e-mail sent about it.
They live here, in the case index's app, because the index is what they read
(and the worker's autodiscovery finds ``casework.assignment.tasks``).
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import PlatformRole, User
from accounts.services import emails_by_language
from casework.index.models import Assignment
from outbox.services import TRANSIENT_ERRORS
from tenants.hosts import platform_url


@shared_task(
    name="casework.index.tasks.notify_assignment_offered",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=True,
)
def notify_assignment_offered(assignment_id: int) -> bool:
    """Tell the professional a case is offered to them (once, and only while it still is)."""
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("case", "professional")
            .get(pk=assignment_id)
        )
        if assignment.notified_at is not None or assignment.state != Assignment.State.OFFERED:
            return False
        professional = assignment.professional
        context = {
            "reference": assignment.case.reference,
            "url": platform_url(_platform_path("my_cases")),
            "name": professional,
        }
        with translation.override(professional.preferred_language or "nl"):
            subject = render_to_string("casework/email/assignment_offered_subject.txt", context).strip()
            body = render_to_string("casework/email/assignment_offered_body.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [professional.email])
        assignment.notified_at = timezone.now()
        assignment.save(update_fields=["notified_at"])
    return True


@shared_task(
    name="casework.index.tasks.notify_assignment_declined",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=True,
)
def notify_assignment_declined(assignment_id: int) -> int:
    """Tell the coordinators a case came back to the queue (once per decline)."""
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update(of=("self",)).select_related("case").get(pk=assignment_id)
        )
        if assignment.state != Assignment.State.DECLINED or (
            assignment.notified_at is not None
            and assignment.responded_at is not None
            and assignment.notified_at >= assignment.responded_at
        ):
            return 0
        coordinators = User.objects.filter(roles__contains=[PlatformRole.COORDINATOR], is_active=True)
        context = {
            "reference": assignment.case.reference,
            "url": platform_url(_platform_path("case_match", assignment.case.reference)),
        }
        sent = 0
        # Each coordinator reads it in their own language (one e-mail per language).
        for language, recipients in emails_by_language(coordinators).items():
            with translation.override(language):
                subject = render_to_string("casework/email/assignment_declined_subject.txt", context).strip()
                body = render_to_string("casework/email/assignment_declined_body.txt", context)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
            sent += len(recipients)
        assignment.notified_at = timezone.now()
        assignment.save(update_fields=["notified_at"])
    return sent


def _platform_path(name: str, *args: str) -> str:
    # Tasks have no request: resolve against the platform host's URLs, not the default (tenant) ones.
    return reverse(name, args=args, urlconf=settings.PUBLIC_SCHEMA_URLCONF)
