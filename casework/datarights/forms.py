"""The one form of the data-rights pages: deleting the account asks for its password."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from casework.dossier.forms import PlainForm


class AccountDeleteForm(PlainForm):
    password = forms.CharField(
        label=_("Uw wachtwoord"),
        help_text=_("Zo weten we zeker dat u het bent."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
    )
    confirm = forms.BooleanField(
        label=_("Ik begrijp dat mijn account niet terug te halen is."),
        error_messages={"required": _("Vink aan dat u dit begrijpt.")},
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Dit wachtwoord klopt niet."), code="wrong_password")
        return str(password)
