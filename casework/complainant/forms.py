"""Forms of the complainant's portal and of the coordinator's entry.

The complaint itself is always ``casework.intake.forms.ComplaintForm``; the
coordinator's variant only adds how and when the complaint came in, allows
"consent not yet asked", and speaks about the complainant instead of to them.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.dossier.forms import PlainForm


class ClaimByReferenceForm(PlainForm):
    reference = forms.RegexField(
        label=_("Kenmerk van uw klacht"),
        help_text=_("Staat in de ontvangstbevestiging, bijvoorbeeld KP-2026-000123."),
        regex=r"^\s*[Kk][Pp]-\d{4}-\d{6}\s*$",
        max_length=30,
        error_messages={"invalid": _("Vul het kenmerk in zoals KP-2026-000123.")},
    )
