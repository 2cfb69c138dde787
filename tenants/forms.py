"""The provider's widget settings form, and what counts as a site's origin."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from reference.models import DisputesBody
from tenants.models import MEMBERSHIP_ROLES

MAX_ORIGINS = 20
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST_RE = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
# What a stored origin looks like; checked again before it goes into a header.
ORIGIN_RE = re.compile(rf"^https?://({_LABEL}(\.{_LABEL})*|\[[0-9a-f:.]+\])(:\d{{1,5}})?$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_normalize(value: str) -> str:
    """``" HTTPS://Www.Zorg.nl/ "`` -> ``"https://www.zorg.nl"``; refuse anything that is not an origin."""
    raw = value.strip()
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise ValidationError(
            _("%(value)s is geen geldig webadres.") % {"value": raw}, code="invalid"
        ) from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValidationError(
            _("%(value)s moet beginnen met https:// (of http://).") % {"value": raw}, code="scheme"
        )
    if parts.username or parts.password or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValidationError(
            _(
                "Vul bij %(value)s alleen het adres van de website in, zonder pad, zoals https://www.voorbeeldzorg.nl."
            )
            % {"value": raw},
            code="path",
        )
    host = (parts.hostname or "").rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        host = f"[{address}]" if address.version == 6 else str(address)
    else:
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError as exc:
            raise ValidationError(
                _("%(value)s is geen geldig webadres.") % {"value": raw}, code="invalid"
            ) from exc
        if not _HOST_RE.match(host):
            raise ValidationError(_("%(value)s is geen geldig webadres.") % {"value": raw}, code="invalid")
    suffix = f":{port}" if port is not None and port != _DEFAULT_PORTS[scheme] else ""
    return f"{scheme}://{host}{suffix}"


class WidgetSettingsForm(forms.Form):
    allowed_origins = forms.CharField(
        label=gettext_lazy("Websites die het klachtenformulier mogen tonen"),
        help_text=gettext_lazy(
            "Eén adres per regel, zoals https://www.voorbeeldzorg.nl. Alleen deze websites kunnen het "
            "formulier op hun pagina's laten zien; andere websites krijgen een lege plek."
        ),
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false", "autocapitalize": "off"}),
        required=False,
    )

    def clean_allowed_origins(self) -> list[str]:
        lines = [line for line in self.cleaned_data["allowed_origins"].splitlines() if line.strip()]
        if len(lines) > MAX_ORIGINS:
            raise ValidationError(
                _("U kunt maximaal %(count)d websites opgeven.") % {"count": MAX_ORIGINS}, code="too_many"
            )
        origins: list[str] = []
        errors: list[ValidationError] = []
        for line in lines:
            try:
                origins.append(origin_normalize(line))
            except ValidationError as error:
                errors.append(error)
        if errors:
            raise ValidationError(errors)
        return list(dict.fromkeys(origins))


class MemberRolesForm(forms.Form):
    """One member's roles at the provider; none at all makes them plain staff."""

    roles = forms.MultipleChoiceField(
        label=gettext_lazy("Rollen"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(role.value, role.label) for role in MEMBERSHIP_ROLES],
    )

    def __init__(self, *args: Any, user_id: int, **kwargs: Any) -> None:
        # One form per member on the page: their ids must differ.
        kwargs.setdefault("auto_id", f"id_member_{user_id}_%s")
        super().__init__(*args, **kwargs)
        self.user_id = user_id


if TYPE_CHECKING:  # django-stubs makes the field generic for the type checker only.
    _BodyChoiceField = forms.ModelChoiceField[DisputesBody]
else:
    _BodyChoiceField = forms.ModelChoiceField


class DisputesBodyChoiceField(_BodyChoiceField):
    """A choice from the disputes bodies the platform offers, shown with the care they cover."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Uw geschilleninstantie"))
        kwargs.setdefault(
            "help_text",
            gettext_lazy(
                "De erkende geschilleninstantie waarbij u bent aangesloten (Wkkgz artikel 18). Staat die er "
                "niet bij? Neem contact met ons op."
            ),
        )
        kwargs.setdefault("empty_label", gettext_lazy("Kies een geschilleninstantie"))
        kwargs.setdefault("error_messages", {"required": gettext_lazy("Kies uw geschilleninstantie.")})
        super().__init__(queryset=DisputesBody.objects.filter(active=True).order_by("name"), **kwargs)

    def label_from_instance(self, obj: DisputesBody) -> str:
        # The care a body covers is Dutch reference data with no translation: an English page
        # shows the body's name (a proper name) alone rather than a Dutch phrase.
        if get_language() != "nl":
            return obj.name
        return f"{obj.name} ({obj.sector})"


class DisputesBodyForm(forms.Form):
    """The provider admin chooses the disputes body on the settings page."""

    disputes_body = DisputesBodyChoiceField()
