"""Forms on the provider's side: searching consented complaints, naming an API key."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.index.models import CaseStatus
from casework.models import Category
from casework.provider_view.selectors import ComplaintFilter


class ComplaintSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Zoek op kenmerk of categorie"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ChoiceField(label=_("Categorie"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Alle statussen")), *CaseStatus.choices]
        self.fields["category"].choices = [("", _("Alle categorieën"))] + [
            (c.code, str(c)) for c in Category.objects.all()
        ]

    def filters(self) -> ComplaintFilter:
        """The valid parts of the search; an invalid choice is ignored rather than fail the page."""
        if not self.is_bound:
            return ComplaintFilter()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return ComplaintFilter(
            text=data.get("q", ""), status=data.get("status", ""), category=data.get("category", "")
        )


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Naam van de sleutel"),
        max_length=100,
        help_text=_("Bijvoorbeeld het systeem dat de sleutel gebruikt, zodat u hem later herkent."),
    )
