"""The extension notice as a PDF letter: the new date and the reason in the letter itself (Wkkgz 17.2)."""

from __future__ import annotations

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from casework.dossier.pdf import letter_pdf
from casework.models import Complaint, DeadlineExtension
from tenants.models import Provider


def extension_notice_pdf(*, provider: Provider, complaint: Complaint, extension: DeadlineExtension) -> bytes:
    """The reasoned written notice of an extension, in the complainant's language."""
    with translation.override(complaint.language or "nl"):
        header = [
            _("Zorgaanbieder: %(name)s") % {"name": provider.name},
            _("Kenmerk: %(reference)s") % {"reference": complaint.reference},
            _("Datum: %(date)s")
            % {"date": formats.date_format(timezone.localtime(extension.decided_at).date(), "j F Y")},
            _("Aan: %(name)s") % {"name": complaint.complainant_name},
        ]
        sections = [
            (
                "",
                _(
                    "%(provider)s heeft meer tijd nodig om zorgvuldig over uw klacht te oordelen. De termijn "
                    "voor het schriftelijke oordeel is verlengd van %(old)s tot uiterlijk %(new)s."
                )
                % {
                    "provider": provider.name,
                    "old": formats.date_format(extension.previous_deadline, "j F Y"),
                    "new": formats.date_format(extension.new_deadline, "j F Y"),
                },
            ),
            (_("Reden van de verlenging"), extension.reason),
        ]
        if extension.basis == DeadlineExtension.Basis.CONSENT:
            sections.append(("", _("U heeft met deze verlenging ingestemd.")))
        return letter_pdf(
            provider=provider,
            complaint=complaint,
            title=_("Verlenging van de termijn voor klacht %(reference)s")
            % {"reference": complaint.reference},
            heading=_("Verlenging van de termijn voor het oordeel"),
            header_lines=header,
            sections=sections,
        )
