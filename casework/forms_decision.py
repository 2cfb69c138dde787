"""Forms for the decision, its measures, deadline extensions and closing.

They parse input; the rules (three parts, extension limits) live in the
services, whose refusals the views put back on these forms, so nothing that
was typed is lost.
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.index.models import Outcome
from casework.models import DeadlineExtension
from casework.services.deadlines import ConsentEvidence
from casework.services.decision import MeasureInput

MEASURE_ROWS = 5


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class _Form(forms.Form):
    """Labels without a colon, as on every other form of ours."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class DecisionForm(_Form):
    conclusion = forms.CharField(
        label=_("1. Conclusie over de klacht"),
        help_text=_("Is de klacht gegrond, deels gegrond of ongegrond, en waarom?"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
    )
    decisions_taken = forms.CharField(
        label=_("2. Genomen beslissingen"),
        help_text=_("Wat de zorgaanbieder naar aanleiding van de klacht besluit."),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )
    measures_timeframe = forms.CharField(
        label=_("3. Termijn voor de maatregelen"),
        help_text=_("Binnen welke termijn de maatregelen worden uitgevoerd, of dat er geen nodig zijn."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    decided_on = forms.DateField(label=_("Datum van het oordeel"), widget=DateInput())

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("initial", {"decided_on": timezone.localdate()})
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # The parts are required by the service (one message per missing part);
        # mark them for browsers and screen readers without blocking the post.
        for name in ("conclusion", "decisions_taken", "measures_timeframe"):
            self.fields[name].widget.attrs["aria-required"] = "true"


class MeasureForm(_Form):
    description = forms.CharField(label=_("Maatregel"), max_length=500, required=False)
    due_on = forms.DateField(label=_("Gereed uiterlijk"), required=False, widget=DateInput())


class _MeasureRows(forms.BaseFormSet):
    """Each row's labels say which measure they belong to (screen readers read them one by one)."""

    def _construct_form(self, i: int, **kwargs: object) -> forms.Form:
        form = super()._construct_form(i, **kwargs)
        form.fields["description"].label = _("Maatregel %(n)d") % {"n": i + 1}
        form.fields["due_on"].label = _("Maatregel %(n)d gereed uiterlijk") % {"n": i + 1}
        return form


MeasureFormSet = forms.formset_factory(
    MeasureForm, formset=_MeasureRows, extra=MEASURE_ROWS, max_num=20, absolute_max=20
)


def measures_from(formset: forms.BaseFormSet) -> list[MeasureInput]:
    return [
        MeasureInput(
            description=form.cleaned_data.get("description", ""), due_on=form.cleaned_data.get("due_on")
        )
        for form in formset.forms
        if form.cleaned_data
    ]


class ExtensionForm(_Form):
    new_deadline = forms.DateField(label=_("Nieuwe uiterste datum"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reden van de verlenging"),
        help_text=_("De klager leest deze reden. Schrijf waarom zorgvuldige behandeling meer tijd vraagt."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    notice_channel = forms.ChoiceField(
        label=_("Mededeling aan de klager"),
        choices=DeadlineExtension.NoticeChannel.choices,
        initial=DeadlineExtension.NoticeChannel.EMAIL,
        widget=forms.RadioSelect,
    )
    complainant_consent_on = forms.DateField(
        label=_("Klager stemde in op"), required=False, widget=DateInput()
    )
    complainant_consent_evidence = forms.CharField(
        label=_("Hoe de klager instemde"),
        help_text=_("Bijvoorbeeld: brief van 3 maart, e-mail aan de klachtenfunctionaris."),
        max_length=200,
        required=False,
    )
    provider_consent_on = forms.DateField(
        label=_("Zorgaanbieder stemde in op (Wzd)"), required=False, widget=DateInput()
    )
    provider_consent_evidence = forms.CharField(
        label=_("Hoe de zorgaanbieder instemde (Wzd)"), max_length=200, required=False
    )

    def _evidence(self, prefix: str) -> ConsentEvidence | None:
        given_on = self.cleaned_data.get(f"{prefix}_consent_on")
        evidence = (self.cleaned_data.get(f"{prefix}_consent_evidence") or "").strip()
        if given_on is None and not evidence:
            return None
        if given_on is None:
            self.add_error(f"{prefix}_consent_on", _("Vul in op welke datum de instemming is gegeven."))
            return None
        if not evidence:
            self.add_error(f"{prefix}_consent_evidence", _("Vul in hoe de instemming is gegeven."))
            return None
        return ConsentEvidence(given_on=given_on, evidence=evidence)

    def clean(self) -> dict:
        data = super().clean() or {}
        data["complainant_consent"] = self._evidence("complainant")
        data["provider_consent"] = self._evidence("provider")
        new_deadline = data.get("new_deadline")
        if isinstance(new_deadline, datetime.date) and new_deadline <= timezone.localdate():
            raise ValidationError(_("De nieuwe datum moet in de toekomst liggen."), code="past")
        return data


class CloseForm(_Form):
    outcome = forms.ChoiceField(label=_("Uitkomst"), choices=Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Notitie voor het dossier (alleen Klachtpunt)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
