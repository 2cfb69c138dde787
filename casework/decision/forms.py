"""Forms for the decision, its measures, deadline extensions and closing.

They parse input; the rules (three parts, extension limits) live in the
services, whose refusals the views put back on these forms, so nothing that
was typed is lost.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.decision.services import LETTER_LANGUAGES, MeasureInput
from casework.dossier.forms import DateInput, PlainForm
from reference.dates import today_amsterdam

MEASURE_ROWS = 5


class DecisionForm(PlainForm):
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
    language = forms.ChoiceField(
        label=_("Taal van het oordeel"),
        help_text=_("De koppen in de brief komen in deze taal, zodat de brief één taal spreekt."),
        choices=[("nl", _("Nederlands")), ("en", _("Engels"))],
        # Without one (an older form, a script) the service takes the complainant's language.
        required=False,
    )

    field_order = ["language", "conclusion", "decisions_taken", "measures_timeframe", "decided_on"]

    def __init__(self, *args: object, complainant_language: str = "nl", **kwargs: object) -> None:
        initial = {"decided_on": today_amsterdam(), **dict(kwargs.pop("initial", None) or {})}  # type: ignore[call-overload]
        initial.setdefault(
            "language", complainant_language if complainant_language in LETTER_LANGUAGES else "nl"
        )
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # The parts are required by the service (one message per missing part);
        # mark them for browsers and screen readers without blocking the post.
        for name in ("conclusion", "decisions_taken", "measures_timeframe"):
            self.fields[name].widget.attrs["aria-required"] = "true"


class DecisionRevisionForm(DecisionForm):
    """A new version of a decision: the three parts again, and why a new version is needed."""

    reason = forms.CharField(
        label=_("Reden voor een nieuwe versie"),
        help_text=_("Het eerdere oordeel blijft bewaard; de klager ziet beide en leest deze reden."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    field_order = ["reason", "language", "conclusion", "decisions_taken", "measures_timeframe", "decided_on"]


class DecisionDraftForm(PlainForm):
    """The handler's prepared answer: the decision's three parts, none required yet."""

    conclusion = forms.CharField(
        label=_("1. Conclusie over de klacht"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=20_000,
    )
    decisions_taken = forms.CharField(
        label=_("2. Genomen beslissingen"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=20_000,
    )
    measures_timeframe = forms.CharField(
        label=_("3. Termijn voor de maatregelen"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20_000,
    )


class MeasureForm(PlainForm):
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
