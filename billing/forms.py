"""The sign-up form (platform host) and the provider's subscription forms."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from billing.memberships import ServiceOffer
from billing.models import LIVE_SIGNUP_STATES, SignUp
from billing.signup import SignUpData
from billing.vat import gross_cents
from tenants.forms import DisputesBodyChoiceField
from tenants.models import RESERVED_SLUGS, SLUG_RE, Provider, Sector

POSTCODE_RE = re.compile(r"^\s*(\d{4})\s?([A-Za-z]{2})\s*$")


def _price_label(offer: ServiceOffer) -> str:
    assert offer.price is not None  # nosec B101  # offers without a price are filtered out before labels are made
    net = offer.price.amount_cents / 100
    gross = gross_cents(offer.price.amount_cents) / 100
    return _("%(label)s: € %(net)s per jaar excl. BTW (€ %(gross)s incl. BTW)") % {
        "label": offer.label,
        "net": f"{net:.2f}".replace(".", ","),
        "gross": f"{gross:.2f}".replace(".", ","),
    }


class SignUpForm(forms.Form):
    organisation_name = forms.CharField(label=_("Naam van uw organisatie"), max_length=200)
    kvk_number = forms.CharField(
        label=_("KvK-nummer"),
        help_text=_("8 cijfers, zoals op uw uittreksel van de Kamer van Koophandel."),
        max_length=12,
    )
    agb_code = forms.CharField(
        label=_("AGB-code"), help_text=_("8 cijfers, als u die hebt."), max_length=12, required=False
    )
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices)
    street = forms.CharField(label=_("Straat en huisnummer"), max_length=200)
    postcode = forms.CharField(label=_("Postcode"), max_length=8, help_text=_("Bijvoorbeeld 3511 AB."))
    city = forms.CharField(label=_("Plaats"), max_length=100)
    contact_name = forms.CharField(label=_("Uw naam"), max_length=150)
    contact_email = forms.EmailField(
        label=_("Uw e-mailadres"), help_text=_("Hiermee logt u in als beheerder van uw organisatie.")
    )
    contact_phone = forms.CharField(label=_("Telefoonnummer"), max_length=20, required=False)
    password = forms.CharField(
        label=_("Kies een wachtwoord"),
        help_text=_("Minstens 10 tekens. Na het inloggen stelt u ook een tweede stap in (een code-app)."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    slug = forms.CharField(
        label=_("Adres van uw omgeving"),
        help_text=_("Kleine letters, cijfers en streepjes; wordt het begin van uw webadres."),
        max_length=40,
    )
    services = forms.MultipleChoiceField(
        label=_("Diensten"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Kies ten minste één dienst.")},
    )
    disputes_body = DisputesBodyChoiceField()
    accept_dpa = forms.BooleanField(
        label=_("Ik ga akkoord met de verwerkersovereenkomst"),
        error_messages={
            "required": _("Zonder verwerkersovereenkomst kunnen wij geen klachten voor u behandelen.")
        },
    )

    def __init__(self, *args: Any, offers: list[ServiceOffer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services"].choices = [
            (offer.code, _price_label(offer)) for offer in offers if offer.offered
        ]
        self.fields["slug"].help_text = _(
            "Kleine letters, cijfers en streepjes. Uw omgeving komt op <naam>.%(domain)s."
        ) % {"domain": settings.PLATFORM_DOMAIN}
        self.fields["accept_dpa"].help_text = _("Versie %(version)s.") % {
            "version": settings.BILLING_DPA_VERSION
        }
        for name in ("organisation_name", "street", "city", "contact_name"):
            self.fields[name].widget.attrs["autocomplete"] = {
                "organisation_name": "organization",
                "street": "street-address",
                "city": "address-level2",
                "contact_name": "name",
            }[name]
        self.fields["postcode"].widget.attrs["autocomplete"] = "postal-code"
        self.fields["contact_email"].widget.attrs["autocomplete"] = "email"
        self.fields["contact_phone"].widget.attrs["autocomplete"] = "tel"

    def clean_kvk_number(self) -> str:
        value = re.sub(r"\s", "", self.cleaned_data["kvk_number"])
        if not re.fullmatch(r"\d{8}", value):
            raise ValidationError(_("Een KvK-nummer bestaat uit 8 cijfers."))
        return value

    def clean_agb_code(self) -> str:
        value = re.sub(r"\s", "", self.cleaned_data["agb_code"])
        if value and not re.fullmatch(r"\d{8}", value):
            raise ValidationError(_("Een AGB-code bestaat uit 8 cijfers."))
        return value

    def clean_postcode(self) -> str:
        match = POSTCODE_RE.match(self.cleaned_data["postcode"])
        if not match:
            raise ValidationError(_("Vul een postcode in zoals 3511 AB."))
        return f"{match.group(1)} {match.group(2).upper()}"

    def clean_slug(self) -> str:
        value = self.cleaned_data["slug"].strip().lower()
        if not re.fullmatch(SLUG_RE, value):
            raise ValidationError(
                _("Gebruik 3 tot 40 kleine letters, cijfers of streepjes; begin met een letter.")
            )
        if value in RESERVED_SLUGS or value == "platform":
            raise ValidationError(_("Dit adres is gereserveerd. Kies een ander."))
        taken = (
            Provider.all_objects.filter(slug=value).exists()  # a deleted provider's tombstone too
            or SignUp.objects.filter(slug=value, state__in=LIVE_SIGNUP_STATES).exists()
        )
        if taken:
            raise ValidationError(_("Dit adres is al in gebruik. Kies een ander."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            try:
                validate_password(password)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned

    def to_data(self) -> SignUpData:
        data = self.cleaned_data
        return SignUpData(
            organisation_name=data["organisation_name"].strip(),
            kvk_number=data["kvk_number"],
            agb_code=data["agb_code"],
            sector=data["sector"],
            street=data["street"].strip(),
            postcode=data["postcode"],
            city=data["city"].strip(),
            contact_name=data["contact_name"].strip(),
            contact_email=data["contact_email"],
            contact_phone=data["contact_phone"].strip(),
            password=data["password"],
            slug=data["slug"],
            services=list(data["services"]),
            disputes_body=data["disputes_body"],
        )


class ServiceChoiceForm(forms.Form):
    service = forms.ChoiceField(choices=[])

    def __init__(self, *args: Any, services: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [(code, code) for code in services]


class CancelForm(forms.Form):
    cancel = forms.ChoiceField(choices=[("1", "1"), ("0", "0")])
