"""Forms on the provider's side: searching consented complaints, naming an API key."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.index.models import CaseStatus
from casework.models import Category, ComplaintParticipant
from casework.provider_view.selectors import ComplaintFilter
from tenants.models import ProviderMembership


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


class ParticipantForm(forms.Form):
    """The admin records who works on a complaint: a member and their role on it."""

    user = forms.TypedChoiceField(label=_("Medewerker"), coerce=int)
    role = forms.ChoiceField(label=_("Rol bij deze klacht"), choices=ComplaintParticipant.Role.choices)

    def __init__(self, *args: Any, members: list[ProviderMembership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["user"]).choices = [("", _("Kies een medewerker"))] + [
            (m.user_id, f"{m.user} ({', '.join(m.role_labels())})") for m in members
        ]


class OwnSideForm(forms.Form):
    """The employee concerned's side of what happened."""

    body = forms.CharField(
        label=_("Uw reactie op de klacht"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Alleen de klachtbehandelaar, de beslisser en Klachtpunt lezen uw reactie."),
    )
