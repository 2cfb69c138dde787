"""The professional's workspace: my cases, accepting or declining an offer, my hours, time logging."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.permissions import professional_required, signed_in, time_logger_required
from casework.assignment.forms import DeclineForm, TimeEntryForm, parse_month
from casework.assignment.offer import offer_details
from casework.assignment.selectors import case_for_professional, case_is_offered, my_cases
from casework.assignment.services import AssignmentError, assignment_accept, assignment_decline
from casework.assignment.time import on_panel, time_entry_log
from casework.dossier.access_log import Event, access_log_request, request_accessor
from casework.dossier.panel import panel_seats_of
from casework.index.models import CaseIndex
from casework.models import PanelMember
from casework.timesheets.models import TimeEntry
from casework.timesheets.selectors import case_time_entries, hours_for_month
from casework.timesheets.services import (
    TimeEntryError,
    coordinator_only,
    may_log_time,
    month_is_closed,
    time_entry_delete,
    time_entry_update,
)
from reference.dates import month_bounds, today_amsterdam


@professional_required
@require_GET
def my_cases_view(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    rows = my_cases(user=user)
    return render(
        request,
        "casework/assignment/my_cases.html",
        {
            "rows": rows,
            "offers": sum(1 for row in rows if row.is_offer),
            # Committee cases where they sit on the panel (chair, member, secretary).
            "seats": [(case, PanelMember.Role(role).label) for case, role in panel_seats_of(user.pk)],
        },
    )


def _offered_case(reference: str, user: User) -> CaseIndex:
    case = case_for_professional(reference=reference, user=user)
    if case is None:
        raise Http404
    return case


@professional_required
@require_GET
def assignment_offer_view(request: HttpRequest, reference: str) -> HttpResponse:
    """The offer: what the case is about, before the professional accepts or declines it."""
    case = _offered_case(reference, signed_in(request))
    details = offer_details(case)
    access_log_request(request, Event.READ, case=case, subject="offer")
    return render(
        request,
        "casework/assignment/offer.html",
        {"case": case, "details": details, "is_offer": case_is_offered(case=case, user=signed_in(request))},
    )


@professional_required
@require_POST
def assignment_accept_view(request: HttpRequest, reference: str) -> HttpResponse:
    case = _offered_case(reference, request.user)
    try:
        assignment_accept(case=case, professional=request.user, accessor=request_accessor(request, case=case))
    except AssignmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("U heeft zaak %(reference)s geaccepteerd.") % {"reference": reference})
    return redirect("my_cases")


@professional_required
@require_http_methods(["GET", "POST"])
def assignment_decline_view(request: HttpRequest, reference: str) -> HttpResponse:
    case = _offered_case(reference, request.user)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assignment_decline(
                case=case,
                professional=request.user,
                reason=form.cleaned_data["reason"],
                accessor=request_accessor(request, case=case),
            )
        except AssignmentError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("U heeft zaak %(reference)s afgewezen; de zaak gaat terug naar de coördinator.")
                % {"reference": reference},
            )
        return redirect("my_cases")
    return render(request, "casework/assignment/decline.html", {"case": case, "form": form})


@professional_required
@require_GET
def my_hours_view(request: HttpRequest) -> HttpResponse:
    today = today_amsterdam()
    month = parse_month(request.GET.get("maand"), today=today)
    hours = hours_for_month(user=signed_in(request), month=month)
    start, following = month_bounds(month)
    previous = (start - datetime.timedelta(days=1)).replace(day=1)
    return render(
        request,
        "casework/assignment/my_hours.html",
        {
            "hours": hours,
            "previous_month": previous,
            "next_month": following if following <= today else None,
            "closed": month_is_closed(start),
        },
    )


def _case_for_time(reference: str, user: User) -> CaseIndex:
    case = get_object_or_404(CaseIndex.objects.select_related("provider"), reference=reference)
    # A professional who does not hold the case learns nothing about it, not even that it exists.
    if not may_log_time(user, case, on_panel=on_panel(case, user)):
        raise Http404
    return case


@time_logger_required
@require_http_methods(["GET", "POST"])
def case_time_view(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_for_time(reference, request.user)
    limited = coordinator_only(request.user, case, on_panel=on_panel(case, signed_in(request)))
    form = TimeEntryForm(request.POST or None, coordinator_only=limited)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            time_entry_log(
                actor=signed_in(request),
                case=case,
                kind=data["kind"],
                minutes=data["minutes"],
                worked_on=data["worked_on"],
                activity=data["activity"],
                note=data.get("note") or "",
                accessor=request_accessor(request, case=case),
            )
        except TimeEntryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(minutes)s minuten geschreven op %(reference)s.")
                % {"minutes": data["minutes"], "reference": reference},
            )
            return redirect("case_time", reference=reference)
    entries = case_time_entries(case=case, user=signed_in(request))
    access_log_request(request, Event.READ, case=case, subject="time")
    return render(
        request,
        "casework/assignment/case_time.html",
        {
            "case": case,
            "form": form,
            "coordinator_only": limited,
            "entries": [(entry, not month_is_closed(entry.worked_on)) for entry in entries],
            "total_minutes": sum(entry.minutes for entry in entries),
        },
    )


def _own_entry(reference: str, entry_id: int, user: User) -> tuple[TimeEntry, CaseIndex]:
    """One's own entry and its case; an entry whose case is gone (its provider was deleted at
    contract end) is kept for the fiscal record only: not found here."""
    entry = get_object_or_404(
        TimeEntry.objects.select_related("case", "provider"),
        pk=entry_id,
        reference=reference,
        professional=user,
    )
    if entry.case is None:
        raise Http404
    return entry, entry.case


@time_logger_required
@require_http_methods(["GET", "POST"])
def case_time_edit_view(request: HttpRequest, reference: str, entry_id: int) -> HttpResponse:
    entry, case = _own_entry(reference, entry_id, request.user)
    limited = coordinator_only(request.user, case, on_panel=on_panel(case, signed_in(request)))
    initial = {
        "kind": entry.kind,
        "activity": entry.activity,
        "minutes": entry.minutes,
        "worked_on": entry.worked_on,
    }
    form = TimeEntryForm(request.POST or None, initial=initial, coordinator_only=limited, with_note=False)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            time_entry_update(
                actor=signed_in(request),
                entry=entry,
                kind=data["kind"],
                minutes=data["minutes"],
                worked_on=data["worked_on"],
                activity=data["activity"],
                on_panel=on_panel(case, signed_in(request)),
            )
        except TimeEntryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("De tijdregistratie is gewijzigd."))
            return redirect(_back(request, reference))
    return render(
        request,
        "casework/assignment/time_edit.html",
        {
            "entry": entry,
            "form": form,
            "locked": month_is_closed(entry.worked_on),
            "back": _back(request, reference),
        },
    )


@time_logger_required
@require_POST
def case_time_delete_view(request: HttpRequest, reference: str, entry_id: int) -> HttpResponse:
    entry, _case = _own_entry(reference, entry_id, request.user)
    try:
        time_entry_delete(actor=signed_in(request), entry=entry)
    except TimeEntryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("De tijdregistratie is verwijderd."))
    return redirect(_back(request, reference))


def _back(request: HttpRequest, reference: str) -> str:
    """Back to "my hours" when the edit started there, else to the case's time page."""
    if request.GET.get("terug") == "uren":
        return reverse("my_hours")
    return reverse("case_time", args=[reference])
