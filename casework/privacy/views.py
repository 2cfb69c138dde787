"""The DPO's workspace on the platform host (/werkplek/avg/): queue, requests, breaches, advice, report."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from casework.assignment.forms import TimeEntryForm
from casework.assignment.matching import provider_candidates
from casework.dossier.access_log import Accessor, Event, access_log_request, accessor_from_request
from casework.index.models import CaseIndex, CaseKind, Service
from casework.models import PrivacyRequest
from casework.privacy import forms as f
from casework.privacy import selectors, services
from casework.privacy.pdf import annual_report_pdf
from casework.privacy.services import PrivacyError
from casework.timesheets.models import Activity, TimeKind
from casework.timesheets.selectors import case_time_entries
from casework.timesheets.services import TimeEntryError
from tenants.clusters import schema_context
from tenants.models import Provider


def dpo_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Platform host only; a professional with the dpo qualification, or a coordinator."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        tenant = getattr(request, "tenant", None)
        if tenant is None or not tenant.is_platform or not services.is_dpo(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _user(request: HttpRequest) -> User:
    """The signed-in user (every view here is behind ``dpo_required``)."""
    return cast(User, request.user)


def _accessor(request: HttpRequest, provider: Provider) -> Accessor:
    return accessor_from_request(request, provider=provider, role="dpo")


def _case(reference: str) -> CaseIndex:
    case = selectors.privacy_case_or_none(reference)
    if case is None:
        raise Http404(_("Deze zaak bestaat niet."))
    return case


@dpo_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("mijn") == "1"
    rows = selectors.dpo_queue(mine_of=_user(request) if mine else None)
    return render(
        request,
        "casework/privacy/queue.html",
        {
            "rows": rows,
            "mine": mine,
            "providers": selectors.providers_with_dpo(),
            "may_appoint": services.may_appoint_dpo(_user(request)),
        },
    )


@dpo_required
@never_cache
@require_GET
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case(reference)
    provider = case.provider
    context: dict[str, Any] = {
        "case": case,
        "time_form": TimeEntryForm(
            initial={
                "worked_on": timezone.localdate(),
                "kind": TimeKind.PHONE,
                "activity": Activity.CORRESPONDENCE,
            }
        ),
        "time_entries": list(case_time_entries(case=case, user=_user(request))) if case.assignee_id else [],
        "is_assignee": case.assignee_id == _user(request).pk,
    }
    if case.kind == CaseKind.DSR:
        found = selectors.request_with_events(provider, reference)
        if found is None:
            raise Http404
        record, events = found
        context.update(
            request_=record,
            events=events,
            due_on=services.request_due_on(record),
            identity_form=f.IdentityForm(),
            extension_form=f.ExtensionForm(),
            answer_form=f.AnswerForm(),
        )
        template = "casework/privacy/request.html"
    else:
        found_breach = selectors.breach_with_events(provider, reference)
        if found_breach is None:
            raise Http404
        breach, breach_events = found_breach
        context.update(
            breach=breach,
            events=breach_events,
            clock=selectors.breach_clock(breach),
            fields=selectors.notification_fields(breach),
            assessment_form=f.AssessmentForm(),
            ap_form=f.ApNotificationForm(),
            people_form=f.PeopleNotificationForm(),
        )
        template = "casework/privacy/breach.html"
    access_log_request(
        request, Event.READ, provider=provider, reference=reference, subject=_subject(case), role="dpo"
    )
    return render(request, template, context)


def _subject(case: CaseIndex) -> str:
    return "privacy_request" if case.kind == CaseKind.DSR else "breach"


def _act(
    request: HttpRequest,
    reference: str,
    form_class: type,
    action: Callable[[CaseIndex, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    case = _case(reference)
    form = form_class(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect("privacy_case", reference=reference)
    try:
        action(case, form.cleaned_data)
    except (PrivacyError, TimeEntryError) as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, done)
    return redirect("privacy_case", reference=reference)


@dpo_required
@require_POST
def take(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case(reference)
    try:
        services.privacy_case_take(case=case, dpo=_user(request), accessor=_accessor(request, case.provider))
    except PrivacyError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("U behandelt %(reference)s.") % {"reference": reference})
    return redirect("privacy_case", reference=reference)


@dpo_required
@require_POST
def verify_identity(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        f.IdentityForm,
        lambda case, data: services.privacy_request_verify_identity(
            provider=case.provider,
            reference=reference,
            actor=_user(request),
            accessor=_accessor(request, case.provider),
            method=data["method"],
            note=data["note"],
        ),
        _("De vaststelling van de identiteit is vastgelegd."),
    )


@dpo_required
@require_POST
def extend(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        f.ExtensionForm,
        lambda case, data: services.privacy_request_extend(
            provider=case.provider,
            reference=reference,
            actor=_user(request),
            accessor=_accessor(request, case.provider),
            reason=data["reason"],
            notice_on=data["notice_on"],
        ),
        _("De termijn is met twee maanden verlengd."),
    )


@dpo_required
@require_POST
def answer(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        f.AnswerForm,
        lambda case, data: services.privacy_request_answer(
            provider=case.provider,
            reference=reference,
            actor=_user(request),
            accessor=_accessor(request, case.provider),
            outcome=data["outcome"],
            answer_text=data["answer_text"],
            reason=data["reason"],
            answered_on=data["answered_on"],
        ),
        _("Het antwoord is vastgelegd; de brief staat in het dossier."),
    )


@dpo_required
@require_GET
def answer_letter(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case(reference)
    if case.kind != CaseKind.DSR:
        raise Http404
    with schema_context(case.provider.schema_name):
        record = PrivacyRequest.objects.filter(reference=reference).first()
        if record is None or not record.answer_letter:
            raise Http404
        content = record.answer_letter.open("rb").read()
    access_log_request(
        request,
        Event.EXPORT,
        provider=case.provider,
        reference=reference,
        subject="answer_letter",
        role="dpo",
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{reference}-antwoord.pdf"'
    return response


@dpo_required
@require_POST
def assess(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        f.AssessmentForm,
        lambda case, data: services.breach_assess(
            provider=case.provider,
            reference=reference,
            actor=_user(request),
            accessor=_accessor(request, case.provider),
            risk=data["risk"],
            reason=data["reason"],
        ),
        _("De beoordeling is vastgelegd."),
    )


@dpo_required
@require_POST
def notify_ap(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        f.ApNotificationForm,
        lambda case, data: services.breach_notify_ap(
            provider=case.provider,
            reference=reference,
            actor=_user(request),
            accessor=_accessor(request, case.provider),
            notified_at=data["notified_at"],
            case_number=data["case_number"],
            late_reason=data["late_reason"],
        ),
        _("De melding aan de Autoriteit Persoonsgegevens is vastgelegd."),
    )


@dpo_required
@require_POST
def notify_people(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        f.PeopleNotificationForm,
        lambda case, data: services.breach_notify_people(
            provider=case.provider,
            reference=reference,
            actor=_user(request),
            accessor=_accessor(request, case.provider),
            notified_at=data["notified_at"],
            notice=data["notice"],
        ),
        _("Vastgelegd dat de betrokkenen zijn geïnformeerd."),
    )


class _NoFields(forms.Form):
    pass


@dpo_required
@require_POST
def close_breach(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        _NoFields,
        lambda case, data: services.breach_close(
            provider=case.provider,
            reference=reference,
            actor=_user(request),
            accessor=_accessor(request, case.provider),
        ),
        _("Het datalek is afgesloten."),
    )


@dpo_required
@require_POST
def log_time(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        TimeEntryForm,
        lambda case, data: services.privacy_time_log(
            actor=_user(request),
            case=case,
            kind=data["kind"],
            minutes=data["minutes"],
            worked_on=data["worked_on"],
            activity=data["activity"],
            note=data["note"],
        ),
        _("Uw uren zijn opgeslagen."),
    )


@dpo_required
@require_http_methods(["GET", "POST"])
def request_create(request: HttpRequest) -> HttpResponse:
    form = f.StaffRequestForm(request.POST or None, providers=selectors.providers_with_dpo())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        provider = data["provider"]
        try:
            record, _created = services.privacy_request_submit(
                provider=provider,
                accessor=_accessor(request, provider),
                kind=data["kind"],
                via=PrivacyRequest.Via.DPO,
                requester_name=data["requester_name"],
                requester_email=data["requester_email"],
                requester_phone=data["requester_phone"],
                on_behalf_of=data["on_behalf_of"],
                description=data["description"],
                received_at=data["received_at"],
                receipt_evidence=data["receipt_evidence"],
                entered_by=_user(request),
            )
        except PrivacyError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request, _("Verzoek %(reference)s is vastgelegd.") % {"reference": record.reference}
            )
            return redirect("privacy_case", reference=record.reference)
    return render(request, "casework/privacy/form.html", {"form": form, "title": _("Nieuw AVG-verzoek")})


@dpo_required
@require_http_methods(["GET", "POST"])
def breach_create(request: HttpRequest) -> HttpResponse:
    form = f.BreachForm(request.POST or None, providers=selectors.providers_with_dpo())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        provider = data.pop("provider")
        try:
            breach = services.breach_report(
                provider=provider, accessor=_accessor(request, provider), reporter=_user(request), **data
            )
        except PrivacyError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request, _("Datalek %(reference)s staat in het register.") % {"reference": breach.reference}
            )
            return redirect("privacy_case", reference=breach.reference)
    return render(request, "casework/privacy/form.html", {"form": form, "title": _("Datalek registreren")})


@dpo_required
@require_http_methods(["GET", "POST"])
def advice(request: HttpRequest) -> HttpResponse:
    providers = selectors.providers_with_dpo()
    # Advice is recorded (and billed) by the provider's own DPO: offer only their providers.
    own = providers.filter(
        dpo_appointments__professional=_user(request), dpo_appointments__ended_at__isnull=True
    )
    form = f.AdviceForm(request.POST or None, providers=own)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.advice_record(actor=_user(request), **data)
        except PrivacyError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("Het advies is vastgelegd."))
            return redirect("privacy_advice")
    logs = [(provider, selectors.advice_log(provider)) for provider in providers]
    return render(request, "casework/privacy/advice.html", {"form": form, "logs": logs})


@dpo_required
@never_cache
@require_http_methods(["GET", "POST"])
def dpo_appointment(request: HttpRequest, slug: str) -> HttpResponse:
    """Coordination: the provider's data-protection officer (art. 37), who may be, and the history."""
    if not services.may_appoint_dpo(_user(request)):
        raise PermissionDenied
    provider = selectors.providers_with_dpo().filter(slug=slug).first()
    if provider is None:
        raise Http404
    current = services.provider_dpo(provider)
    candidates = [
        (professional, reasons)
        for professional, reasons in provider_candidates(provider, service=Service.DPO)
        if current is None or professional.user_id != current.professional_id
    ]
    eligible_ids = [professional.user_id for professional, reasons in candidates if not reasons]
    form = f.DpoAppointForm(
        request.POST or None,
        eligible=User.objects.filter(pk__in=eligible_ids).order_by("display_name", "email"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.dpo_appoint(
                provider=provider,
                professional=form.cleaned_data["professional"],
                actor=_user(request),
                accessor=_accessor(request, provider),
                reason=form.cleaned_data["reason"],
            )
        except PrivacyError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("De functionaris gegevensbescherming is vastgelegd."))
            return redirect("privacy_dpo_appointment", slug=provider.slug)
    return render(
        request,
        "casework/privacy/dpo_appointment.html",
        {
            "provider": provider,
            "form": form,
            "current": current,
            "history": selectors.dpo_appointments(provider),
            "excluded": [(professional, reasons) for professional, reasons in candidates if reasons],
        },
    )


def _report_target(slug: str, year: int) -> Provider:
    provider = selectors.providers_with_dpo().filter(slug=slug).first()
    if provider is None or not 2000 <= year <= timezone.localdate().year:
        raise Http404
    return provider


@dpo_required
@require_GET
def annual_report(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    provider = _report_target(slug, year)
    report = selectors.dpo_annual_report(provider=provider, year=year)
    return render(
        request,
        "casework/privacy/report.html",
        {"provider": provider, "report": report, "years": f.year_choices()},
    )


@dpo_required
@require_GET
def annual_report_download(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    provider = _report_target(slug, year)
    report = selectors.dpo_annual_report(provider=provider, year=year)
    response = HttpResponse(
        annual_report_pdf(provider=provider, report=report), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="fg-jaarverslag-{provider.slug}-{year}.pdf"'
    return response
