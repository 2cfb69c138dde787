"""The coordinator's form for closing a case with its outcome and follow-up options."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.dossier.forms import PlainForm
from casework.index.models import Outcome


class CloseForm(PlainForm):
    outcome = forms.ChoiceField(label=_("Uitkomst"), choices=Outcome.choices, widget=forms.RadioSelect)
    evidence = forms.CharField(
        label=_("Intrekking of doorverwijzing vastleggen"),
        help_text=_(
            "Nodig om een formele klacht zonder oordeel af te sluiten: hoe en wanneer trok de klager de "
            "klacht in, of naar wie is de klacht doorverwezen?"
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    note = forms.CharField(
        label=_("Notitie voor het dossier (alleen Klachtpunt)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
