"""Forms of the assignment pages and the professional's workspace."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.assignment.services import MAX_REASON_LENGTH
from casework.assignment.time import MAX_NOTE_LENGTH
from casework.dossier.forms import DateInput
from casework.timesheets.models import Activity, TimeKind
from casework.timesheets.services import COORDINATOR_ACTIVITY, COORDINATOR_KIND, MAX_MINUTES
from reference.dates import today_amsterdam


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden"),
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DeclineForm(ReasonForm):
    reason = forms.CharField(
        label=_("Waarom wijst u de zaak af?"),
        help_text=_("De coördinator ziet de reden bij de zaak. Noem geen gegevens uit het dossier."),
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReassignForm(ReasonForm):
    reason = forms.CharField(
        label=_("Waarom herverdeelt u de zaak?"),
        help_text=_("Komt in de geschiedenis van de toewijzingen en op de tijdlijn van het dossier."),
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TimeEntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Soort tijd"), choices=TimeKind.choices, widget=forms.RadioSelect)
    activity = forms.ChoiceField(label=_("Activiteit"), choices=Activity.choices)
    minutes = forms.IntegerField(
        label=_("Minuten"),
        min_value=1,
        max_value=MAX_MINUTES,
        help_text=_("Bijvoorbeeld 45 voor drie kwartier, 90 voor anderhalf uur."),
    )
    worked_on = forms.DateField(label=_("Datum"), widget=DateInput())
    note = forms.CharField(
        label=_("Notitie (niet verplicht)"),
        help_text=_(
            "Komt op de tijdlijn van het dossier, alleen zichtbaar voor Klachtpunt; "
            "nooit in de urenadministratie of op een factuur."
        ),
        max_length=MAX_NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args: Any, coordinator_only: bool = False, with_note: bool = True, **kwargs: Any
    ) -> None:
        kwargs.setdefault(
            "initial",
            {
                "worked_on": today_amsterdam(),
                "kind": TimeKind.PHONE,
                "activity": COORDINATOR_ACTIVITY if coordinator_only else Activity.MEDIATION,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["worked_on"].widget.attrs["max"] = today_amsterdam().isoformat()
        if coordinator_only:
            self.fields["kind"].choices = [(COORDINATOR_KIND, TimeKind(COORDINATOR_KIND).label)]
            self.fields["activity"].choices = [(COORDINATOR_ACTIVITY, Activity(COORDINATOR_ACTIVITY).label)]
        if not with_note:
            del self.fields["note"]


def parse_month(value: str | None, *, today: datetime.date) -> datetime.date:
    """``"2026-11"`` -> 1 November 2026; anything else -> the current month."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return datetime.date(year, month, 1)
    except (TypeError, ValueError):
        return today.replace(day=1)
