"""Forms of the DPO's pages and the provider's privacy pages."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from casework.dossier.forms import DateInput
from casework.models import Breach, PrivacyAdvice, PrivacyRequest
from casework.timesheets.models import TimeKind
from tenants.models import Provider


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker (local time, Europe/Amsterdam)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _moment_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


def _text(label: Any, *, required: bool = True, rows: int = 3, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=10_000,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


if TYPE_CHECKING:
    _ModelChoiceField = forms.ModelChoiceField[Provider]
else:  # Django's form fields are not subscriptable at run time
    _ModelChoiceField = forms.ModelChoiceField


class ProviderChoiceField(_ModelChoiceField):
    def label_from_instance(self, obj: Provider) -> str:
        return str(obj.name)


class RequestForm(forms.Form):
    """A data subject's request, as the requester, the provider or the DPO enters it."""

    kind = forms.ChoiceField(
        label=_("Wat wilt u?"), choices=PrivacyRequest.Kind.choices, widget=forms.RadioSelect
    )
    requester_name = forms.CharField(label=_("Naam van de verzoeker"), max_length=200)
    requester_email = forms.EmailField(label=_("E-mailadres"), required=False)
    requester_phone = forms.CharField(label=_("Telefoonnummer"), max_length=40, required=False)
    on_behalf_of = forms.CharField(
        label=_("Namens wie"),
        help_text=_(
            "Als u het verzoek doet voor een ander, bijvoorbeeld uw kind of iemand die u vertegenwoordigt."
        ),
        max_length=200,
        required=False,
    )
    description = _text(
        _("Uw verzoek"),
        rows=5,
        help_text=_("Welke gegevens bedoelt u, en wat wilt u dat ermee gebeurt?"),
    )

    # The requester must be reachable: for the answer, and to verify who they are.
    require_contact = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.require_contact and not (data.get("requester_email") or data.get("requester_phone")):
            self.add_error(
                "requester_email", _("Vul een e-mailadres of telefoonnummer in, zodat wij u kunnen bereiken.")
            )
        return data


class StaffRequestForm(RequestForm):
    """Entered by the provider or the DPO: the day it was received is a fact with its evidence."""

    # A letter or a call at the desk may come without e-mail or phone; the receipt evidence says how.
    require_contact = False

    received_at = _moment_field(_("Ontvangen op"), help_text=_("Wanneer het verzoek binnenkwam."))
    receipt_evidence = forms.CharField(
        label=_("Hoe ontvangen"),
        help_text=_("Bijvoorbeeld: brief van 3 maart, e-mail aan de receptie."),
        max_length=300,
    )

    def __init__(self, *args: Any, providers: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"received_at": timezone.localtime().replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)
        self.fields["kind"].label = _("Soort verzoek")
        self.fields["description"].label = _("Het verzoek")
        self.fields["description"].help_text = ""
        if providers is not None:
            self.fields = {
                "provider": ProviderChoiceField(label=_("Zorgaanbieder"), queryset=providers),
                **self.fields,
            }


class IdentityForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Hoe is de identiteit vastgesteld?"),
        choices=PrivacyRequest.IdentityMethod.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Toelichting"),
        help_text=_("Noteer geen BSN of nummer van een identiteitsbewijs."),
        max_length=300,
        required=False,
    )


