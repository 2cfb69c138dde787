"""Forms of the professionals directory."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Professional, Qualification
from professionals.selectors import DirectoryFilter
from professionals.services import MAX_CAPACITY, MAX_TRAVEL_RADIUS_KM
from reference.categories import category_choices
from reference.languages import SPOKEN_LANGUAGES
from reference.postcodes import normalize_postcode
from tenants.models import Provider, Sector

STATUS_CHOICES = [
    ("active", _("Actief")),
    ("available", _("Beschikbaar (actief, aanwezig, met ruimte)")),
    ("absent", _("Vandaag afwezig")),
    ("inactive", _("Niet actief")),
    ("all", _("Iedereen")),
]


def _any(choices: list) -> list:
    return [("", _("Alle")), *choices]


class DirectoryFilterForm(forms.Form):
    """Reads the directory's query string; nonsense is ignored rather than an error page."""

    q = forms.CharField(label=_("Zoek op naam of e-mail"), required=False, max_length=100)
    qualification = forms.ChoiceField(label=_("Kwalificatie"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    category = forms.ChoiceField(label=_("Categorie"), required=False)
    language = forms.ChoiceField(label=_("Taal"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["qualification"].choices = _any(Qualification.choices)
        self.fields["sector"].choices = _any(Sector.choices)
        self.fields["category"].choices = _any(category_choices())
        self.fields["language"].choices = _any(SPOKEN_LANGUAGES)

    def filters(self) -> DirectoryFilter:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return DirectoryFilter(
            text=data.get("q") or "",
            qualification=data.get("qualification") or "",
            sector=data.get("sector") or "",
            category=data.get("category") or "",
            language=data.get("language") or "",
            status=data.get("status") or "active",
        )


class ProfessionalForm(forms.Form):
    qualifications = forms.MultipleChoiceField(
        label=_("Kwalificaties"), choices=Qualification.choices, widget=forms.CheckboxSelectMultiple
    )
    categories = forms.MultipleChoiceField(
        label=_("Expertise per klachtcategorie"), required=False, widget=forms.CheckboxSelectMultiple
    )
    sectors = forms.MultipleChoiceField(
        label=_("Expertise per sector"),
        choices=Sector.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Talen"), choices=SPOKEN_LANGUAGES, required=False, widget=forms.CheckboxSelectMultiple
    )
    home_postcode = forms.CharField(
        label=_("Postcode woonplaats"),
        help_text=_(
            "Voor de afstand bij gesprekken op locatie; gerekend per postcodegebied (eerste twee cijfers)."
        ),
        max_length=7,
        required=False,
    )
    travel_radius_km = forms.IntegerField(
        label=_("Reisafstand voor bezoek op locatie (km)"), min_value=0, max_value=MAX_TRAVEL_RADIUS_KM
    )
    capacity = forms.IntegerField(label=_("Maximaal aantal open zaken"), min_value=0, max_value=MAX_CAPACITY)
    active = forms.BooleanField(
        label=_("Actief"), required=False, help_text=_("Wie niet actief is, krijgt geen nieuwe zaken.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = category_choices()

    @classmethod
    def for_professional(cls, professional: Professional, data: Any = None) -> ProfessionalForm:
        initial = {
            "qualifications": professional.qualifications,
            "categories": professional.categories,
            "sectors": professional.sectors,
            "languages": professional.languages,
            "home_postcode": professional.home_postcode,
            "travel_radius_km": professional.travel_radius_km,
            "capacity": professional.capacity,
            "active": professional.active,
        }
        return cls(data, initial=initial)

    def clean_home_postcode(self) -> str:
        value = self.cleaned_data.get("home_postcode", "").strip()
        if value and not normalize_postcode(value):
            raise forms.ValidationError(_("Vul een Nederlandse postcode in, zoals 3511 AB."))
        return normalize_postcode(value) if value else ""


class AbsenceForm(forms.Form):
    starts_on = forms.DateField(label=_("Van"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Tot en met"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("De einddatum ligt vóór de begindatum."))
        return data


class ConflictForm(forms.Form):
    provider = forms.ModelChoiceField(
        label=_("Zorgaanbieder"), queryset=Provider.objects.none(), empty_label=_("Kies een zorgaanbieder")
    )
    reason = forms.CharField(
        label=_("Reden"),
        max_length=200,
        help_text=_("Bijvoorbeeld: werkte hier tot 2024, partner werkt hier."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Provider.objects.exclude(schema_name="public").order_by("name")
