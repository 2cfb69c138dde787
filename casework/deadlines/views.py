"""Extending a decision deadline: by the provider on its host, by the coordinator on the platform."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.permissions import coordinator_required, signed_in
from casework.deadlines.forms import ExtensionForm, ReceiptDateForm
from casework.deadlines.services import deadline_extend, formal_receipt_change
from casework.dossier.access_log import Event, access_log_request, request_accessor
from casework.dossier.forms import put_errors
from casework.dossier.permissions import EXTEND_DEADLINE
from casework.dossier.selectors import provider_complaint_or_404
from casework.index.selectors import case_or_404
from casework.models import Complaint
from reference import deadline_rules as deadlines
from tenants.clusters import schema_context
from tenants.models import Provider
from tenants.permissions import provider_member_required


@require_http_methods(["GET", "POST"])
@never_cache
@provider_member_required()
def extension(request: HttpRequest, reference: str) -> HttpResponse:
    # Extending the deadline is the decision maker's, as is the decision itself.
    complaint = provider_complaint_or_404(request, reference, EXTEND_DEADLINE)
    return extension_page(
        request,
        provider=request.tenant,
        complaint=complaint,
        template="casework/provider/extension_form.html",
        done=lambda: redirect("provider_complaint_detail", reference=reference),
    )


def extension_page(
    request: HttpRequest,
    *,
    provider: Provider,
    complaint: Complaint,
    template: str,
    done: Callable[[], HttpResponse],
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """The extension form (provider or staff page); ``done()`` answers a success.

    Call in ``provider``'s schema: it reads the dossier's extensions.
    """
    form = ExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = deadline_extend(
                provider=provider,
                complaint_id=complaint.pk,
                actor=signed_in(request),
                accessor=request_accessor(request, provider=provider, complaint=complaint),
                new_deadline=data["new_deadline"],
                reason=data["reason"],
                notice_channel=data["notice_channel"],
                complainant_consent=data["complainant_consent"],
                provider_consent=data["provider_consent"],
            )
        except ValidationError as refusal:
            put_errors(form, refusal)
        else:
            messages.success(
                request,
                _("De termijn is verlengd tot %(date)s.") % {"date": made.new_deadline.strftime("%d-%m-%Y")},
            )
            return done()
    current = deadlines.complaint_deadline(complaint)
    limit = (
        deadlines.unilateral_extension_limit(complaint.formal_received_on, complaint.law)
        if complaint.formal_received_on
        else None
    )
    used = complaint.deadline_extensions.filter(basis="notice").count()
    access_log_request(request, Event.READ, provider=provider, complaint=complaint, subject="extension")
    return render(
        request,
        template,
        {
            "complaint": complaint,
            "form": form,
            "deadline": current,
            "limit": limit,
            # Wzd and Wvggz: extension only with both parties' consent.
            "is_wzd": deadlines.committee_decision_binds(complaint.law),
            "unilateral_used": used >= deadlines.UNILATERAL_EXTENSIONS[deadlines.law_regime(complaint.law)],
            **(extra or {}),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@never_cache
@coordinator_required
def extend(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(reference)
    with schema_context(case.provider.schema_name):
        complaint = Complaint.objects.get(pk=case.case_id)
        return extension_page(
            request,
            provider=case.provider,
            complaint=complaint,
            template="casework/staff/extension_form.html",
            done=lambda: redirect("case_dossier", reference=case.reference),
            extra={"case": case},
        )


@require_http_methods(["GET", "POST"])
@never_cache
@coordinator_required
def receipt_date(request: HttpRequest, reference: str) -> HttpResponse:
    """The coordinator corrects the formal receipt date, with a reason (the dossier page has the form)."""
    case = case_or_404(reference)
    form = ReceiptDateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            formal_receipt_change(
                provider=case.provider,
                complaint_id=case.case_id,
                accessor=request_accessor(request, case=case),
                received_on=form.cleaned_data["received_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as refusal:
            put_errors(form, refusal, fields=("received_on", "reason"))
        else:
            messages.success(request, _("De formele ontvangstdatum is gewijzigd."))
            return redirect("case_dossier", reference=case.reference)
    with schema_context(case.provider.schema_name):
        complaint = Complaint.objects.get(pk=case.case_id)
    access_log_request(request, Event.READ, case=case, subject="formal_receipt")
    return render(
        request,
        "casework/staff/receipt_date_form.html",
        {"case": case, "complaint": complaint, "form": form},
        status=400 if request.method == "POST" else 200,
    )
