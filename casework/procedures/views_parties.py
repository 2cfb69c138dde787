"""The parties' side of mediation and the committee procedure, and the confidant's client.

The complainant (Mijn klachten on the platform host, or the follow link on
the provider's host) reads what is shared with them, who looked at their
dossier, writes messages and shares a confidant's note; the provider's
members read and write from their complaint page, after consent only.
``complainant_panels`` and ``provider_panels`` give those pages what they
show; the actions here post back to them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import signed_in
from casework.complainant.display import private_link_page
from casework.complainant.services import CaseNotFound, CaseView, FollowLinkInvalid, follow_case, my_case
from casework.dossier.access_log import AccessChannel, Event, access_log_request, accessor_from_request
from casework.dossier.attachments import download_name
from casework.dossier.permissions import READ_DOCUMENTS, SEND_MESSAGE
from casework.dossier.selectors import access_overview_page_for_complainant, provider_complaint_or_404
from casework.index.models import CaseIndex, CaseStatus, Consent, Service
from casework.models import CaseRecord, Complaint, ConfidantNote, Message
from casework.procedures.confidant import confidant_note_share
from casework.procedures.forms import MessageForm, ShareNoteForm
from casework.procedures.mediation import message_send
from casework.procedures.selectors import COMPLAINANT_VIEWER, Party, Viewer, procedure_for, records_visible
from tenants.clusters import schema_context
from tenants.models import Provider
from tenants.permissions import provider_member_required

PROVIDER_VIEWER = Viewer(Party.PROVIDER)

COMPLAINANT_TO_KLACHTPUNT = (Message.Audience.COMPLAINANT, gettext_lazy("Alleen Klachtpunt"))
COMPLAINANT_TO_ALL = (Message.Audience.ALL, gettext_lazy("Klachtpunt en de zorgaanbieder"))
COMPLAINANT_TO_CONFIDANT = (Message.Audience.CONFIDANT, gettext_lazy("Mijn vertrouwenspersoon"))
PROVIDER_TO_KLACHTPUNT = (Message.Audience.PROVIDER, gettext_lazy("Alleen Klachtpunt"))
PROVIDER_TO_ALL = (Message.Audience.ALL, gettext_lazy("Klachtpunt en de klager"))


def _service(provider: Provider, complaint: Complaint) -> str:
    return (
        CaseIndex.objects.filter(provider=provider, case_id=complaint.pk)
        .values_list("service", flat=True)
        .first()
        or ""
    )


def complainant_audiences(*, service: str, consent: str) -> list[tuple[str, Any]]:
    if service == Service.CONFIDANT:
        return [COMPLAINANT_TO_CONFIDANT]
    if consent == Consent.GIVEN:
        return [COMPLAINANT_TO_KLACHTPUNT, COMPLAINANT_TO_ALL]
    return [COMPLAINANT_TO_KLACHTPUNT]


def complainant_panels(case: CaseView, *, base_url: str, access_page: Any = 1) -> dict[str, Any]:
    """What the complainant's page shows of the procedure, and who looked at the dossier.

    ``base_url`` is the page's own address (``/mijn-klachten/<ref>/`` or
    ``/volg/<token>/``); the actions live under it.
    """
    complaint = case.complaint
    with schema_context(case.provider.schema_name):
        procedure = procedure_for(complaint=complaint, viewer=COMPLAINANT_VIEWER)
    service = _service(case.provider, complaint)
    open_case = complaint.status != CaseStatus.CLOSED
    notes = [
        {
            "note": note,
            "share_url": f"{base_url}notities/{note.pk}/delen/",
            "share_form": ShareNoteForm(prefix=f"note-{note.pk}")
            if open_case and note.shared_with != ConfidantNote.SharedWith.PROVIDER
            else None,
        }
        for note in procedure.confidant_notes
    ]
    return {
        "procedure": procedure,
        "confidant_rows": notes,
        "document_base": f"{base_url}documenten/",
        "message_url": f"{base_url}bericht/",
        "message_form": MessageForm(
            prefix="message", audiences=complainant_audiences(service=service, consent=complaint.consent)
        )
        if open_case
        else None,
        "accesses": access_overview_page_for_complainant(
            provider=case.provider, complaint=complaint, page_number=access_page
        ),
    }


def provider_panels(*, provider: Provider, complaint: Complaint, base_url: str) -> dict[str, Any]:
    """What the provider's complaint page shows of the procedure (only what is shared with it)."""
    procedure = procedure_for(complaint=complaint, viewer=PROVIDER_VIEWER)
    return {
        "procedure": procedure,
        "document_base": f"{base_url}documenten/",
        "message_url": f"{base_url}bericht/",
        "message_form": MessageForm(prefix="message", audiences=[PROVIDER_TO_KLACHTPUNT, PROVIDER_TO_ALL])
        if complaint.status != CaseStatus.CLOSED
        else None,
    }


# --- Shared steps ------------------------------------------------------------------


def _complainant_message(request: HttpRequest, case: CaseView, *, channel: str, back: str) -> HttpResponse:
    service = _service(case.provider, case.complaint)
    form = MessageForm(
        request.POST,
        prefix="message",
        audiences=complainant_audiences(service=service, consent=case.complaint.consent),
    )
    return _send(
        request,
        form,
        back,
        lambda data: message_send(
            provider=case.provider,
            complaint_id=case.complaint.pk,
            accessor=accessor_from_request(
                request,
                provider=case.provider,
                case_id=case.complaint.pk,
                channel=channel,
                role="complainant",
            ),
            sender=Message.Party.COMPLAINANT,
            audience=data["audience"],
            body=data["body"],
        ),
    )