class ExtensionForm(forms.Form):
    reason = _text(
        _("Reden van de verlenging"),
        help_text=_("Deze reden gaat naar de verzoeker (AVG art. 12 lid 3)."),
    )
    notice_on = forms.DateField(label=_("Datum van de mededeling aan de verzoeker"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"notice_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Uitkomst"), choices=PrivacyRequest.Outcome.choices, widget=forms.RadioSelect
    )
    answer_text = _text(_("Het antwoord aan de verzoeker"), rows=6)
    reason = _text(
        _("Reden van (gedeeltelijke) afwijzing"),
        required=False,
        help_text=_(
            "Verplicht bij afwijzing of gedeeltelijke toewijzing. De brief noemt ook het recht om te "
            "klagen bij de Autoriteit Persoonsgegevens."
        ),
    )
    answered_on = forms.DateField(label=_("Datum van het antwoord"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"answered_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class BreachForm(forms.Form):
    kind = forms.ChoiceField(label=_("Soort inbreuk"), choices=Breach.Kind.choices, widget=forms.RadioSelect)
    aware_at = _moment_field(
        _("Ontdekt op"),
        help_text=_("Vanaf dit moment lopen de 72 uur om te melden (AVG art. 33 lid 1)."),
    )
    occurred_at = _moment_field(_("Ontstaan op (als bekend)"), required=False)
    what_happened = _text(_("Wat is er gebeurd?"), rows=4)
    data_categories = _text(_("Welke soorten persoonsgegevens?"), rows=2)
    people_categories = _text(_("Welke soorten betrokkenen?"), rows=2)
    people_approx = forms.IntegerField(label=_("Aantal betrokkenen (bij benadering)"), min_value=0)
    records_approx = forms.IntegerField(label=_("Aantal registraties (bij benadering)"), min_value=0)
    likely_consequences = _text(_("Waarschijnlijke gevolgen"), rows=3)
    measures = _text(_("Genomen en voorgestelde maatregelen"), rows=3)
    contact = forms.CharField(label=_("Contactpunt voor meer informatie"), max_length=300, required=False)

    def __init__(self, *args: Any, providers: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"aware_at": timezone.localtime().replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)
        if providers is not None:
            self.fields = {
                "provider": ProviderChoiceField(label=_("Zorgaanbieder"), queryset=providers),
                **self.fields,
            }


class AssessmentForm(forms.Form):
    risk = forms.ChoiceField(label=_("Beoordeling"), choices=Breach.Risk.choices, widget=forms.RadioSelect)
    reason = _text(_("Onderbouwing"), help_text=_("Waarom wel of niet melden (AVG art. 33 en 34)."))


class ApNotificationForm(forms.Form):
    notified_at = _moment_field(_("Gemeld op"))
    case_number = forms.CharField(
        label=_("Meldnummer van de Autoriteit Persoonsgegevens"), max_length=60, required=False
    )
    late_reason = _text(
        _("Reden van de vertraging"),
        required=False,
        help_text=_("Verplicht als de melding later is dan 72 uur na het ontdekken."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"notified_at": timezone.localtime().replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)


class PeopleNotificationForm(forms.Form):
    notified_at = _moment_field(_("Betrokkenen geïnformeerd op"))
    notice = _text(_("Wat is de betrokkenen verteld?"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"notified_at": timezone.localtime().replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)


class AdviceForm(forms.Form):
    provider = ProviderChoiceField(label=_("Zorgaanbieder"), queryset=Provider.objects.none())
    topic = forms.ChoiceField(label=_("Onderwerp"), choices=PrivacyAdvice.Topic.choices)
    asked_on = forms.DateField(label=_("Gevraagd op"), widget=DateInput())
    given_on = forms.DateField(label=_("Gegeven op"), widget=DateInput())
    question = _text(_("Vraag"))
    advice = _text(_("Advies"), rows=5)
    minutes = forms.IntegerField(label=_("Minuten"), min_value=1, max_value=24 * 60)
    kind = forms.TypedChoiceField(
        label=_("Soort tijd"),
        choices=[(TimeKind.PHONE, TimeKind.PHONE.label), (TimeKind.ONSITE, TimeKind.ONSITE.label)],
        required=False,
        empty_value=TimeKind.PHONE,
    )

    def __init__(self, *args: Any, providers: Any, **kwargs: Any) -> None:
        today = timezone.localdate()
        kwargs.setdefault("initial", {"asked_on": today, "given_on": today})
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers  # type: ignore[attr-defined]


class _ProfessionalChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class DpoAppointForm(forms.Form):
    """Coordination appoints (or replaces) a provider's data-protection officer."""

    professional = _ProfessionalChoiceField(
        label=_("Functionaris gegevensbescherming"), queryset=User.objects.none(), widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reden van de vervanging"),
        max_length=300,
        required=False,
        help_text=_("Verplicht als er al een functionaris is. Geen gegevens over cliënten."),
    )

    def __init__(self, *args: Any, eligible: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["professional"].queryset = eligible  # type: ignore[attr-defined]


def year_choices(today: datetime.date | None = None) -> list[int]:
    year = (today or timezone.localdate()).year
    return [year - offset for offset in range(0, 5)]
