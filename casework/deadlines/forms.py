"""The form for extending a decision deadline, with its reason and the consents it needs."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from casework.deadlines.services import ConsentEvidence
from casework.dossier.forms import DateInput, PlainForm
from casework.models import DeadlineExtension
from reference.dates import today_amsterdam


class ExtensionForm(PlainForm):
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
        if isinstance(new_deadline, datetime.date) and new_deadline <= today_amsterdam():
            raise ValidationError(_("De nieuwe datum moet in de toekomst liggen."), code="past")
        return data


class ReceiptDateForm(PlainForm):
    """Correct the day the formal, written complaint with consent was received (with a reason)."""

    received_on = forms.DateField(label=_("Formeel ontvangen op"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reden van de wijziging"),
        help_text=_("Bijvoorbeeld: de datumstempel op de brief is 13 november, niet de dag van invoer."),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the dossier page holds other forms with a "reason" field.
        kwargs.setdefault("auto_id", "receipt_%s")
        super().__init__(*args, **kwargs)
