"""The DPO's documents as PDF (fpdf2): the answer to a data-subject request, and the annual report.

The page layout and the font fallback are the decision letter's
(``casework.dossier.pdf``), so every letter from the platform looks alike.
"""

from __future__ import annotations

from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _

from casework.dossier.pdf import LetterPDF, _font_path
from casework.models import PrivacyRequest
from tenants.models import Provider

AP_NAME = "Autoriteit Persoonsgegevens"
AP_ADDRESS = "Postbus 93374, 2509 AJ Den Haag (autoriteitpersoonsgegevens.nl)"


def _date(value: Any) -> str:
    return formats.date_format(value, "j F Y")


def answer_letter_pdf(*, provider: Provider, request: PrivacyRequest) -> bytes:
    """The answer to ``request`` in the requester's language: the outcome, the reasons, the remedies."""
    with translation.override(request.language or "nl"):
        pdf = LetterPDF(_font_path())
        pdf.set_title(_("Antwoord op uw verzoek %(reference)s") % {"reference": request.reference})
        pdf.set_author(provider.name)
        pdf.add_page()
        pdf.heading(_("Antwoord op uw verzoek op grond van de AVG"), size=16)
        pdf.paragraph(
            "\n".join(
                [
                    _("Verwerkingsverantwoordelijke: %(name)s") % {"name": provider.name},
                    _("Kenmerk: %(reference)s") % {"reference": request.reference},
                    _("Uw verzoek: %(kind)s") % {"kind": request.get_kind_display()},
                    _("Ontvangen op: %(date)s") % {"date": _date(request.received_on)},
                    _("Datum van dit antwoord: %(date)s") % {"date": _date(request.answered_on)},
                    _("Aan: %(name)s") % {"name": request.requester_name},
                ]
            )
        )
        pdf.heading(_("Uitkomst"))
        pdf.paragraph(request.get_outcome_display())
        pdf.heading(_("Ons antwoord"))
        pdf.paragraph(request.answer_text)
        if request.outcome != PrivacyRequest.Outcome.GRANTED:
            pdf.heading(_("Waarom wij uw verzoek niet (volledig) inwilligen"))
            pdf.paragraph(request.outcome_reason)
        pdf.heading(_("Niet tevreden?"))
        pdf.paragraph(
            _(
                "U kunt een klacht indienen bij de %(ap)s, %(address)s, en u kunt zich tot de rechter "
                "wenden (AVG artikel 12 lid 4, 77 en 79). Noem het kenmerk %(reference)s."
            )
            % {"ap": AP_NAME, "address": AP_ADDRESS, "reference": request.reference}
        )
        pdf.paragraph(
            _("Met vriendelijke groet,\nde functionaris gegevensbescherming van %(name)s")
            % {"name": provider.name}
        )
        return bytes(pdf.output())


def annual_report_pdf(*, provider: Provider, report: Any) -> bytes:
    """The annual DPO report (``casework.privacy.selectors.DpoReport``) as PDF; no names of people."""
    pdf = LetterPDF(_font_path())
    pdf.set_title(_("Jaarverslag functionaris gegevensbescherming %(year)s") % {"year": report.year})
    pdf.set_author("Klachtpunt")
    pdf.add_page()
    pdf.heading(_("Jaarverslag functionaris gegevensbescherming %(year)s") % {"year": report.year}, size=16)
    pdf.paragraph(_("Zorgaanbieder: %(name)s") % {"name": provider.name})
    pdf.heading(_("Verzoeken van betrokkenen"))
    lines = [
        _("%(kind)s: %(total)d ontvangen, %(answered)d beantwoord, waarvan %(in_time)d op tijd") % row
        for row in report.requests_by_kind
    ]
    pdf.paragraph("\n".join(lines) or _("Geen verzoeken."))
    pdf.paragraph(
        _("Verlengd: %(extended)d. Nog open: %(open)d. Te laat beantwoord: %(late)d.")
        % {"extended": report.requests_extended, "open": report.requests_open, "late": report.requests_late}
    )
    pdf.heading(_("Datalekken"))
    lines = [_("%(kind)s: %(total)d") % row for row in report.breaches_by_kind]
    pdf.paragraph("\n".join(lines) or _("Geen datalekken."))
    pdf.paragraph(
        _(
            "Gemeld aan de Autoriteit Persoonsgegevens: %(notified)d, waarvan te laat: %(late)d. "
            "Niet meldplichtig: %(not_notifiable)d. Betrokkenen geïnformeerd: %(people)d."
        )
        % {
            "notified": report.breaches_notified,
            "late": report.breaches_notified_late,
            "not_notifiable": report.breaches_not_notifiable,
            "people": report.breaches_people_told,
        }
    )
    pdf.heading(_("Advies"))
    lines = [_("%(topic)s: %(count)d, %(hours)s uur") % row for row in report.advice_by_topic]
    pdf.paragraph("\n".join(lines) or _("Geen advies geregistreerd."))
    return bytes(pdf.output())
