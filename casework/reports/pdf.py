"""The annual report as a PDF: pure Python (fpdf2), with the page's SVG charts, in the request language.

The same ``Section`` objects as the page: each section's title, its chart
(the SVG drawn for the page, embedded as vector graphics), its table and its
note. DejaVu Sans is used when it is installed (Debian's
``fonts-dejavu-core``); otherwise the built-in Helvetica, with the few
characters outside Latin-1 written in their plain form.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

from django.conf import settings
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from casework.reports.annual import PRIVACY_NOTE, AnnualReport
from casework.reports.tables import Section

# fontTools reports every table it prunes when fpdf2 subsets the font: not worth a log line each.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
PLAIN = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "€": "EUR"})
BRAND = (11, 90, 122)
SOFT = (241, 245, 248)
MUTED = (74, 85, 97)
CONTENT_WIDTH = 170  # A4 minus 20 mm margins


def font_path() -> Path | None:
    configured = getattr(settings, "REPORT_PDF_FONT", "") or getattr(settings, "DECISION_PDF_FONT", "")
    for candidate in (configured, *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


class ReportPDF(FPDF):
    def __init__(self, *, title: str, subtitle: str) -> None:
        super().__init__(format="A4")
        font = font_path()
        self.unicode = font is not None
        if font is not None:
            self.add_font("body", "", str(font))
            bold = font.with_name(font.stem + "-Bold" + font.suffix)
            self.add_font("body", "B", str(bold if bold.is_file() else font))
            self.family = "body"
        else:
            self.family = "helvetica"
        self.report_title = title
        self.report_subtitle = subtitle
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(True, margin=18)
        self.set_title(title)
        self.set_lang(get_language() or "nl")

    def clean(self, value: str) -> str:
        if self.unicode:
            return value
        value = value.translate(PLAIN)
        return value.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.clean(self.report_subtitle), align="L")
        self.set_x(self.l_margin)
        self.cell(
            0,
            5,
            self.clean(_("Pagina %(page)s van %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}),
            align="R",
        )
        self.set_text_color(0, 0, 0)

    def heading(self, value: str, size: int = 13) -> None:
        self.set_font(self.family, "B", size)
        self.set_text_color(*BRAND)
        self.multi_cell(0, size * 0.5, self.clean(value), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(1.5)

    def paragraph(self, value: str, size: float = 9.5, color: tuple[int, int, int] = (0, 0, 0)) -> None:
        self.set_font(self.family, "", size)
        self.set_text_color(*color)
        self.multi_cell(0, size * 0.5, self.clean(value), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def section(self, section: Section) -> None:
        # Start a section on a new page when its title and chart would not fit.
        needed = 20 + (_chart_height(section) if section.chart else 0)
        if self.get_y() + needed > self.h - self.b_margin:
            self.add_page()
        self.heading(section.title)
        if section.chart is not None:
            self.chart(section)
        self.table_of(section)
        if section.note:
            self.paragraph(section.note, size=8.5, color=MUTED)
        self.ln(3)

    def chart(self, section: Section) -> None:
        assert section.chart is not None  # nosec B101  # only sections with a chart reach here (narrows the type)
        svg = section.chart.svg_for_pdf(font_family="body" if self.unicode else "", latin1=not self.unicode)
        width = min(CONTENT_WIDTH, 150)
        self.image(io.BytesIO(svg), x=self.l_margin, w=width)
        self.ln(2)

    def table_of(self, section: Section) -> None:
        table = section.table
        columns = table.columns
        first = 62 if len(columns) > 4 else 80
        rest = (CONTENT_WIDTH - first) / max(len(columns) - 1, 1)
        self.set_font(self.family, "", 8.5 if len(columns) <= 5 else 7.5)
        with self.table(
            col_widths=(first, *([rest] * (len(columns) - 1))),
            text_align=("LEFT", *(["RIGHT"] * (len(columns) - 1))),
            headings_style=FontFace(emphasis="BOLD", fill_color=SOFT),
            line_height=4.6,
            borders_layout="HORIZONTAL_LINES",
            padding=1,
        ) as pdf_table:
            heading = pdf_table.row()
            for column in columns:
                heading.cell(self.clean(column.label))
            for row in table.rows:
                cells = pdf_table.row()
                style = FontFace(emphasis="BOLD") if row.kind == "total" else None
                label = ("    " + row.label) if row.kind == "sub" else row.label
                cells.cell(self.clean(label), style=style)
                for cell in row.cells:
                    cells.cell(self.clean(cell.text), style=style)


def _chart_height(section: Section) -> float:
    chart = section.chart
    if chart is None:
        return 0
    text = str(chart.svg)
    try:
        width = float(text.split('width="', 1)[1].split('"', 1)[0])
        height = float(text.split('height="', 1)[1].split('"', 1)[0])
    except (IndexError, ValueError):
        return 80
    return min(CONTENT_WIDTH, 150) * height / width


def annual_report_pdf(report: AnnualReport) -> bytes:
    """The report as PDF bytes, in the active language."""
    title = _("Klachtenjaarverslag %(year)s") % {"year": report.year}
    subtitle = f"{report.provider.name} · {title}"
    pdf = ReportPDF(title=title, subtitle=subtitle)
    pdf.set_author("Klachtpunt")
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font(pdf.family, "B", 20)
    pdf.set_text_color(*BRAND)
    pdf.multi_cell(0, 9, pdf.clean(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(pdf.family, "", 12)
    pdf.multi_cell(0, 6, pdf.clean(report.provider.name), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    period = (
        _("Cijfers tot en met %(date)s; vergeleken met %(previous)s.")
        % {"date": formats.date_format(report.today, "j F Y"), "previous": report.previous_year}
        if report.partial
        else _("Cijfers over het hele jaar %(year)s, vergeleken met %(previous)s.")
        % {"year": report.year, "previous": report.previous_year}
    )
    pdf.paragraph(f"{period} {PRIVACY_NOTE}", size=9, color=MUTED)
    for section in report.sections:
        pdf.section(section)
    return bytes(pdf.output())
