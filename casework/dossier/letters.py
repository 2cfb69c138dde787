"""What every letter task shares: the provider it runs for, the follow link it points to,
the rendering of a subject and body from templates, and the letters themselves.

Every decision, closing letter and extension notice is a PDF kept in the
dossier (``Letter``). It reaches the complainant through the secure channel:
an e-mail that says a document is ready, with the follow link or Mijn
klachten, where it is downloaded after the complainant proves who they are.
Without an e-mail address it goes on the coordinator's print-and-post list
(``PostalLetter``) until "posted on" is recorded. Nothing is skipped silently.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from casework.dossier.access_log import Accessor, Event, access_log_change, access_log_record
from casework.dossier.services import follow_link_create, timeline_add
from casework.index.models import CaseIndex, PostalLetter
from casework.models import (
    ClosingNotice,
    Complaint,
    DeadlineExtension,
    Decision,
    Letter,
    PrivacyEvent,
    PrivacyRequest,
    Visibility,
)
from reference.dates import today_amsterdam
from tenants.clusters import schema_context
from tenants.hosts import platform_url, provider_url
from tenants.models import Provider
from tenants.tenancy import require_tenant_schema


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


# --- Letters kept in the dossier, delivered through the secure channel --------------------


def letter_issue(
    *,
    complaint: Complaint,
    kind: str,
    pdf: bytes,
    decision: Decision | None = None,
    closing: ClosingNotice | None = None,
    extension: DeadlineExtension | None = None,
    by_post: bool = False,
) -> tuple[Letter, bool]:
    """Keep the letter's PDF in the dossier (once per decision, closing or extension) and route it.

    With an e-mail address the letter is delivered through the secure channel
    (``letter_notify``: an e-mail that a document is ready, with a link);
    without one, or ``by_post``, it goes on the coordinator's print-and-post
    list, so nothing is skipped silently. Call inside the caller's transaction, in the schema.
    Returns the letter and whether it was made now.
    """
    provider = _provider()
    existing = Letter.objects.filter(
        complaint=complaint, kind=kind, decision=decision, closing=closing, extension=extension
    ).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    by_post = by_post or not complaint.complainant_email
    delivery = Letter.Delivery.POST if by_post else Letter.Delivery.SECURE_LINK
    letter = Letter(
        complaint=complaint,
        kind=kind,
        sha256=hashlib.sha256(pdf).hexdigest(),
        created_at=now,
        decision=decision,
        closing=closing,
        extension=extension,
        delivery=delivery,
    )
    letter.file.save(f"{kind}-{complaint.reference}-{secrets.token_hex(8)}.pdf", ContentFile(pdf), save=False)
    letter.save()
    if delivery == Letter.Delivery.POST:
        case = CaseIndex.objects.get(provider=provider, case_id=complaint.pk)
        PostalLetter.objects.create(
            provider=provider, case=case, letter_id=letter.pk, kind=kind, created_at=now
        )
        timeline_add(
            complaint=complaint,
            kind="letter_to_post",
            visibility=Visibility.STAFF,
            data={
                "letter_id": letter.pk,
                "letter_kind": kind,
                "has_email": bool(complaint.complainant_email),
            },
        )
    return letter, True


def letter_notify(*, complaint: Complaint, letter: Letter) -> bool:
    """E-mail the complainant that a document is ready (once): a link, no attachment, no complaint text.

    The complainant downloads the PDF from the follow page or Mijn klachten,
    after proving who they are (the secret link or their login).
    """
    if letter.delivery != Letter.Delivery.SECURE_LINK or letter.notified_at is not None:
        return False
    with translation.override(complaint.language or "nl"):
        document = str(Letter.Kind(letter.kind).label)
    context = {
        "reference": complaint.reference,
        "provider_name": _provider().name,
        "document": document,
        "follow_url": _follow_url(complaint),
    }
    subject, body = _render(complaint, "letter_ready", context)
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [complaint.complainant_email]).send()
    letter.notified_at = timezone.now()
    letter.save(update_fields=["notified_at"])
    return True


def letter_mark_posted(
    *,
    postal_letter_id: int,
    posted_on: datetime.date,
    actor: User,
    accessor: Accessor,
    today: datetime.date | None = None,
) -> PostalLetter:
    """Record that the coordinator posted a printed letter: on the list, the letter and its source.

    Refused for a day in the future. Posting once is enough: a second call changes nothing.
    """
    today = today or today_amsterdam()
    if posted_on > today:
        raise ValidationError(
            {
                "posted_on": ValidationError(
                    _("De verzenddatum kan niet in de toekomst liggen."), code="future"
                )
            }
        )
    with transaction.atomic():
        row = (
            PostalLetter.objects.select_for_update(of=("self",))
            .select_related("provider", "case")
            .get(pk=postal_letter_id)
        )
        if row.posted_on is not None:
            return row
        row.posted_on = posted_on
        row.posted_by = actor
        row.save(update_fields=["posted_on", "posted_by"])
        if row.kind == PostalLetter.PRIVACY_ANSWER:
            _privacy_answer_posted(row=row, posted_on=posted_on, actor=actor, accessor=accessor)
            return row
        with schema_context(row.provider.schema_name):
            letter = (
                Letter.objects.select_for_update(of=("self",))
                .select_related("complaint")
                .get(pk=row.letter_id)
            )
            letter.posted_on = posted_on
            letter.posted_by_user_id = getattr(actor, "pk", None)
            letter.save(update_fields=["posted_on", "posted_by_user_id"])
            sent = timezone.make_aware(datetime.datetime.combine(posted_on, datetime.time(12, 0)))
            _mark_source_delivered(letter, sent)
            timeline_add(
                complaint=letter.complaint,
                kind="letter_posted",
                visibility=Visibility.ALL,
                actor_user_id=getattr(actor, "pk", None),
                actor_label=str(actor)[:120] if actor else "",
                data={"letter_id": letter.pk, "letter_kind": letter.kind, "posted_on": posted_on.isoformat()},
            )
            access_log_change(
                provider=row.provider,
                accessor=accessor,
                complaint=letter.complaint,
                subject="letter",
                detail=f"posted {letter.kind} on {posted_on.isoformat()}",
            )
    return row


def _privacy_answer_posted(
    *, row: PostalLetter, posted_on: datetime.date, actor: User, accessor: Accessor
) -> None:
    """The AVG answer letter on the post list was posted: its request records it (in its schema)."""
    with schema_context(row.provider.schema_name):
        request = PrivacyRequest.objects.select_for_update().get(pk=row.letter_id)
        PrivacyEvent.objects.create(
            request=request,
            at=timezone.now(),
            kind="answer_posted",
            actor_user_id=getattr(actor, "pk", None),
            actor_label=str(actor)[:150] if actor else "",
            data={"posted_on": posted_on.isoformat()},
        )
        access_log_record(
            provider=row.provider,
            event=Event.CHANGE,
            accessor=accessor,
            reference=request.reference,
            subject="privacy_request",
            detail=f"answer posted on {posted_on.isoformat()}",
        )


def privacy_answer_response(request: PrivacyRequest) -> HttpResponse:
    """An AVG request's answer letter as a private download (call in its schema)."""
    with request.answer_letter.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{request.reference}-antwoord.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def letter_delivered(letter: Letter, at: datetime.datetime | None = None) -> None:
    """Record on the letter's source (decision, closing, extension) when it reached the complainant.

    ``at`` defaults to when the complainant was told the letter is ready.
    """
    _mark_source_delivered(letter, at or letter.notified_at or timezone.now())


def _mark_source_delivered(letter: Letter, at: datetime.datetime) -> None:
    if letter.decision_id is not None:
        Decision.objects.filter(pk=letter.decision_id, sent_at__isnull=True).update(sent_at=at)
    if letter.closing_id is not None:
        ClosingNotice.objects.filter(pk=letter.closing_id, sent_at__isnull=True).update(sent_at=at)
    if letter.extension_id is not None:
        DeadlineExtension.objects.filter(pk=letter.extension_id, notice_sent_at__isnull=True).update(
            notice_sent_at=at
        )


def letters_of(complaint: Complaint) -> list[Letter]:
    """The letters kept in ``complaint``'s dossier, oldest first (call in its schema)."""
    return list(Letter.objects.filter(complaint=complaint).order_by("created_at", "pk"))


def letter_response(letter: Letter) -> HttpResponse:
    """The letter's PDF as a private download (call in its schema; letters are a few kB)."""
    with letter.file.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{letter.kind}-{letter.complaint.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
