"""Form parts every dossier page shares: the date input, labels without a colon,
a service refusal shown on its form, and the access-log filter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    """The browser's date picker, with the ISO value it sends and expects."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PlainForm(forms.Form):
    """Labels without a trailing colon, as on every other form of ours."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class AccessLogFilterForm(forms.Form):
    """The provider admin's filter: whose accesses, one employee (or everyone) and a period.

    Bad input is ignored.
    """

    party = forms.ChoiceField(
        label=_("Door wie"),
        required=False,
        choices=[
            ("", _("Iedereen")),
            ("own", _("Uw eigen medewerkers en API-koppelingen")),
            ("klachtpunt", _("Klachtpunt (coördinatoren, professionals, beheerders)")),
            ("complainant", _("Klagers")),
        ],
    )
    user = forms.TypedChoiceField(label=_("Medewerker"), coerce=int, required=False, empty_value=None)
    since = forms.DateField(label=_("Van"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Tot en met"), required=False, widget=DateInput())

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", _("Alle medewerkers"))] + [(pk, label) for pk, label in members]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            raise ValidationError(_("De einddatum ligt voor de begindatum."))
        return data


def put_errors(form: object, refusal: ValidationError, *, fields: tuple[str, ...] = ()) -> None:
    """Show a service's refusal on the form: on the field it names, else above the form."""
    if hasattr(refusal, "error_dict"):
        for field, errors in refusal.error_dict.items():
            form.add_error(field if field in fields else None, errors)  # type: ignore[attr-defined]
    else:
        form.add_error(None, refusal)  # type: ignore[attr-defined]
