"""Forms of the complainant's portal and of the coordinator's entry.

The complaint itself is always ``casework.forms.ComplaintForm``; the
coordinator's variant only adds how and when the complaint came in, allows
"consent not yet asked", and speaks about the complainant instead of to them.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.forms import ComplaintForm
from casework.index.models import Channel, Consent
from casework.models import ComplainantKind

COORDINATOR_CHANNELS = [
    (Channel.PHONE, _("Telefoon")),
    (Channel.LETTER, _("Brief")),
    (Channel.EMAIL, _("E-mail")),
]


class _PlainLabelsForm(forms.Form):
    """Labels without a trailing colon, as on every other form of the site."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ProviderSearchForm(_PlainLabelsForm):
    q = forms.CharField(
        label=_("Naam of plaats van de zorgaanbieder"),
        min_length=2,
        max_length=100,
        error_messages={"min_length": _("Typ minstens 2 letters.")},
    )


class ClaimByReferenceForm(_PlainLabelsForm):
    reference = forms.RegexField(
        label=_("Kenmerk van uw klacht"),
        help_text=_("Staat in de ontvangstbevestiging, bijvoorbeeld KP-2026-000123."),
        regex=r"^\s*[Kk][Pp]-\d{4}-\d{6}\s*$",
        max_length=30,
        error_messages={"invalid": _("Vul het kenmerk in zoals KP-2026-000123.")},
    )


class CoordinatorComplaintForm(ComplaintForm):
    """A complaint taken by phone, letter or e-mail, entered by a coordinator."""

    channel = forms.ChoiceField(
        label=_("Hoe kwam de klacht binnen?"), choices=COORDINATOR_CHANNELS, widget=forms.RadioSelect
    )
    received_on = forms.DateField(
        label=_("Datum van ontvangst"),
        help_text=_("De dag van het telefoongesprek, of de dag dat de brief of e-mail binnenkwam."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    field_order = ["channel", "received_on"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["require_email"] = False
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()
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
        self.fields["complainant_kind"].choices = [
            (ComplainantKind.CLIENT, _("De cliënt zelf")),
            (ComplainantKind.REPRESENTATIVE, _("Een vertegenwoordiger van de cliënt")),
            (ComplainantKind.RELATIVE, _("Een nabestaande van de cliënt")),
        ]
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
        if value > timezone.localdate():
            raise ValidationError(_("Deze datum ligt in de toekomst."), code="future")
        return value
