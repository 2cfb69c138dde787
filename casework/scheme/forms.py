from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SchemePublishForm(forms.Form):
    scheme_id = forms.IntegerField(widget=forms.HiddenInput)
    effective_on = forms.DateField(
        label=_("Geldt vanaf"),
        help_text=_("Vandaag of later. Tot die dag blijft de huidige versie gelden."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
