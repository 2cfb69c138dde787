"""The provider's decision (oordeel), its measures and deadline extensions (provider host).

Every page starts from the consent gate (``provider_complaint_get``): a
complaint without consent is a 404 here as everywhere on the provider's side.
A refusal from a service lands on the form, with everything typed kept.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import signed_in
from casework.decision.draft import decision_draft_of, decision_draft_save, draft_initial
from casework.decision.forms import (
    DecisionDraftForm,
    DecisionForm,
    DecisionRevisionForm,
    MeasureFormSet,
    measures_from,
)
from casework.decision.pdf import decision_pdf
from casework.decision.services import decision_record, decision_revise, measure_mark_done
from casework.dossier.access_log import Event, access_log_request, request_accessor
from casework.dossier.forms import put_errors
from casework.dossier.permissions import (
    COMPLETE_MEASURE,
    PREPARE_ANSWER,
    RECORD_DECISION,
    VIEW_DOSSIER,
    allowed,
)
from casework.dossier.selectors import provider_complaint_or_404
from casework.models import Complaint, Decision, Measure
from reference import deadline_rules as deadlines
from reference.languages import language_label
from tenants.permissions import provider_member_required
from tenants.tenancy import request_provider


@require_http_methods(["GET", "POST"])
@never_cache
@provider_member_required()
def decision(request: HttpRequest, reference: str) -> HttpResponse:
    # Only the decision maker records and signs; the handler prepares (decision_draft).
    complaint = provider_complaint_or_404(request, reference, RECORD_DECISION)
    if Decision.objects.filter(complaint=complaint).exists():
        messages.info(
            request,
            _(
                "Op deze klacht is al een oordeel vastgelegd. Een vastgelegd oordeel wordt niet "
                "gewijzigd; leg zo nodig een nieuwe versie vast."
            ),
        )
        return redirect("provider_complaint_detail", reference=reference)
    # Bound on every POST, an empty one too (``request.POST or None`` would show a blank form
    # with a 400 and no error saying what is missing).
    posted = request.POST if request.method == "POST" else None
    form = DecisionForm(
        posted, initial=draft_initial(complaint=complaint), complainant_language=complaint.language
    )
    formset = MeasureFormSet(posted, prefix="measure")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            decision_record(
                provider=request.tenant,
                complaint_id=complaint.pk,
                actor=signed_in(request),
                accessor=request_accessor(request, complaint=complaint),
                conclusion=form.cleaned_data["conclusion"],
                decisions_taken=form.cleaned_data["decisions_taken"],
                measures_timeframe=form.cleaned_data["measures_timeframe"],
                measures=measures_from(formset),
                decided_on=form.cleaned_data["decided_on"],
                language=form.cleaned_data["language"],
            )
        except Complaint.DoesNotExist:
            raise Http404 from None
        except ValidationError as refusal:
            put_errors(
                form, refusal, fields=("conclusion", "decisions_taken", "measures_timeframe", "decided_on")
            )
        else:
            messages.success(
                request, _("Het oordeel is vastgelegd en wordt als PDF naar de klager gestuurd.")
            )
            return redirect("provider_complaint_detail", reference=reference)
    status = 400 if request.method == "POST" else 200
    access_log_request(request, Event.READ, complaint=complaint, subject="decision")
    return render(
        request,
        "casework/provider/decision_form.html",
        {
            "complaint": complaint,
            "form": form,
            "formset": formset,
            "deadline": deadlines.complaint_deadline(complaint),
            "complainant_language": language_label(complaint.language or "nl"),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@never_cache
@provider_member_required()
def decision_revise_view(request: HttpRequest, reference: str) -> HttpResponse:
    """A new version of the decision; the earlier one is kept, never edited."""
    complaint = provider_complaint_or_404(request, reference, RECORD_DECISION)
    current = Decision.objects.filter(complaint=complaint).order_by("-version").first()
    if current is None:
        return redirect("provider_decision", reference=reference)
    initial = {
        "conclusion": current.conclusion,
        "decisions_taken": current.decisions_taken,
        "measures_timeframe": current.measures_timeframe,
        "language": current.language,
    }
    # Bound on every POST, an empty one too, so the errors say what is missing.
    posted = request.POST if request.method == "POST" else None
    form = DecisionRevisionForm(posted, initial=initial, complainant_language=complaint.language)
    formset = MeasureFormSet(posted, prefix="measure")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            decision_revise(
                provider=request.tenant,  # type: ignore[attr-defined]
                complaint_id=complaint.pk,
                actor=signed_in(request),
                accessor=request_accessor(request, complaint=complaint),
                reason=form.cleaned_data["reason"],
                conclusion=form.cleaned_data["conclusion"],
                decisions_taken=form.cleaned_data["decisions_taken"],
                measures_timeframe=form.cleaned_data["measures_timeframe"],
                measures=measures_from(formset),
                decided_on=form.cleaned_data["decided_on"],
                language=form.cleaned_data["language"],
            )
        except Complaint.DoesNotExist:
            raise Http404 from None
        except ValidationError as refusal:
            put_errors(
                form,
                refusal,
                fields=("reason", "conclusion", "decisions_taken", "measures_timeframe", "decided_on"),
            )
        else:
            messages.success(
                request, _("De nieuwe versie van het oordeel is vastgelegd; de vorige blijft bewaard.")
            )
            return redirect("provider_complaint_detail", reference=reference)
    access_log_request(request, Event.READ, complaint=complaint, subject="decision")
    return render(
        request,
        "casework/provider/decision_form.html",
        {
            "complaint": complaint,
            "form": form,
            "formset": formset,
            "revising": current,
            "complainant_language": language_label(complaint.language or "nl"),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@never_cache
@provider_member_required()
def decision_download(request: HttpRequest, reference: str) -> HttpResponse:
    """The current decision's PDF, or an earlier version's (``?versie=N``): every version is kept."""
    complaint = provider_complaint_or_404(request, reference, VIEW_DOSSIER)
    versions = Decision.objects.filter(complaint=complaint).order_by("-version")
    wanted = request.GET.get("versie", "")
    if wanted:
        versions = versions.filter(version=int(wanted)) if wanted.isdigit() else versions.none()
    found = versions.first()
    if found is None:
        raise Http404
    pdf = decision_pdf(provider=request.tenant, complaint=complaint, decision=found)
    access_log_request(request, Event.PRINT, complaint=complaint, subject="decision_pdf")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="oordeel-{complaint.reference}-v{found.version}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@provider_member_required()
def measure_done(request: HttpRequest, reference: str, measure_id: int) -> HttpResponse:
    complaint = provider_complaint_or_404(request, reference, COMPLETE_MEASURE)
    try:
        measure = measure_mark_done(
            provider=request.tenant,
            complaint_id=complaint.pk,
            measure_id=measure_id,
            actor=signed_in(request),
            accessor=request_accessor(request, complaint=complaint),
        )
    except (Measure.DoesNotExist, Complaint.DoesNotExist):
        raise Http404 from None
    messages.success(request, _("Maatregel afgerond: %(text)s") % {"text": measure.description})
    return redirect("provider_complaint_detail", reference=reference)


@require_http_methods(["GET", "POST"])
@never_cache
@provider_member_required()
def decision_draft(request: HttpRequest, reference: str) -> HttpResponse:
    """The complaint handler (or the decision maker) prepares the answer; nothing is sent."""
    complaint = provider_complaint_or_404(request, reference, PREPARE_ANSWER)
    if Decision.objects.filter(complaint=complaint).exists():
        messages.info(request, _("Op deze klacht is al een oordeel vastgelegd."))
        return redirect("provider_complaint_detail", reference=reference)
    draft = decision_draft_of(complaint=complaint)
    form = DecisionDraftForm(
        request.POST or None,
        initial={
            "conclusion": draft.conclusion if draft else "",
            "decisions_taken": draft.decisions_taken if draft else "",
            "measures_timeframe": draft.measures_timeframe if draft else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            decision_draft_save(
                provider=request_provider(request),
                complaint_id=complaint.pk,
                accessor=request_accessor(request, complaint=complaint),
                **form.cleaned_data,
            )
        except ValidationError as refusal:
            put_errors(form, refusal)
        else:
            messages.success(
                request, _("Het concept-antwoord is bewaard. De beslisser legt het oordeel vast.")
            )
            return redirect("provider_complaint_detail", reference=reference)
    access_log_request(request, Event.READ, complaint=complaint, subject="decision_draft")
    return render(
        request,
        "casework/provider/decision_draft_form.html",
        {
            "complaint": complaint,
            "form": form,
            "draft": draft,
            "can_decide": allowed(request.user, RECORD_DECISION, complaint),
        },
        status=400 if request.method == "POST" else 200,
    )
