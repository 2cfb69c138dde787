"""Closing a case and extending its deadline from the staff workspace (platform host).

Closing: the coordinator, or the professional the case is assigned to (and
who accepted it). Extending: the coordinator, for instance for a Wzd
committee with both parties' written consent.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.models import PlatformRole
from accounts.permissions import (
    has_platform_role,
    signed_in,
    staff_required,
)
from casework.closing.forms import CloseForm
from casework.closing.services import FOLLOW_UP_OPTIONS, can_close_case, case_close, filed_with_provider_on
from casework.dossier.access_log import Event, access_log_request, request_accessor
from casework.dossier.forms import put_errors
from casework.index.models import CaseIndex, CaseStatus
from casework.index.selectors import case_or_404
from casework.models import Complaint
from reference import deadline_rules as deadlines
from tenants.clusters import schema_context
from tenants.selectors import provider_disputes_body


def _back(request: HttpRequest, case: CaseIndex) -> HttpResponse:
    if has_platform_role(request.user, PlatformRole.COORDINATOR, PlatformRole.PLATFORM_ADMIN):
        return redirect("case_dossier", reference=case.reference)
    return redirect("my_cases")


@require_http_methods(["GET", "POST"])
@never_cache
@staff_required
def close(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(reference)
    if not can_close_case(request.user, case):
        raise PermissionDenied
    if case.status == CaseStatus.CLOSED:
        messages.info(request, _("Deze zaak is al afgesloten."))
        return _back(request, case)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case_close(
                provider=case.provider,
                complaint_id=case.case_id,
                actor=signed_in(request),
                accessor=request_accessor(request, case=case),
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                evidence=form.cleaned_data["evidence"],
            )
        except ValidationError as refusal:
            put_errors(form, refusal, fields=("evidence",))
        else:
            messages.success(request, _("De zaak is afgesloten. De klager krijgt bericht."))
            return _back(request, case)
    with schema_context(case.provider.schema_name):
        complaint = Complaint.objects.only("received_at", "formal_received_on").get(pk=case.case_id)
        disputes_day = deadlines.disputes_last_day(filed_with_provider_on(complaint))
    access_log_request(request, Event.READ, case=case, subject="closing")
    return render(
        request,
        "casework/staff/close.html",
        {
            "case": case,
            "form": form,
            "follow_up_options": FOLLOW_UP_OPTIONS,
            "disputes_body": provider_disputes_body(case.provider),
            "disputes_last_day": disputes_day,
            "back_url": _back(request, case).url,
        },
        status=400 if request.method == "POST" else 200,
    )
