"""The coordinator's matching page and the assign / reassign action (platform host)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from accounts.permissions import coordinator_required, signed_in
from casework.assignment.forms import ReassignForm
from casework.assignment.matching import FACTOR_LABELS, WEIGHTS, rank_professionals
from casework.assignment.selectors import assignment_history, current_assignment
from casework.assignment.services import AssignmentError, case_assign, case_reassign
from casework.dossier.access_log import Event, access_log_request, request_accessor
from casework.index.models import CaseIndex

# The matching page lists the best this many; the rest are one click away.
SHORTLIST = 25


def _case(reference: str) -> CaseIndex:
    return get_object_or_404(CaseIndex.objects.select_related("provider", "assignee"), reference=reference)


def _dossier_url(reference: str) -> str | None:
    # The dossier page belongs to the queue; link to it when it is installed.
    try:
        return reverse("case_dossier", args=[reference])
    except NoReverseMatch:
        return None


@coordinator_required
@require_GET
def case_match(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case(reference)
    access_log_request(request, Event.READ, case=case, subject="matching")
    ranking = rank_professionals(case)
    show_all = request.GET.get("alle") == "1"
    return render(
        request,
        "casework/assignment/match.html",
        {
            "case": case,
            "ranking": ranking,
            "shown": ranking.candidates if show_all else ranking.candidates[:SHORTLIST],
            "hidden_count": 0 if show_all else max(0, len(ranking.candidates) - SHORTLIST),
            "current": current_assignment(case),
            "history": assignment_history(case),
            "weights": [(str(FACTOR_LABELS[name]), getattr(WEIGHTS, name)) for name in FACTOR_LABELS],
            "dossier_url": _dossier_url(reference),
        },
    )


@coordinator_required
@require_http_methods(["GET", "POST"])
def case_assign_confirm(request: HttpRequest, reference: str, user_id: int) -> HttpResponse:
    """Offer the case to one professional; when someone holds it already, ask why first (reassign)."""
    case = _case(reference)
    professional = get_object_or_404(User.objects.select_related("professional"), pk=user_id)
    current = current_assignment(case)
    form = ReassignForm(request.POST or None) if current is not None else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            if form is None:
                case_assign(
                    case=case,
                    professional=professional,
                    actor=signed_in(request),
                    accessor=request_accessor(request, case=case),
                )
            else:
                case_reassign(
                    case=case,
                    professional=professional,
                    actor=signed_in(request),
                    reason=form.cleaned_data["reason"],
                    accessor=request_accessor(request, case=case),
                )
        except AssignmentError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Zaak %(reference)s is aangeboden aan %(name)s, die daarover een e-mail krijgt.")
                % {"reference": case.reference, "name": professional},
            )
        return redirect("case_match", reference=case.reference)
    ranking = rank_professionals(case)
    candidate = next((c for c in ranking.candidates if c.professional.user_id == professional.pk), None)
    excluded = next((e for e in ranking.excluded if e.professional.user_id == professional.pk), None)
    return render(
        request,
        "casework/assignment/confirm.html",
        {
            "case": case,
            "professional": professional,
            "current": current,
            "form": form,
            "candidate": candidate,
            "excluded": excluded,
        },
    )
