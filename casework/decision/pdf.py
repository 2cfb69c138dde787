"""The decision (oordeel) as a PDF, made with fpdf2 (pure Python).

A Unicode TrueType font is used when one is installed (DejaVu Sans, Debian's
``fonts-dejavu-core``, or ``settings.DECISION_PDF_FONT``); without one the PDF
falls back to the built-in Helvetica, which covers Latin-1 only, and the few
typographic characters outside it are written in their plain form.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from casework.models import Complaint, Decision
from tenants.models import Provider

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
# Plain forms for characters Helvetica (Latin-1) lacks.
PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u20ac": "EUR",
        "\u0133": "ij",
        "\u0132": "IJ",
        "\u2022": "-",
    }
)


def _latin1(ch: str) -> str:
    return unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")


def _font_path() -> Path | None:
    configured = getattr(settings, "DECISION_PDF_FONT", "")
    for candidate in (configured, *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


class _DecisionPDF(FPDF):
    def __init__(self, font: Path | None) -> None:
        super().__init__(format="A4")
        self._kp_unicode = font is not None
        if font is not None:
            self.add_font("body", "", str(font))
            bold = font.with_name(font.stem + "-Bold" + font.suffix)
            self.add_font("body", "B", str(bold if bold.is_file() else font))
            self._kp_family = "body"
        else:
            self._kp_family = "helvetica"
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(True, margin=20)

    def clean(self, value: str) -> str:
        if self._kp_unicode:
            return value
        value = value.translate(PLAIN)
        return "".join(ch if ord(ch) < 256 else _latin1(ch) for ch in value)

    def heading(self, value: str, size: int = 13) -> None:
        self.set_font(self._kp_family, "B", size)
        self.multi_cell(0, 7, self.clean(value), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def paragraph(self, value: str) -> None:
        self.set_font(self._kp_family, "", 11)
        self.multi_cell(0, 6, self.clean(value), new_x="LMARGIN", new_y="NEXT")
        self.ln(3)


def decision_pdf(*, provider: Provider, complaint: Complaint, decision: Decision) -> bytes:
    """The written decision, in the complainant's language, as PDF bytes."""
    with translation.override(complaint.language or "nl"):
        pdf = _DecisionPDF(_font_path())
        pdf.set_title(_("Oordeel op klacht %(reference)s") % {"reference": complaint.reference})
        pdf.set_author(provider.name)
        pdf.add_page()
        pdf.heading(_("Schriftelijk oordeel op uw klacht"), size=16)
        pdf.paragraph(
            "\n".join(
                [
                    _("Zorgaanbieder: %(name)s") % {"name": provider.name},
                    _("Kenmerk: %(reference)s") % {"reference": complaint.reference},
                    _("Datum van het oordeel: %(date)s")
                    % {"date": formats.date_format(decision.decided_on, "j F Y")},
                    _("Aan: %(name)s") % {"name": complaint.complainant_name},
                ]
            )
        )
        pdf.heading(_("1. Conclusie over de klacht"))
        pdf.paragraph(decision.conclusion)
        pdf.heading(_("2. Genomen beslissingen"))
        pdf.paragraph(decision.decisions_taken)
        pdf.heading(_("3. Termijn waarbinnen de maatregelen worden uitgevoerd"))
        pdf.paragraph(decision.measures_timeframe)
        measures = list(decision.measures.all())
        if measures:
            pdf.heading(_("Maatregelen"))
            for number, measure in enumerate(measures, start=1):
                pdf.paragraph(
                    _("%(n)d. %(description)s (gereed uiterlijk %(date)s)")
                    % {
                        "n": number,
                        "description": measure.description,
                        "date": formats.date_format(measure.due_on, "j F Y"),
                    }
                )
        pdf.heading(_("Niet tevreden?"))
        pdf.paragraph(
            _(
                "Bent u het niet eens met dit oordeel, dan kunt u het geschil voorleggen aan de "
                "geschilleninstantie%(body)s. Klachtpunt helpt u graag verder; noem dan het "
                "kenmerk %(reference)s."
            )
            % {
                "body": f" ({provider.disputes_body})" if provider.disputes_body else "",
                "reference": complaint.reference,
            }
        )
        return bytes(pdf.output())
