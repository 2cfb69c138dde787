"""The case work page on the platform host: mediation, the committee procedure, confidant support.

``/werkplek/zaken/<reference>/bemiddeling/``: the professional holding the
case works here (meetings, notes and documents, messages, the committee's
judgements, the confidant's notes); coordinators read it. Every page and
action writes its access-log entry; actions do so inside their own
transaction (the services), pages through ``access_log_request``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import PlatformRole
from accounts.permissions import has_platform_role, platform_role_required, signed_in
from casework.dossier.access_log import Event, access_log_request, accessor_from_request, role_label
from casework.dossier.attachments import download_name
from casework.dossier.selectors import case_access_log
from casework.index.models import CaseStatus, Service
from casework.models import CaseRecord, Complaint, ComplaintPart, Decision, Meeting, Message
from casework.procedures.committee import committee_advice_issue, complaint_part_add, complaint_part_judge
from casework.procedures.confidant import confidant_note_add
from casework.procedures.forms import (
    AdviceForm,
    ComplaintPartForm,
    ConfidantNoteForm,
    JudgementForm,
    MeetingForm,
    MessageForm,
    RecordForm,
)
from casework.procedures.mediation import meeting_cancel, meeting_schedule, message_send, record_add
from casework.procedures.selectors import CaseWorker, case_worker, procedure_for, records_visible
from tenants.clusters import schema_context

worker_required = platform_role_required(
    PlatformRole.PROFESSIONAL, PlatformRole.COORDINATOR, PlatformRole.PLATFORM_ADMIN
)
log_reader_required = platform_role_required(PlatformRole.COORDINATOR, PlatformRole.PLATFORM_ADMIN)

# Who a staff member may write to, per service of the case.
STAFF_AUDIENCES = {
    Service.CONFIDANT: [(Message.Audience.CONFIDANT, gettext_lazy("De cliënt"))],
}
DEFAULT_STAFF_AUDIENCES = [
    (Message.Audience.COMPLAINANT, Message.Audience.COMPLAINANT.label),
    (Message.Audience.PROVIDER, Message.Audience.PROVIDER.label),
    (Message.Audience.ALL, Message.Audience.ALL.label),
]


def _worker(request: HttpRequest, reference: str) -> CaseWorker:
    worker = case_worker(reference=reference, user=signed_in(request))
    if worker is None:
        # Someone without business with the case learns nothing of it, not even that it exists.
        raise Http404
    return worker


def _acting(request: HttpRequest, reference: str, *services: str) -> CaseWorker:
    worker = _worker(request, reference)
    if not worker.can_act or (services and worker.role not in services):
        raise Http404
    return worker


def _audiences(worker: CaseWorker) -> list[tuple[str, Any]]:
    return STAFF_AUDIENCES.get(worker.role, DEFAULT_STAFF_AUDIENCES)


def _forms(worker: CaseWorker) -> dict[str, forms.Form]:
    return {
        "meeting_form": MeetingForm(prefix="meeting", hearing=worker.role == Service.COMMITTEE),
        "record_form": RecordForm(prefix="record"),
        "message_form": MessageForm(prefix="message", audiences=_audiences(worker)),
        "confidant_form": ConfidantNoteForm(prefix="confidant"),
        "part_form": ComplaintPartForm(prefix="part"),
        "advice_form": AdviceForm(prefix="advice"),
    }


def _render(
    request: HttpRequest,
    worker: CaseWorker,
    *,
    bound: dict[str, forms.Form] | None = None,
    judged: tuple[int, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    case = worker.case
    access_log_request(request, Event.READ, case=case, role=worker.role, subject="case_work")
    with schema_context(case.provider.schema_name):
        complaint = Complaint.objects.select_related("category").get(pk=case.case_id)
        procedure = procedure_for(complaint=complaint, viewer=worker.viewer)
        # The provider's written decision (recorded on the provider's side), once there is one.
        decision = Decision.objects.filter(complaint=complaint).first()
    judgement_forms = {
        part.pk: JudgementForm(
            prefix=f"part-{part.pk}", initial={"judgement": part.judgement, "reasoning": part.reasoning}
        )
        for part in procedure.committee.parts
    }
    if judged is not None:
        judgement_forms[judged[0]] = judged[1]
    context: dict[str, Any] = {
        "case": case,
        "complaint": complaint,
        "worker": worker,
        "role_label": role_label(worker.role),
        "procedure": procedure,
        "decision": decision,
        "is_open": complaint.status != CaseStatus.CLOSED,
        "is_committee": worker.role == Service.COMMITTEE or case.service == Service.COMMITTEE,
        "is_confidant_case": case.service == Service.CONFIDANT,
        "judged_parts": [(part, judgement_forms[part.pk]) for part in procedure.committee.parts],
        "may_read_log": has_platform_role(
            request.user, PlatformRole.COORDINATOR, PlatformRole.PLATFORM_ADMIN
        ),
        "failed_form": next(iter(bound), None) if bound else (f"part-{judged[0]}" if judged else None),
        **_forms(worker),
        **(bound or {}),
    }
    return render(request, "casework/mediation/case_work.html", context, status=status)


@worker_required
@require_GET
@never_cache
def case_work(request: HttpRequest, reference: str) -> HttpResponse:
    return _render(request, _worker(request, reference))


def form_step(
    request: HttpRequest,
    form: forms.Form,
    act: Callable[[dict[str, Any]], str],
    *,
    done: str,
    again: Callable[[], HttpResponse],
) -> HttpResponse:
    """Validate, run the service and go to ``done`` with its message; else ``again``: the page
    with the form as typed, a refusal shown on it."""
    if form.is_valid():
        try:
            message = act(form.cleaned_data)
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            messages.success(request, message)
            return redirect(done)
    return again()


def _step(
    request: HttpRequest,
    worker: CaseWorker,
    form: forms.Form,
    context_name: str,
    act: Callable[[dict[str, Any]], str],
) -> HttpResponse:
    return form_step(
        request,
        form,
        act,
        done=reverse("case_mediation", args=[worker.case.reference]),
        again=lambda: _render(request, worker, bound={context_name: form}, status=400),
    )


def _accessor(request: HttpRequest, worker: CaseWorker):  # type: ignore[no-untyped-def]
    return accessor_from_request(
        request, provider=worker.case.provider, case_id=worker.case.case_id, role=worker.role
    )


@worker_required
@require_POST
def meeting_create(request: HttpRequest, reference: str) -> HttpResponse:
    worker = _acting(request, reference)
    form = MeetingForm(request.POST, prefix="meeting", hearing=worker.role == Service.COMMITTEE)

    def act(data: dict[str, Any]) -> str:
        meeting_schedule(
            provider=worker.case.provider,
            complaint_id=worker.case.case_id,
            accessor=_accessor(request, worker),
            kind=data["kind"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            location=data["location"],
            call_in=data["call_in"],
            with_complainant=data["with_complainant"],
            provider_contact_name=data["provider_contact_name"],
            provider_contact_email=data["provider_contact_email"],
        )
        return _("Het gesprek is gepland; de deelnemers krijgen een uitnodiging voor hun agenda.")

    return _step(request, worker, form, "meeting_form", act)


@worker_required
@require_POST
def meeting_cancel_view(request: HttpRequest, reference: str, meeting_id: int) -> HttpResponse:
    worker = _acting(request, reference)
    try:
        meeting_cancel(
            provider=worker.case.provider,
            complaint_id=worker.case.case_id,
            meeting_id=meeting_id,
            accessor=_accessor(request, worker),
        )
    except Meeting.DoesNotExist as exc:
        # Another case's meeting (or none): the same answer as an unknown case, never a 500.
        raise Http404 from exc
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, _("Het gesprek is geannuleerd; de deelnemers krijgen bericht."))
    return redirect("case_mediation", reference=worker.case.reference)


@worker_required
@require_POST
def record_create(request: HttpRequest, reference: str) -> HttpResponse:
    worker = _acting(request, reference, Service.OFFICER, Service.COMMITTEE, Service.DPO)
    form = RecordForm(request.POST, request.FILES, prefix="record")

    def act(data: dict[str, Any]) -> str:
        record = record_add(
            provider=worker.case.provider,
            complaint_id=worker.case.case_id,
            accessor=_accessor(request, worker),
            kind=data["kind"],
            text=data["text"],
            visibility=data["visibility"],
            document=data["document"],
        )
        return _("%(kind)s vastgelegd.") % {"kind": record.get_kind_display()}

    return _step(request, worker, form, "record_form", act)


@worker_required
@require_GET
def record_download(request: HttpRequest, reference: str, record_id: int) -> FileResponse:
    worker = _worker(request, reference)
    return _document_response(request, worker, record_id)


def _document_response(request: HttpRequest, worker: CaseWorker, record_id: int) -> FileResponse:
    case = worker.case
    with schema_context(case.provider.schema_name):
        complaint = Complaint.objects.get(pk=case.case_id)
        record = (
            records_visible(complaint=complaint, viewer=worker.viewer)
            .filter(pk=record_id, kind=CaseRecord.Kind.DOCUMENT)
            .first()
        )
        if record is None or not record.file:
            raise Http404
        handle = record.file.open("rb")
    access_log_request(
        request, Event.EXPORT, case=case, role=worker.role, subject="document", detail=f"record {record.pk}"
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(record.original_name, record.content_type),
        content_type=record.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@worker_required
@require_POST
def message_create(request: HttpRequest, reference: str) -> HttpResponse:
    worker = _acting(request, reference)
    form = MessageForm(request.POST, prefix="message", audiences=_audiences(worker))

    def act(data: dict[str, Any]) -> str:
        message_send(
            provider=worker.case.provider,
            complaint_id=worker.case.case_id,
            accessor=_accessor(request, worker),
            sender=Message.Party.STAFF,
            audience=data["audience"],
            body=data["body"],
        )
        return _("Het bericht is verstuurd; de ontvangers krijgen een e-mail met een link.")

    return _step(request, worker, form, "message_form", act)


@worker_required
@require_POST
def confidant_note_create(request: HttpRequest, reference: str) -> HttpResponse:
    worker = _acting(request, reference, Service.CONFIDANT)
    form = ConfidantNoteForm(request.POST, prefix="confidant")

    def act(data: dict[str, Any]) -> str:
        confidant_note_add(
            provider=worker.case.provider,
            complaint_id=worker.case.case_id,
            accessor=_accessor(request, worker),
            kind=data["kind"],
            text=data["text"],
        )
        return _("Vastgelegd. Alleen de cliënt en u zien dit.")

    return _step(request, worker, form, "confidant_form", act)


@worker_required
@require_POST
def part_create(request: HttpRequest, reference: str) -> HttpResponse:
    worker = _acting(request, reference, Service.COMMITTEE)
    form = ComplaintPartForm(request.POST, prefix="part")

    def act(data: dict[str, Any]) -> str:
        part = complaint_part_add(
            provider=worker.case.provider,
            complaint_id=worker.case.case_id,
            accessor=_accessor(request, worker),
            text=data["text"],
        )
        return _("Klachtonderdeel %(number)s toegevoegd.") % {"number": part.position}

    return _step(request, worker, form, "part_form", act)


@worker_required
@require_POST
def part_judge(request: HttpRequest, reference: str, part_id: int) -> HttpResponse:
    worker = _acting(request, reference, Service.COMMITTEE)
    form = JudgementForm(request.POST, prefix=f"part-{part_id}")
    if form.is_valid():
        try:
            part = complaint_part_judge(
                provider=worker.case.provider,
                complaint_id=worker.case.case_id,
                part_id=part_id,
                accessor=_accessor(request, worker),
                judgement=form.cleaned_data["judgement"],
                reasoning=form.cleaned_data["reasoning"],
            )
        except ComplaintPart.DoesNotExist as exc:
            raise Http404 from exc
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            messages.success(
                request,
                _("Het oordeel over klachtonderdeel %(number)s is vastgelegd.") % {"number": part.position},
            )
            return redirect("case_mediation", reference=worker.case.reference)
    return _render(request, worker, judged=(part_id, form), status=400)


@worker_required
@require_POST
def advice_issue(request: HttpRequest, reference: str) -> HttpResponse:
    worker = _acting(request, reference, Service.COMMITTEE)
    form = AdviceForm(request.POST, prefix="advice")

    def act(data: dict[str, Any]) -> str:
        committee_advice_issue(
            provider=worker.case.provider,
            complaint_id=worker.case.case_id,
            accessor=_accessor(request, worker),
            advice=data["advice"],
        )
        return _("Het oordeel en advies zijn uitgebracht; beide partijen krijgen bericht.")

    return _step(request, worker, form, "advice_form", act)


@log_reader_required
@require_GET
@never_cache
def case_access_log_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Klachtpunt's staff read one dossier's access log (multi-factor login is enforced for them)."""
    worker = _worker(request, reference)
    access_log_request(request, Event.READ, case=worker.case, role=worker.role, subject="access_log")
    entries = case_access_log(provider=worker.case.provider, case_id=worker.case.case_id)
    return render(
        request,
        "casework/mediation/access_log.html",
        {"case": worker.case, "entries": [(entry, role_label(entry.role)) for entry in entries]},
    )
