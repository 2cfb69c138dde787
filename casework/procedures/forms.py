"""Forms of mediation, the committee procedure, confidant support, messages and the access log."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.dossier.attachments import CheckedFile, check_attachments
from casework.dossier.forms import DateInput
from casework.models import (
    CaseRecord,
    ComplaintPart,
    ConfidantNote,
    Meeting,
    Message,
    Visibility,
    WrittenRoundStep,
)
from reference.dates import AMSTERDAM

TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


MEDIATION_KINDS = [(k.value, k.label) for k in Meeting.Kind if k != Meeting.Kind.HEARING]


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Soort gesprek"), choices=Meeting.Kind.choices, widget=forms.RadioSelect)
    day = forms.DateField(label=_("Datum"), widget=DateInput())
    start = forms.TimeField(label=_("Begintijd"), widget=TIME_INPUT)
    end = forms.TimeField(label=_("Eindtijd"), widget=TIME_INPUT)
    location = forms.CharField(
        label=_("Locatie (adres)"),
        help_text=_("Voor een gesprek op locatie of een hoorzitting."),
        max_length=300,
        required=False,
    )
    call_in = forms.CharField(
        label=_("Inbelgegevens of link naar het videogesprek"),
        help_text=_("Staat in de agenda-uitnodiging, niet in de tekst van de e-mail."),
        max_length=300,
        required=False,
    )
    with_complainant = forms.BooleanField(label=_("De klager uitnodigen"), required=False, initial=True)
    provider_contact_name = forms.CharField(
        label=_("Contactpersoon van de zorgaanbieder"), max_length=200, required=False
    )
    provider_contact_email = forms.EmailField(
        label=_("E-mailadres van de contactpersoon"),
        help_text=_("Alleen als de klager toestemming gaf om de klacht te delen."),
        required=False,
    )

    def __init__(self, *args: Any, hearing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if hearing:
            cast(forms.ChoiceField, self.fields["kind"]).choices = [
                (Meeting.Kind.HEARING, Meeting.Kind.HEARING.label)
            ]
            self.fields["kind"].initial = Meeting.Kind.HEARING
        else:
            cast(forms.ChoiceField, self.fields["kind"]).choices = MEDIATION_KINDS

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day, start, end = data.get("day"), data.get("start"), data.get("end")
        if day and start and end:
            data["starts_at"] = timezone.make_aware(datetime.datetime.combine(day, start), AMSTERDAM)
            data["ends_at"] = timezone.make_aware(datetime.datetime.combine(day, end), AMSTERDAM)
        return data


class RecordForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Wat legt u vast?"), choices=CaseRecord.Kind.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Tekst"),
        help_text=_("Bij een document: een korte omschrijving (optioneel)."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
        required=False,
    )
    document = forms.FileField(label=_("Document"), required=False)
    visibility = forms.ChoiceField(
        label=_("Wie mag dit zien?"),
        choices=Visibility.choices,
        initial=Visibility.STAFF,
        widget=forms.RadioSelect,
    )

    def clean_document(self) -> CheckedFile | None:
        upload = self.cleaned_data.get("document")
        if not upload:
            return None
        return check_attachments([upload])[0]


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Uw bericht"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    audience = forms.ChoiceField(
        label=_("Voor wie?"), choices=Message.Audience.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, audiences: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if audiences is not None:
            self.fields["audience"].choices = audiences
            if len(audiences) == 1:
                self.fields["audience"].initial = audiences[0][0]
                self.fields["audience"].widget = forms.HiddenInput()
                self.fields["body"].help_text = _("Voor: %(audience)s") % {"audience": audiences[0][1]}


class ConfidantNoteForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Wat legt u vast?"), choices=ConfidantNote.Kind.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Tekst"),
        help_text=_("Alleen de cliënt en u zien dit, tenzij de cliënt het zelf deelt."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
    )


class ShareNoteForm(forms.Form):
    shared_with = forms.ChoiceField(
        label=_("Delen met"),
        choices=[
            (ConfidantNote.SharedWith.KLACHTPUNT, _("Alleen de behandelaar van mijn klacht bij Klachtpunt")),
            (ConfidantNote.SharedWith.PROVIDER, _("De behandelaar bij Klachtpunt en de zorgaanbieder")),
        ],
        widget=forms.RadioSelect,
    )


class ComplaintPartForm(forms.Form):
    text = forms.CharField(
        label=_("Klachtonderdeel"),
        help_text=_("Zoals de commissie het onderdeel van de klacht formuleert."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10000,
    )


class JudgementForm(forms.Form):
    judgement = forms.ChoiceField(
        label=_("Oordeel"), choices=ComplaintPart.Judgement.choices, widget=forms.RadioSelect
    )
    reasoning = forms.CharField(
        label=_("Motivering"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000
    )


class AdviceForm(forms.Form):
    advice = forms.CharField(
        label=_("Advies aan de zorgaanbieder"),
        help_text=_("Na het uitbrengen liggen de oordelen vast en lezen beide partijen ze."),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
    )


# --- The committee's panel ---------------------------------------------------------


class PanelForm(forms.Form):
    """The coordinator's choice of a chair, at least two members and a secretary."""

    chair = forms.TypedChoiceField(label=_("Voorzitter"), coerce=int)
    members = forms.TypedMultipleChoiceField(
        label=_("Leden"),
        help_text=_("Kies ten minste twee leden."),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    secretary = forms.TypedChoiceField(label=_("Ambtelijk secretaris"), coerce=int)

    def __init__(self, *args: Any, choices: dict[str, list[tuple[int, str]]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        empty: list[tuple[Any, Any]] = [("", _("Kies…"))]
        cast(forms.ChoiceField, self.fields["chair"]).choices = empty + choices["chair"]
        cast(forms.ChoiceField, self.fields["members"]).choices = choices["member"]
        cast(forms.ChoiceField, self.fields["secretary"]).choices = empty + choices["secretary"]


class WrittenRoundForm(forms.Form):
    """The secretary sets a step's deadline, or records the day it came in."""

    DUE = "due"
    RECEIVED = "received"

    kind = forms.ChoiceField(label=_("Stap"), choices=WrittenRoundStep.Kind.choices)
    what = forms.ChoiceField(
        label=_("Wat legt u vast?"),
        choices=[(DUE, _("De termijn")), (RECEIVED, _("De dag van ontvangst"))],
        widget=forms.RadioSelect,
        initial=DUE,
    )
    day = forms.DateField(label=_("Datum"), widget=DateInput())


class HearingForm(MeetingForm):
    """The hearing: always with both parties; the whole panel is invited as well."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, hearing=True, **kwargs)
        del self.fields["with_complainant"]
        self.fields["kind"].widget = forms.HiddenInput()
        self.fields["provider_contact_email"].required = True
        self.fields["provider_contact_name"].required = True


class HearingReportForm(forms.Form):
    present = forms.MultipleChoiceField(
        label=_("Aanwezig"), widget=forms.CheckboxSelectMultiple, required=False
    )
    minutes = forms.CharField(
        label=_("Verslag"),
        help_text=_("Alleen het panel leest het verslag."),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
    )

    def __init__(self, *args: Any, attendees: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = attendees


class DeliberationForm(forms.Form):
    text = forms.CharField(
        label=_("Uw bijdrage aan het beraad"),
        help_text=_("Alleen het panel leest dit; de partijen en de zorgaanbieder nooit."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
    )


class SignOffForm(forms.Form):
    advice = forms.CharField(
        label=_("Oordeel en motivering in het geheel"),
        help_text=_("Na ondertekening liggen de oordelen per onderdeel vast en lezen beide partijen ze."),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
    )
    recommendations = forms.CharField(
        label=_("Aanbevelingen"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
        required=False,
    )
