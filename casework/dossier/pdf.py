"""Letters to the complainant as PDF documents, made with fpdf2 (pure Python).

A Unicode TrueType font is used when one is installed (DejaVu Sans, Debian's
``fonts-dejavu-core``, or ``settings.DECISION_PDF_FONT``); without one the PDF
falls back to the built-in Helvetica, which covers Latin-1 only, and the few
typographic characters outside it are written in their plain form.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from fpdf import FPDF

from casework.models import Complaint
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


class LetterPDF(FPDF):
    """An A4 letter with a heading and paragraphs, Unicode when a TrueType font is installed."""

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


def document_pdf(
    *,
    author: str,
    title: str,
    heading: str,
    header_lines: Sequence[str],
    sections: Sequence[tuple[str, str]],
) -> bytes:
    """An A4 document: a heading, header lines, then (heading, text) sections; an empty heading
    gives a plain paragraph. Letters and the provider's complaints scheme use this layout."""
    pdf = LetterPDF(_font_path())
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.add_page()
    pdf.heading(heading, size=16)
    pdf.paragraph("\n".join(header_lines))
    for section_heading, text in sections:
        if section_heading:
            pdf.heading(section_heading)
        pdf.paragraph(text)
    return bytes(pdf.output())


def letter_pdf(
    *,
    provider: Provider,
    complaint: Complaint,
    title: str,
    heading: str,
    header_lines: Sequence[str],
    sections: Sequence[tuple[str, str]],
) -> bytes:
    """A letter: a heading, the header lines (provider, reference, date, addressee), then sections.

    ``sections`` are (heading, text) pairs; an empty heading gives a plain paragraph.
    The caller renders the texts in the complainant's language.
    """
    return document_pdf(
        author=provider.name, title=title, heading=heading, header_lines=header_lines, sections=sections
    )
