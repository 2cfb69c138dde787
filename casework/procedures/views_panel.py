"""The committee's panel on the platform host: the coordinator forms it, the panel works in it.

``/werkplek/zaken/<reference>/commissie/samenstellen/``: the coordinator
chooses the chair, the members and the secretary from matching's candidates,
each with the reasons (why eligible, or why not).

``/werkplek/zaken/<reference>/commissie/``: the panel's workspace. The
secretary keeps the written round and schedules and reports the hearing;
every seat deliberates (the panel only) and judges the parts; the chair signs
off. Coordinators read it without the deliberation. The services enforce who
may do what (``casework.procedures.panel``); these views stay thin.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import PlatformRole
from accounts.permissions import coordinator_required, has_platform_role, signed_in
from casework.dossier.access_log import Event, access_log_request, accessor_from_request
from casework.index.models import CaseIndex, CaseStatus, Service
from casework.models import Complaint, Meeting
from casework.procedures.committee import complaint_part_add, complaint_part_judge
from casework.procedures.forms import (
    ComplaintPartForm,
    DeliberationForm,
    HearingForm,
    HearingReportForm,
    JudgementForm,
    PanelForm,
    SignOffForm,
    WrittenRoundForm,
)
from casework.procedures.panel import (
    deliberation_note_add,
    hearing_attendees,
    hearing_report_record,
    hearing_schedule,
    panel_candidates,
    panel_form,
    panel_judgement_sign,
    written_round_receive,
    written_round_set,
)
from casework.procedures.selectors import CaseWorker, case_worker, panel_for
from casework.procedures.views import form_step, worker_required
from tenants.clusters import schema_context
from tenants.models import ProviderMembership

# --- The coordinator: forming the panel ---------------------------------------------


def _case(reference: str) -> CaseIndex:
    return get_object_or_404(CaseIndex.objects.select_related("provider"), reference=reference)


@coordinator_required
@require_http_methods(["GET", "POST"])
@never_cache
def panel_compose(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case(reference)
    if case.service != Service.COMMITTEE:
        access_log_request(request, Event.READ, case=case, subject="committee_panel")
        return render(
            request,
            "casework/procedures/panel_compose.html",
            {"case": case, "form": None, "candidates": {}, "not_committee": True},
            status=200 if request.method == "GET" else 400,
        )
    candidates = panel_candidates(case)
    choices = {
        seat: [(c.professional.user_id, str(c.professional.user)) for c in found if c.eligible]
        for seat, found in candidates.items()
    }
    with schema_context(case.provider.schema_name):
        current = {
            seat: [member.user_id for member in panel if member.role == seat]
            for panel in [list(Complaint.objects.get(pk=case.case_id).panel.all())]
            for seat in ("chair", "member", "secretary")
        }
    initial = {
        "chair": next(iter(current["chair"]), None),
        "members": current["member"],
        "secretary": next(iter(current["secretary"]), None),
    }
    form = PanelForm(request.POST or None, choices=choices, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                panel_form(
                    case=case,
                    chair_id=form.cleaned_data["chair"],
                    member_ids=form.cleaned_data["members"],
                    secretary_id=form.cleaned_data["secretary"],
                    accessor=accessor_from_request(request, provider=case.provider, case_id=case.case_id),
                )
            except ValidationError as refusal:
                form.add_error(None, refusal)
            else:
                messages.success(request, _("Het panel is samengesteld."))
                return redirect("case_panel", reference=reference)
        status = 400
    else:
        access_log_request(request, Event.READ, case=case, subject="committee_panel")
    return render(
        request,
        "casework/procedures/panel_compose.html",
        {"case": case, "form": form, "candidates": candidates, "current": current},
        status=status,
    )


# --- The panel's workspace -----------------------------------------------------------


def _worker(request: HttpRequest, reference: str) -> CaseWorker:
    worker = case_worker(reference=reference, user=signed_in(request))
    if worker is None or worker.case.service != Service.COMMITTEE:
        raise Http404
    return worker


def _acting(request: HttpRequest, reference: str) -> CaseWorker:
    worker = _worker(request, reference)
    if not worker.can_act:
        raise Http404
    return worker


def _accessor(request: HttpRequest, worker: CaseWorker):  # type: ignore[no-untyped-def]
    return accessor_from_request(
        request, provider=worker.case.provider, case_id=worker.case.case_id, role=Service.COMMITTEE
    )


def _provider_contacts(worker: CaseWorker) -> list[tuple[str, str]]:
    """The provider's people who may read the dossier, to invite to the hearing (name, e-mail)."""
    return [
        (str(m.user), m.user.email)
        for m in ProviderMembership.objects.filter(provider=worker.case.provider, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    ]


def _render(
    request: HttpRequest,
    worker: CaseWorker,
    *,
    bound: dict[str, forms.Form] | None = None,
    failed_anchor: str | None = None,
    status: int = 200,
) -> HttpResponse:
    case = worker.case
    user = signed_in(request)
    access_log_request(request, Event.READ, case=case, role=worker.role, subject="committee_panel")
    with schema_context(case.provider.schema_name):
        complaint = Complaint.objects.get(pk=case.case_id)
        panel = panel_for(complaint=complaint, user=user)
        hearings = [
            (
                meeting,
                report,
                (bound or {}).get(f"report-{meeting.pk}")
                or HearingReportForm(
                    prefix=f"report-{meeting.pk}",
                    attendees=[(key, label) for key, _who, label in hearing_attendees(meeting)],
                    initial={
                        "minutes": report.minutes if report else "",
                        "present": [row.get("key") for row in report.attendance if row["present"]]
                        if report
                        else [],
                    },
                ),
            )
            for meeting, report in panel.hearings
        ]
    parts = [
        (
            part,
            (bound or {}).get(f"part-{part.pk}")
            or JudgementForm(
                prefix=f"part-{part.pk}", initial={"judgement": part.judgement, "reasoning": part.reasoning}
            ),
        )
        for part in panel.parts
    ]
    contacts = _provider_contacts(worker)
    hearing_initial: dict[str, str] = {"kind": Meeting.Kind.HEARING}
    if contacts:
        hearing_initial |= {"provider_contact_name": contacts[0][0], "provider_contact_email": contacts[0][1]}
    context: dict[str, Any] = {
        "case": case,
        "complaint": complaint,
        "worker": worker,
        "panel": panel,
        "hearings": hearings,
        "parts": parts,
        "is_open": complaint.status != CaseStatus.CLOSED and panel.advice is None,
        "is_coordinator": has_platform_role(user, PlatformRole.COORDINATOR),
        "round_form": WrittenRoundForm(prefix="round"),
        "hearing_form": HearingForm(prefix="hearing", initial=hearing_initial),
        "deliberation_form": DeliberationForm(prefix="deliberation"),
        "part_form": ComplaintPartForm(prefix="part"),
        "sign_form": SignOffForm(prefix="sign"),
        "failed_anchor": failed_anchor,
        **{name: form for name, form in (bound or {}).items() if not name.startswith(("report-", "part-"))},
    }
    return render(request, "casework/procedures/panel.html", context, status=status)


@worker_required
@require_GET
@never_cache
def panel_workspace(request: HttpRequest, reference: str) -> HttpResponse:
    return _render(request, _worker(request, reference))


def _step(
    request: HttpRequest,
    worker: CaseWorker,
    form: forms.Form,
    name: str,
    act: Callable[[dict[str, Any]], str],
    anchor: str,
) -> HttpResponse:
    """Validate, run the service, back to the page at ``anchor``; a refusal shows on the form."""
    return form_step(
        request,
        form,
        act,
        done=reverse("case_panel", args=[worker.case.reference]) + f"#{anchor}",
        again=lambda: _render(request, worker, bound={name: form}, failed_anchor=anchor, status=400),
    )


@worker_required
@require_POST
def panel_round(request: HttpRequest, reference: str) -> HttpResponse:
    worker = _acting(request, reference)
    form = WrittenRoundForm(request.POST, prefix="round")

    def act(data: dict[str, Any]) -> str:
        common = {
            "provider": worker.case.provider,
            "complaint_id": worker.case.case_id,
            "accessor": _accessor(request, worker),
            "kind": data["kind"],
        }
        if data["what"] == WrittenRoundForm.RECEIVED:
            written_round_receive(**common, received_on=data["day"])
            return _("De ontvangst is vastgelegd.")
        written_round_set(**common, due_on=data["day"])
        return _("De termijn is vastgelegd.")

    return _step(request, worker, form, "round_form", act, "h-round")


@worker_required
@require_POST
def panel_hearing(request: HttpRequest, reference: str) -> HttpResponse:
    worker = _acting(request, reference)
    form = HearingForm(request.POST, prefix="hearing")

    def act(data: dict[str, Any]) -> str:
        hearing_schedule(
            provider=worker.case.provider,
            complaint_id=worker.case.case_id,
            accessor=_accessor(request, worker),
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            location=data["location"],
            call_in=data["call_in"],
            provider_contact_name=data["provider_contact_name"],
            provider_contact_email=data["provider_contact_email"],
        )
        return _(
            "De hoorzitting is gepland; de partijen en het panel krijgen een uitnodiging voor hun agenda."
        )

    return _step(request, worker, form, "hearing_form", act, "h-hearing")


@worker_required
@require_POST
def panel_hearing_report(request: HttpRequest, reference: str, meeting_id: int) -> HttpResponse:
    worker = _acting(request, reference)
    with schema_context(worker.case.provider.schema_name):
        meeting = get_object_or_404(
            Meeting, pk=meeting_id, complaint_id=worker.case.case_id, kind=Meeting.Kind.HEARING
        )
        attendees = [(key, label) for key, _who, label in hearing_attendees(meeting)]
    form = HearingReportForm(request.POST, prefix=f"report-{meeting_id}", attendees=attendees)

    def act(data: dict[str, Any]) -> str:
        hearing_report_record(
            provider=worker.case.provider,
            complaint_id=worker.case.case_id,
            meeting_id=meeting_id,
            accessor=_accessor(request, worker),
            present=data["present"],
            minutes=data["minutes"],
        )
        return _("De aanwezigheid en het verslag zijn vastgelegd.")

    return _step(request, worker, form, f"report-{meeting_id}", act, f"hearing-{meeting_id}")


@worker_required
@require_POST
def panel_deliberation(request: HttpRequest, reference: str) -> HttpResponse:
    worker = _acting(request, reference)
    form = DeliberationForm(request.POST, prefix="deliberation")

    def act(data: dict[str, Any]) -> str:
        deliberation_note_add(
            provider=worker.case.provider,
            complaint_id=worker.case.case_id,
            accessor=_accessor(request, worker),
            text=data["text"],
        )
        return _("Uw bijdrage aan het beraad is vastgelegd.")

    return _step(request, worker, form, "deliberation_form", act, "h-deliberation")


@worker_required
@require_POST
def panel_part(request: HttpRequest, reference: str) -> HttpResponse:
    worker = _acting(request, reference)
    form = ComplaintPartForm(request.POST, prefix="part")

    def act(data: dict[str, Any]) -> str:
        part = complaint_part_add(
            provider=worker.case.provider,
            complaint_id=worker.case.case_id,
            accessor=_accessor(request, worker),
            text=data["text"],
        )
        return _("Klachtonderdeel %(number)s toegevoegd.") % {"number": part.position}

    return _step(request, worker, form, "part_form", act, "h-judgement")


@worker_required
@require_POST
def panel_part_judge(request: HttpRequest, reference: str, part_id: int) -> HttpResponse:
    worker = _acting(request, reference)
    form = JudgementForm(request.POST, prefix=f"part-{part_id}")

    def act(data: dict[str, Any]) -> str:
        part = complaint_part_judge(
            provider=worker.case.provider,
            complaint_id=worker.case.case_id,
            part_id=part_id,
            accessor=_accessor(request, worker),
            judgement=data["judgement"],
            reasoning=data["reasoning"],
        )
        return _("Het oordeel over klachtonderdeel %(number)s is vastgelegd.") % {"number": part.position}

    return _step(request, worker, form, f"part-{part_id}", act, "h-judgement")


@worker_required
@require_POST
def panel_sign(request: HttpRequest, reference: str) -> HttpResponse:
    worker = _acting(request, reference)
    form = SignOffForm(request.POST, prefix="sign")

    def act(data: dict[str, Any]) -> str:
        sign_off = panel_judgement_sign(
            provider=worker.case.provider,
            complaint_id=worker.case.case_id,
            accessor=_accessor(request, worker),
            advice=data["advice"],
            recommendations=data["recommendations"],
        )
        if sign_off.binding:
            return _("Het oordeel is ondertekend. Deze beslissing van de commissie is bindend.")
        return _("Het oordeel is ondertekend. De zorgaanbieder neemt nu zijn eigen beslissing.")

    return _step(request, worker, form, "sign_form", act, "h-judgement")
