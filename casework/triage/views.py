"""The coordinator's queue, the dossier and the triage steps (platform host).

Views parse input, call one selector or service, and render. Each triage step
posts to its own URL; bad input shows the dossier again with the form as it
was typed and the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import coordinator_required, signed_in
from casework.consent.services import consent_record
from casework.consent.wording import consent_wording
from casework.dossier.access_log import Event, access_log_request, request_accessor
from casework.dossier.attachments import download_name
from casework.index.models import CaseIndex, CaseStatus, Channel, Consent, Service
from casework.index.replication import index_freshness
from casework.index.selectors import case_or_404
from casework.models import Attachment, Complaint
from casework.triage.forms import (
    ConsentRecordForm,
    ConsentRequestForm,
    IntakeCallForm,
    QueueFilterForm,
    ResolveAtIntakeForm,
    RouteForm,
)
from casework.triage.selectors import (
    attachment_open,
    complainant_conversation,
    dossier_for_staff,
    queue_page,
    queue_summaries_read,
)
from casework.triage.services import (
    TRIAGE_STATUSES,
    case_resolve_at_intake,
    case_route,
    consent_request_send,
    intake_call_record,
    route_suggestion,
)
from tenants.clusters import clustered

# The header the queue's script sends to get only the part of the page that changes.
PARTIAL_HEADER = "X-Queue-Partial"


@coordinator_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET)
    data = queue_page(
        filters=form.filters(), page_number=request.GET.get("page") or 1, sort=request.GET.get("sort", "")
    )
    data = queue_summaries_read(data, accessor=request_accessor(request))
    partial = request.headers.get(PARTIAL_HEADER) == "1"
    template = "casework/staff/_queue_region.html" if partial else "casework/staff/queue.html"
    # With providers on several clusters: how far the index behind this queue is (tenants.clusters).
    freshness = index_freshness() if clustered() else []
    response = render(request, template, {"queue": data, "freshness": freshness})
    patch_vary_headers(response, [PARTIAL_HEADER])
    return response


def _triage_forms(case: CaseIndex, dossier_goal: str, dossier_goal_details: str) -> dict[str, forms.Form]:
    return {
        "intake_form": IntakeCallForm(
            prefix="intake", initial={"goal": dossier_goal, "goal_details": dossier_goal_details}
        ),
        "resolve_form": ResolveAtIntakeForm(prefix="resolve"),
        "consent_request_form": ConsentRequestForm(prefix="consent-request"),
        "consent_record_form": ConsentRecordForm(prefix="consent"),
        "route_form": RouteForm(
            prefix="route",
            initial={"service": route_suggestion(law=case.law, category_code=case.category_code)},
        ),
    }


def render_dossier(
    request: HttpRequest, case: CaseIndex, *, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    """The coordinator's dossier; ``bound`` shows a step's form again as it was typed, with its errors."""
    try:
        dossier = dossier_for_staff(case)
    except Complaint.DoesNotExist:
        raise Http404(_("Deze zaak bestaat niet.")) from None
    access_log_request(request, Event.READ, case=case)
    complaint = dossier.complaint
    context: dict[str, Any] = {
        "dossier": dossier,
        "case": case,
        "complaint": complaint,
        "is_open": case.status != CaseStatus.CLOSED,
        "in_triage": case.status in TRIAGE_STATUSES,
        "suggested_service": Service(route_suggestion(law=case.law, category_code=case.category_code)),
        "is_wzd": complaint.law == "wzd",
        "consent_given": complaint.consent == Consent.GIVEN,
        "consent_text": consent_wording(complaint.language),
        "failed_form": next(iter(bound), None) if bound else None,
        "refusals": [error for form in (bound or {}).values() for error in form.non_field_errors()],
        # The coordinator answers the complainant here; the form posts to the case-work package.
        "conversation": complainant_conversation(case),
        "message_form": None,
        **_triage_forms(case, complaint.goal, complaint.goal_details),
        **(bound or {}),
    }
    return render(request, "casework/staff/dossier.html", context, status=status)


@coordinator_required
@require_GET
def dossier(request: HttpRequest, reference: str) -> HttpResponse:
    return render_dossier(request, case_or_404(reference))


@coordinator_required
@require_GET
def attachment_download(request: HttpRequest, reference: str, attachment_id: int) -> FileResponse:
    case = case_or_404(reference)
    try:
        attachment, handle = attachment_open(case, attachment_id)
    except (Attachment.DoesNotExist, FileNotFoundError):
        raise Http404(_("Deze bijlage bestaat niet.")) from None
    access_log_request(
        request, Event.EXPORT, case=case, subject="attachment", detail=f"attachment {attachment.pk}"
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(attachment.original_name, attachment.content_type),
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _triage_step(
    request: HttpRequest,
    reference: str,
    *,
    form_class: type[forms.Form],
    context_name: str,
    prefix: str,
    act: Callable[[CaseIndex, dict[str, Any]], str],
) -> HttpResponse:
    """Validate the step's form, run its service, and come back to the dossier.

    ``act`` runs the service and returns the message to show; a refusal from
    the service shows on the form, with what was typed kept.
    """
    case = case_or_404(reference)
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            # The service writes the change and its access-log row in one transaction.
            message = act(case, form.cleaned_data)
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            messages.success(request, message)
            return redirect("case_dossier", reference=case.reference)
    return render_dossier(request, case, bound={context_name: form}, status=400)


@coordinator_required
@require_POST
def intake_call(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: CaseIndex, data: dict[str, Any]) -> str:
        intake_call_record(
            provider=case.provider,
            complaint_id=case.case_id,
            actor=signed_in(request),
            accessor=request_accessor(request, case=case),
            discussed=data["discussed"],
            goal=data["goal"],
            goal_details=data["goal_details"],
        )
        return _("Het intakegesprek is vastgelegd.")

    return _triage_step(
        request, reference, form_class=IntakeCallForm, context_name="intake_form", prefix="intake", act=act
    )


@coordinator_required
@require_POST
def resolve(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: CaseIndex, data: dict[str, Any]) -> str:
        case_resolve_at_intake(
            provider=case.provider,
            complaint_id=case.case_id,
            actor=signed_in(request),
            accessor=request_accessor(request, case=case),
            outcome=data["outcome"],
            note=data["note"],
        )
        return _("De zaak is afgesloten.")

    return _triage_step(
        request,
        reference,
        form_class=ResolveAtIntakeForm,
        context_name="resolve_form",
        prefix="resolve",
        act=act,
    )


@coordinator_required
@require_POST
def consent_request(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: CaseIndex, data: dict[str, Any]) -> str:
        consent_request_send(
            provider=case.provider,
            complaint_id=case.case_id,
            actor=signed_in(request),
            accessor=request_accessor(request, case=case),
        )
        return _("Het verzoek om toestemming wordt per e-mail verstuurd.")

    return _triage_step(
        request,
        reference,
        form_class=ConsentRequestForm,
        context_name="consent_request_form",
        prefix="consent-request",
        act=act,
    )


@coordinator_required
@require_POST
def consent_answer(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: CaseIndex, data: dict[str, Any]) -> str:
        consent_record(
            provider=case.provider,
            complaint_id=case.case_id,
            decision=data["decision"],
            via=Channel.PHONE,
            language=case.language,
            accessor=request_accessor(request, case=case),
            actor_user_id=request.user.pk,
            on_behalf_of_complainant=True,
        )
        return _("Het antwoord van de klager is vastgelegd.")

    return _triage_step(
        request,
        reference,
        form_class=ConsentRecordForm,
        context_name="consent_record_form",
        prefix="consent",
        act=act,
    )


@coordinator_required
@require_POST
def route(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: CaseIndex, data: dict[str, Any]) -> str:
        routed = case_route(
            provider=case.provider,
            complaint_id=case.case_id,
            actor=signed_in(request),
            accessor=request_accessor(request, case=case),
            service=data["service"],
            note=data["note"],
        )
        return _("De zaak is doorgezet naar %(service)s.") % {"service": routed.get_service_display()}

    return _triage_step(
        request, reference, form_class=RouteForm, context_name="route_form", prefix="route", act=act
    )
