"""The complaint form, shared by the widget, the portal, the coordinator and the API."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.functional import lazy
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from casework.consent.wording import consent_wording
from casework.dossier.attachments import MAX_FILES, CheckedFile, check_attachments
from casework.dossier.forms import DateInput, PlainForm
from casework.index.models import Channel, Consent, Track
from casework.intake.services import ComplaintSubmission
from casework.models import COMPLAINANT_KIND_THIRD_PERSON, Category, ComplainantKind, Goal, Law
from reference.dates import today_amsterdam
from tenants.clusters import schema_context
from tenants.models import Provider


def _attachments_hint() -> str:
    return gettext("Maximaal %(count)d bestanden: PDF, JPG, PNG, HEIC, DOCX of tekst, elk tot 10 MB.") % {
        "count": MAX_FILES
    }


# Filled in when shown, in the reader's language: '%' on a lazy string at import time fixed
# the hint in the language of that moment (Dutch), so the English form had a Dutch hint.
ATTACHMENTS_HINT = lazy(_attachments_hint, str)()


class GoalsField(forms.MultipleChoiceField):
    """One or more goals: the form's checkboxes send a list, the JSON API may send one string."""

    def to_python(self, value: Any) -> list[str]:
        if value in (None, ""):
            return []
        if isinstance(value, str):
            return [value]
        # An empty value (a JSON "") means nothing chosen: "required", not "invalid choice".
        return [code for code in super().to_python(value) if code != ""]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.heic,.docx,.txt"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class ComplaintForm(forms.Form):
    complainant_kind = forms.ChoiceField(
        label=_("Wie dient de klacht in?"), choices=ComplainantKind.choices, widget=forms.RadioSelect
    )
    complainant_name = forms.CharField(label=_("Uw naam"), max_length=200)
    complainant_email = forms.EmailField(label=_("Uw e-mailadres"), required=False)
    complainant_phone = forms.CharField(label=_("Uw telefoonnummer"), max_length=40, required=False)
    complainant_postcode = forms.RegexField(
        label=_("Uw postcode"),
        regex=r"^\s*[1-9][0-9]{3}\s?[A-Za-z]{2}\s*$",
        required=False,
        error_messages={"invalid": _("Vul een Nederlandse postcode in, bijvoorbeeld 3511 AB.")},
    )
    client_name = forms.CharField(label=_("Naam van de cliënt"), max_length=200, required=False)
    relation_to_client = forms.CharField(label=_("Uw relatie tot de cliënt"), max_length=120, required=False)
    mandate_basis = forms.CharField(
        label=_("Waarom mag u namens de cliënt klagen?"),
        help_text=_("Bijvoorbeeld: wettelijk vertegenwoordiger, mentor, schriftelijke machtiging."),
        max_length=200,
        required=False,
    )
    what_happened = forms.CharField(
        label=_("Wat is er gebeurd?"), widget=forms.Textarea(attrs={"rows": 8}), max_length=20000
    )
    occurred_on = forms.DateField(
        label=_("Wanneer gebeurde het?"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    location = forms.CharField(label=_("Waar gebeurde het (locatie)?"), max_length=200, required=False)
    department = forms.CharField(label=_("Afdeling"), max_length=200, required=False)
    employee_concerned = forms.CharField(
        label=_("Over welke medewerker gaat het (als u dat weet)?"), max_length=200, required=False
    )
    category = forms.ChoiceField(label=_("Waar gaat uw klacht over?"), required=False)
    law = forms.ChoiceField(
        label=_("Onder welke wet valt de zorg?"), choices=Law.choices, initial=Law.UNKNOWN
    )
    goal = GoalsField(
        label=_("Wat wilt u bereiken?"),
        help_text=_("Kies alles wat voor u geldt."),
        choices=Goal.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    goal_details = forms.CharField(
        label=_("Toelichting op wat u wilt bereiken"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    track = forms.ChoiceField(
        label=_("Hoe wilt u dat we uw klacht behandelen?"),
        choices=[
            (Track.INFORMAL, _("Eerst samen zoeken naar een oplossing (informeel)")),
            (
                Track.FORMAL,
                _("Als formele klacht, met een schriftelijk oordeel van de zorgaanbieder binnen 6 weken"),
            ),
        ],
        initial=Track.INFORMAL,
        widget=forms.RadioSelect,
    )
    consent = forms.ChoiceField(
        label=_("Toestemming om uw klacht te delen met de zorgaanbieder"),
        choices=[
            (Consent.GIVEN, _("Ja, ik geef toestemming")),
            (Consent.REFUSED, _("Nee, nog niet delen")),
        ],
        widget=forms.RadioSelect,
    )
    attachments = MultipleFileField(
        label=_("Bijlagen (niet verplicht)"),
        required=False,
        help_text=ATTACHMENTS_HINT,
    )

    def __init__(self, *args: Any, require_email: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.require_email = require_email
        self.fields["category"].choices = [("", _("Kies een onderwerp (niet verplicht)"))] + [
            (c.code, str(c)) for c in Category.objects.filter(active=True)
        ]
        self.consent_text = consent_wording(get_language() or "nl")
        self.fields["consent"].help_text = self.consent_text
        self.checked_files: list[CheckedFile] = []

    def clean_occurred_on(self) -> datetime.date | None:
        value = self.cleaned_data.get("occurred_on")
        if value and value > today_amsterdam():
            raise ValidationError(_("Deze datum ligt in de toekomst."), code="future")
        return value

    def clean_complainant_postcode(self) -> str:
        # Any whitespace the pattern allows (a no-break space, say), not just " ": the column holds 7.
        value = "".join((self.cleaned_data.get("complainant_postcode") or "").split()).upper()
        return f"{value[:4]} {value[4:]}" if value else ""

    def clean_attachments(self) -> list:
        files = self.cleaned_data.get("attachments") or []
        self.checked_files = check_attachments(files)
        return files

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.require_email and not data.get("complainant_email"):
            self.add_error("complainant_email", _("Vul uw e-mailadres in, zodat we u kunnen bereiken."))
        elif not data.get("complainant_email") and not data.get("complainant_phone"):
            self.add_error("complainant_phone", _("Vul een e-mailadres of telefoonnummer in."))
        if data.get("complainant_kind") in (ComplainantKind.REPRESENTATIVE, ComplainantKind.RELATIVE):
            for name in ("client_name", "relation_to_client"):
                if not data.get(name):
                    self.add_error(name, _("Vul dit in als u namens een ander klaagt."))
            if data.get("complainant_kind") == ComplainantKind.REPRESENTATIVE and not data.get(
                "mandate_basis"
            ):
                self.add_error("mandate_basis", _("Vul in waarom u namens de cliënt mag klagen."))
        return data

    def submission(self) -> ComplaintSubmission:
        data = self.cleaned_data
        return ComplaintSubmission(
            complainant_kind=data["complainant_kind"],
            complainant_name=data["complainant_name"],
            complainant_email=data.get("complainant_email", ""),
            complainant_phone=data.get("complainant_phone", ""),
            complainant_postcode=data.get("complainant_postcode", ""),
            client_name=data.get("client_name", ""),
            relation_to_client=data.get("relation_to_client", ""),
            mandate_basis=data.get("mandate_basis", ""),
            what_happened=data["what_happened"],
            occurred_on=data.get("occurred_on"),
            location=data.get("location", ""),
            department=data.get("department", ""),
            employee_concerned=data.get("employee_concerned", ""),
            category_code=data.get("category", ""),
            law=data.get("law") or Law.UNKNOWN,
            goal=data["goal"][0],
            goals=tuple(data["goal"]),
            goal_details=data.get("goal_details", ""),
            track=data.get("track") or Track.INFORMAL,
            consent=data["consent"],
            language=(get_language() or "nl")[:2],
        )


COORDINATOR_CHANNELS = [
    (Channel.PHONE, _("Telefoon")),
    (Channel.LETTER, _("Brief")),
    (Channel.EMAIL, _("E-mail")),
]


class ProviderSearchForm(PlainForm):
    q = forms.CharField(
        label=_("Naam of plaats van de zorgaanbieder"),
        min_length=2,
        max_length=100,
        error_messages={"min_length": _("Typ minstens 2 letters.")},
    )


class CoordinatorComplaintForm(ComplaintForm):
    """A complaint taken by phone, letter or e-mail, entered by a coordinator."""

    channel = forms.ChoiceField(
        label=_("Hoe kwam de klacht binnen?"), choices=COORDINATOR_CHANNELS, widget=forms.RadioSelect
    )
    received_on = forms.DateField(
        label=_("Datum van ontvangst"),
        help_text=_("De dag van het telefoongesprek, of de dag dat de brief of e-mail binnenkwam."),
        widget=DateInput(),
    )

    field_order = ["channel", "received_on"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["require_email"] = False
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = today_amsterdam()
        labels = {
            "complainant_kind": _("Wie dient de klacht in?"),
            "complainant_name": _("Naam van de klager"),
            "complainant_email": _("E-mailadres van de klager"),
            "complainant_phone": _("Telefoonnummer van de klager"),
            "complainant_postcode": _("Postcode van de klager"),
            "relation_to_client": _("Relatie van de klager tot de cliënt"),
            "mandate_basis": _("Waarom mag de klager namens de cliënt klagen?"),
            "goal": _("Wat wil de klager bereiken?"),
            "track": _("Hoe wil de klager dat de klacht behandeld wordt?"),
            "consent": _("Toestemming om de klacht te delen met de zorgaanbieder"),
        }
        labels.update(
            {
                "category": _("Waar gaat de klacht over?"),
                "goal_details": _("Toelichting op wat de klager wil bereiken"),
            }
        )
        for name, label in labels.items():
            self.fields[name].label = label
        self.fields["goal"].help_text = _("Kies alles wat de klager noemt.")
        self.fields["complainant_kind"].choices = list(COMPLAINANT_KIND_THIRD_PERSON.items())
        self.fields["complainant_email"].help_text = _(
            "Niet verplicht: een telefoonnummer is genoeg. Met een e-mailadres krijgt de klager "
            "een ontvangstbevestiging."
        )
        self.fields["consent"].choices = [
            (Consent.GIVEN, _("De klager geeft toestemming")),
            (Consent.REFUSED, _("De klager geeft geen toestemming")),
            (Consent.PENDING, _("Nog niet gevraagd")),
        ]
        self.fields["consent"].help_text = _(
            "Lees de klager deze tekst voor of stuur hem mee: “%(wording)s”"
        ) % {"wording": self.consent_text}
        self.order_fields(self.field_order)

    def clean_received_on(self) -> datetime.date:
        value = self.cleaned_data["received_on"]
        if value > today_amsterdam():
            raise ValidationError(_("Deze datum ligt in de toekomst."), code="future")
        return value


def complaint_form_for(
    provider: Provider, form_class: type[ComplaintForm], request: HttpRequest, **kwargs: Any
) -> ComplaintForm:
    """The complaint form for ``provider`` (its own categories), bound to the POST if there is one."""
    kwargs.setdefault("label_suffix", "")
    with schema_context(provider.schema_name):
        if request.method == "POST":
            return form_class(request.POST, request.FILES, **kwargs)
        return form_class(**kwargs)
