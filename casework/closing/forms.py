"""The coordinator's form for closing a case with its outcome and follow-up options."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.dossier.forms import PlainForm
from casework.index.models import Outcome


class CloseForm(PlainForm):
    outcome = forms.ChoiceField(label=_("Uitkomst"), choices=Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Notitie voor het dossier (alleen Klachtpunt)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
