"""Forms of the coordinator's queue and dossier: the queue filters and the triage steps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.index.models import Consent, Outcome, Service
from casework.models import Goal
from casework.triage.selectors import OPEN_STATUSES, DeadlineWindow, QueueFilters
from casework.triage.services import INTAKE_OUTCOMES, ROUTABLE_SERVICES

UNASSIGNED = "none"


class QueueFilterForm(forms.Form):
    """Reads the queue's query string. A value that makes no sense is ignored, not an error page."""

    status = forms.ChoiceField(choices=[(s.value, s.label) for s in OPEN_STATUSES], required=False)
    service = forms.ChoiceField(choices=Service.choices, required=False)
    provider = forms.IntegerField(min_value=1, required=False)
    category = forms.SlugField(max_length=40, required=False)
    assignee = forms.RegexField(regex=rf"^([1-9][0-9]{{0,18}}|{UNASSIGNED})$", required=False)
    deadline = forms.ChoiceField(choices=list(DeadlineWindow.LABELS.items()), required=False)

    def filters(self) -> QueueFilters:
        self.is_valid()
        data: dict[str, Any] = self.cleaned_data
        assignee = data.get("assignee") or ""
        return QueueFilters(
            status=data.get("status") or "",
            service=data.get("service") or "",
            provider=data.get("provider"),
            category=data.get("category") or "",
            assignee=int(assignee) if assignee.isdigit() else None,
            unassigned=assignee == UNASSIGNED,
            deadline=data.get("deadline") or "",
        )


class IntakeCallForm(forms.Form):
    discussed = forms.CharField(
        label=_("Wat is er besproken?"),
        help_text=_("Alleen zichtbaar voor medewerkers van Klachtpunt."),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10000,
    )
    goal = forms.ChoiceField(label=_("Wat wil de klager bereiken?"), choices=Goal.choices)
    goal_details = forms.CharField(
        label=_("Toelichting op het doel"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )


class ResolveAtIntakeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Uitkomst"),
        choices=[(o.value, o.label) for o in Outcome if o in INTAKE_OUTCOMES],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Notitie (optioneel)"),
        help_text=_("Alleen zichtbaar voor medewerkers van Klachtpunt."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )


class ConsentRequestForm(forms.Form):
    """Sending the request needs no input; the form carries the CSRF token."""


class ConsentRecordForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Antwoord van de klager"),
        choices=[(Consent.GIVEN, _("Geeft toestemming")), (Consent.REFUSED, _("Weigert toestemming"))],
        widget=forms.RadioSelect,
    )
    read_aloud = forms.BooleanField(label=_("Ik heb de tekst hierboven aan de klager voorgelezen."))


class RouteForm(forms.Form):
    service = forms.ChoiceField(
        label=_("Doorzetten naar"),
        choices=[(s.value, s.label) for s in Service if s in ROUTABLE_SERVICES],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Toelichting (optioneel)"),
        help_text=_("Alleen zichtbaar voor medewerkers van Klachtpunt."),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        required=False,
    )