def _send(
    request: HttpRequest, form: MessageForm, back: str, act: Callable[[dict[str, Any]], object]
) -> HttpResponse:
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ValidationError as refusal:
            messages.error(request, " ".join(refusal.messages))
        else:
            messages.success(request, _("Uw bericht is verstuurd."))
    else:
        messages.error(request, _("Schrijf een bericht en kies voor wie het is."))
    return redirect(back + "#messages-title")


def _share(request: HttpRequest, case: CaseView, note_id: int, *, channel: str, back: str) -> HttpResponse:
    form = ShareNoteForm(request.POST, prefix=f"note-{note_id}")
    if not form.is_valid():
        messages.error(request, _("Kies met wie u de notitie deelt."))
        return redirect(back + "#confidant-title")
    try:
        confidant_note_share(
            provider=case.provider,
            complaint_id=case.complaint.pk,
            note_id=note_id,
            accessor=accessor_from_request(
                request,
                provider=case.provider,
                case_id=case.complaint.pk,
                channel=channel,
                role="complainant",
            ),
            shared_with=form.cleaned_data["shared_with"],
        )
    except ConfidantNote.DoesNotExist as exc:
        raise Http404 from exc
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, _("De notitie is gedeeld."))
    return redirect(back + "#confidant-title")


def _document(
    request: HttpRequest,
    provider: Provider,
    complaint: Complaint,
    viewer: Viewer,
    record_id: int,
    channel: str,
) -> FileResponse:
    with schema_context(provider.schema_name):
        record = (
            records_visible(complaint=complaint, viewer=viewer)
            .filter(pk=record_id, kind=CaseRecord.Kind.DOCUMENT)
            .first()
        )
        if record is None or not record.file:
            raise Http404
        handle = record.file.open("rb")
    access_log_request(
        request,
        Event.EXPORT,
        provider=provider,
        complaint=complaint,
        channel=channel,
        subject="document",
        detail=f"record {record.pk}",
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(record.original_name, record.content_type),
        content_type=record.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- Mijn klachten (platform host) ----------------------------------------------------


def _my_case(request: HttpRequest, reference: str) -> CaseView:
    try:
        return my_case(user=signed_in(request), reference=reference)
    except CaseNotFound as exc:
        raise Http404 from exc


@require_POST
@login_required
def portal_message(request: HttpRequest, reference: str) -> HttpResponse:
    case = _my_case(request, reference)
    back = reverse("portal_case", args=[reference])
    return _complainant_message(request, case, channel=AccessChannel.COMPLAINANT_PORTAL, back=back)


@require_POST
@login_required
def portal_note_share(request: HttpRequest, reference: str, note_id: int) -> HttpResponse:
    case = _my_case(request, reference)
    back = reverse("portal_case", args=[reference])
    return _share(request, case, note_id, channel=AccessChannel.COMPLAINANT_PORTAL, back=back)


@require_GET
@never_cache
@login_required
def portal_document(request: HttpRequest, reference: str, record_id: int) -> FileResponse:
    case = _my_case(request, reference)
    return _document(
        request,
        case.provider,
        case.complaint,
        COMPLAINANT_VIEWER,
        record_id,
        AccessChannel.COMPLAINANT_PORTAL,
    )


# --- The follow link (provider host) -----------------------------------------------------


def _followed(request: HttpRequest, token: str) -> CaseView:
    if request.tenant.is_platform:
        raise Http404
    try:
        return follow_case(provider=request.tenant, token=token)
    except FollowLinkInvalid as exc:
        raise Http404 from exc


@require_POST
@private_link_page
def follow_message(request: HttpRequest, token: str) -> HttpResponse:
    case = _followed(request, token)
    back = reverse("follow", args=[token])
    return _complainant_message(request, case, channel=AccessChannel.FOLLOW_LINK, back=back)


@require_POST
@private_link_page
def follow_note_share(request: HttpRequest, token: str, note_id: int) -> HttpResponse:
    case = _followed(request, token)
    return _share(
        request, case, note_id, channel=AccessChannel.FOLLOW_LINK, back=reverse("follow", args=[token])
    )


@require_GET
@private_link_page
def follow_document(request: HttpRequest, token: str, record_id: int) -> FileResponse:
    case = _followed(request, token)
    return _document(
        request, case.provider, case.complaint, COMPLAINANT_VIEWER, record_id, AccessChannel.FOLLOW_LINK
    )


# --- The provider's complaint page (provider host) -----------------------------------------


def _provider_complaint(request: HttpRequest, reference: str, perm: str) -> Complaint:
    # Unknown, not consented and not the member's business look the same (404); seen but not
    # theirs to do (the employee concerned, the admin) is a 403.
    return provider_complaint_or_404(request, reference, perm)


@require_POST
@provider_member_required()
def provider_message(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = _provider_complaint(request, reference, SEND_MESSAGE)
    form = MessageForm(request.POST, prefix="message", audiences=[PROVIDER_TO_KLACHTPUNT, PROVIDER_TO_ALL])
    back = reverse("provider_complaint_detail", args=[reference])
    return _send(
        request,
        form,
        back,
        lambda data: message_send(
            provider=request.tenant,
            complaint_id=complaint.pk,
            accessor=accessor_from_request(request, provider=request.tenant, case_id=complaint.pk),
            sender=Message.Party.PROVIDER,
            audience=data["audience"],
            body=data["body"],
        ),
    )


@require_GET
@never_cache
@provider_member_required()
def provider_document(request: HttpRequest, reference: str, record_id: int) -> FileResponse:
    complaint = _provider_complaint(request, reference, READ_DOCUMENTS)
    return _document(request, request.tenant, complaint, PROVIDER_VIEWER, record_id, AccessChannel.PROVIDER)
