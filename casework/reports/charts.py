"""Small server-side SVG charts: horizontal bars, columns and lines.

Charts are drawn here, on the server, as plain SVG: they show without
JavaScript, pass the Content-Security-Policy (presentation attributes only,
no ``style``), print, and go into the PDF as they are (fpdf2 reads SVG).

Every chart carries its own text alternative: ``role="img"`` with a
``<title>`` and a ``<desc>`` that reads the figures out, and the page shows
the same figures in a table next to it. Colour is never the only cue: the
second series of a bar chart is drawn as an outline, lines differ in dash
pattern and marker shape, and every bar carries its value as text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape  # nosec B406  # escapes text we write into SVG; nothing is parsed

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

# Contrast of at least 3:1 against white for every mark (WCAG 1.4.11), 4.5:1 for text.
INK = "#1b1f24"
MUTED = "#4a5561"
GRID = "#c7d0d9"
PALETTE = ("#0b5a7a", "#b35900", "#1e6b35", "#6b3fa0", "#a11d1d", "#4a5561", "#00707a", "#7a5a00")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2", "10 4", "3 6")
MARKERS = ("circle", "square", "triangle", "diamond", "circle", "square", "triangle", "diamond")
FONT = "sans-serif"
FONT_SIZE = 12
WIDTH = 640
LABEL_CHARS = 36


def default_format(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.1f}".replace(".", ",")


@dataclass(frozen=True)
class Series:
    """One named row of values; None is a gap (no value, or a hidden one)."""

    name: str
    values: Sequence[float | None]


@dataclass
class Chart:
    """A drawn chart: its SVG, and the title and description that make its text alternative."""

    chart_id: str
    title: str
    description: str
    svg: SafeString
    labels: list[str] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)

    def __str__(self) -> str:
        return self.svg

    def __html__(self) -> str:
        return self.svg

    def svg_for_pdf(self, *, font_family: str = "", latin1: bool = False) -> bytes:
        """The SVG for fpdf2: without title and description (the PDF's text carries them), its text in
        ``font_family`` (a font registered in the PDF), or in Latin-1 for the PDF's built-in fonts."""
        text = str(self.svg)
        for tag in ("title", "desc"):
            start = text.find(f"<{tag} ")
            end = text.find(f"</{tag}>")
            if start != -1 and end != -1:
                text = text[:start] + text[end + len(tag) + 3 :]
        if font_family:
            text = text.replace(f'font-family="{FONT}"', f'font-family="{font_family}, {FONT}"')
        if latin1:
            text = text.translate(str.maketrans({"…": "...", "–": "-", "—": "-"}))
            text = text.encode("latin-1", "replace").decode("latin-1")
        return text.encode("utf-8")


def _shorten(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _nice_max(value: float) -> float:
    """A round upper end for an axis: 1, 2, 2.5, 5 or 10 times a power of ten, at least ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _is_nice(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step))
    return any(math.isclose(mantissa, nice) for nice in (1, 2, 2.5, 5))


def _ticks(top: float) -> list[float]:
    """Gridlines from 0 to ``top`` at round steps: whole numbers up to 5, else 5 or 4 round steps."""
    if top <= 5 and float(top).is_integer():
        return [float(i) for i in range(int(top) + 1)]
    count = next((n for n in (5, 4) if _is_nice(top / n)), 4)
    return [top * i / count for i in range(count + 1)]


def _text(
    x: float, y: float, content: str, *, anchor: str = "start", size: int = FONT_SIZE, fill: str = INK
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" fill="{fill}"'
        f' text-anchor="{anchor}">{escape(content)}</text>'
    )


def _describe(labels: Sequence[str], series: Sequence[Series], fmt: Callable[[float], str]) -> str:
    parts = []
    for index, label in enumerate(labels):
        values = []
        for item in series:
            value = item.values[index] if index < len(item.values) else None
            shown = "–" if value is None else fmt(value)
            values.append(f"{shown} ({item.name})" if len(series) > 1 else shown)
        parts.append(f"{label}: {', '.join(values)}")
    return "; ".join(parts) + "."


CHART_ID = re.compile(r"^[a-z][a-z0-9-]{0,60}$")


def _open(chart_id: str, width: int, height: int, title: str, description: str) -> str:
    if not CHART_ID.match(chart_id):
        raise ValueError(f"not a chart id: {chart_id!r}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" role="img"'
        f' aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>'
    )


def _legend(
    series: Sequence[Series], y: float, *, kind: str, x: float = 8, filled: bool = False
) -> tuple[str, float]:
    """A legend row; returns its markup and the height it takes (``filled``: every swatch solid)."""
    if len(series) < 2:
        return "", 0
    out = []
    cursor = x
    for index, item in enumerate(series):
        color = PALETTE[index % len(PALETTE)]
        if kind == "bar":
            fill = color if (index == 0 or filled) else "#ffffff"
            out.append(
                f'<rect x="{cursor:.1f}" y="{y - 10:.1f}" width="14" height="12" fill="{fill}"'
                f' stroke="{color}" stroke-width="2"/>'
            )
            cursor += 20
        else:
            dash = DASHES[index % len(DASHES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<line x1="{cursor:.1f}" y1="{y - 4:.1f}" x2="{cursor + 24:.1f}" y2="{y - 4:.1f}"'
                f' stroke="{color}" stroke-width="2.5"{dash_attr}/>'
            )
            out.append(_marker(MARKERS[index % len(MARKERS)], cursor + 12, y - 4, color))
            cursor += 30
        out.append(_text(cursor, y, item.name))
        cursor += 7.2 * len(item.name) + 22
    return "".join(out), 22


def _marker(shape: str, x: float, y: float, color: str, size: float = 4) -> str:
    if shape == "square":
        return (
            f'<rect x="{x - size:.1f}" y="{y - size:.1f}" width="{2 * size:.1f}" height="{2 * size:.1f}"'
            f' fill="{color}"/>'
        )
    if shape == "triangle":
        points = (
            f"{x:.1f},{y - size - 1:.1f} {x + size + 1:.1f},{y + size:.1f} {x - size - 1:.1f},{y + size:.1f}"
        )
        return f'<polygon points="{points}" fill="{color}"/>'
    if shape == "diamond":
        reach = size + 1
        points = (
            f"{x:.1f},{y - reach:.1f} {x + reach:.1f},{y:.1f} {x:.1f},{y + reach:.1f} {x - reach:.1f},{y:.1f}"
        )
        return f'<polygon points="{points}" fill="{color}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size:.1f}" fill="{color}"/>'


def bar_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    description: str = "",
    value_format: Callable[[float], str] = default_format,
    width: int = WIDTH,
) -> Chart:
    """Horizontal bars, one group per label: good for categories with long names.

    The first series is drawn filled, the others as outlines, each bar with
    its value written after it.
    """
    labels = [str(label) for label in labels]
    series = list(series)
    description = description or _describe(labels, series, value_format)
    values = [v for item in series for v in item.values if v is not None]
    top = _nice_max(max(values, default=0))
    label_width = min(250, 12 + 6.6 * max((len(_shorten(label)) for label in labels), default=4))
    plot_left = label_width + 8
    plot_right = width - 48
    bar_height = 14 if len(series) > 1 else 18
    group_gap = 10
    group_height = bar_height * len(series) + group_gap
    legend, legend_height = _legend(series, 18, kind="bar")
    top_offset = 12 + legend_height
    plot_height = group_height * max(len(labels), 1)
    height = int(top_offset + plot_height + 28)
    out = [_open(chart_id, width, height, title, description), legend]
    scale = (plot_right - plot_left) / top
    for tick in _ticks(top):
        x = plot_left + tick * scale
        out.append(
            f'<line x1="{x:.1f}" y1="{top_offset:.1f}" x2="{x:.1f}" y2="{top_offset + plot_height:.1f}"'
            f' stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(_text(x, top_offset + plot_height + 16, value_format(tick), anchor="middle", fill=MUTED))
    for row, label in enumerate(labels):
        y0 = top_offset + row * group_height + group_gap / 2
        out.append(
            _text(plot_left - 8, y0 + group_height / 2 - group_gap / 2 + 4, _shorten(label), anchor="end")
        )
        for index, item in enumerate(series):
            value = item.values[row] if row < len(item.values) else None
            y = y0 + index * bar_height
            color = PALETTE[index % len(PALETTE)]
            if value is None:
                out.append(_text(plot_left + 4, y + bar_height - 3, "–", size=11, fill=MUTED))
                continue
            length = max(value * scale, 0)
            fill = color if index == 0 else "#ffffff"
            out.append(
                f'<rect x="{plot_left:.1f}" y="{y + 1:.1f}" width="{max(length, 1):.1f}"'
                f' height="{bar_height - 2:.1f}" fill="{fill}" stroke="{color}" stroke-width="1.5"/>'
            )
            out.append(_text(plot_left + length + 4, y + bar_height - 3, value_format(value), size=11))
    out.append(
        f'<line x1="{plot_left:.1f}" y1="{top_offset:.1f}" x2="{plot_left:.1f}"'
        f' y2="{top_offset + plot_height:.1f}" stroke="{INK}" stroke-width="1"/>'
    )
    out.append("</svg>")
    return Chart(chart_id, title, description, mark_safe("".join(out)), labels, series)  # noqa: S308 (escaped above)  # nosec B308 B703  # texts escaped in _text, ids from code, numbers formatted


def column_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    description: str = "",
    value_format: Callable[[float], str] = default_format,
    width: int = WIDTH,
    height: int = 260,
    stacked: bool = False,
    label_every: int = 1,
) -> Chart:
    """Vertical columns over a sequence (weeks, months); stacked or side by side."""
    labels = [str(label) for label in labels]
    series = list(series)
    description = description or _describe(labels, series, value_format)
    if stacked:
        sums = [sum((item.values[i] or 0) for item in series) for i in range(len(labels))]
        top = _nice_max(max(sums, default=0))
    else:
        top = _nice_max(max((v for item in series for v in item.values if v is not None), default=0))
    legend, legend_height = _legend(series, 18, kind="bar", filled=stacked)
    plot_top = 14 + legend_height
    plot_bottom = height - 34
    plot_left = 44
    plot_right = width - 10
    out = [_open(chart_id, width, height, title, description), legend]
    scale = (plot_bottom - plot_top) / top
    for tick in _ticks(top):
        y = plot_bottom - tick * scale
        out.append(
            f'<line x1="{plot_left:.1f}" y1="{y:.1f}" x2="{plot_right:.1f}" y2="{y:.1f}"'
            f' stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(_text(plot_left - 6, y + 4, value_format(tick), anchor="end", fill=MUTED))
    slot = (plot_right - plot_left) / max(len(labels), 1)
    per_slot = 1 if stacked else max(len(series), 1)
    bar_width = max(min(slot * 0.7 / per_slot, 40), 2)
    for i, label in enumerate(labels):
        x_center = plot_left + slot * (i + 0.5)
        base = plot_bottom
        for index, item in enumerate(series):
            value = item.values[i] if i < len(item.values) else None
            if value is None or value <= 0:
                continue
            color = PALETTE[index % len(PALETTE)]
            h = value * scale
            if stacked:
                x = x_center - bar_width / 2
                y = base - h
                base = y
            else:
                x = x_center - bar_width * per_slot / 2 + index * bar_width
                y = plot_bottom - h
            fill = color if (stacked or index == 0) else "#ffffff"
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_width:.1f}" height="{h:.1f}" fill="{fill}"'
                f' stroke="{"#ffffff" if stacked else color}" stroke-width="{1 if stacked else 1.5}"/>'
            )
        if i % label_every == 0:
            out.append(_text(x_center, plot_bottom + 16, label, anchor="middle", size=11, fill=MUTED))
    out.append(
        f'<line x1="{plot_left:.1f}" y1="{plot_bottom:.1f}" x2="{plot_right:.1f}" y2="{plot_bottom:.1f}"'
        f' stroke="{INK}" stroke-width="1"/>'
    )
    out.append("</svg>")
    return Chart(chart_id, title, description, mark_safe("".join(out)), labels, series)  # noqa: S308 (escaped above)  # nosec B308 B703  # texts escaped in _text, ids from code, numbers formatted


def line_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    description: str = "",
    value_format: Callable[[float], str] = default_format,
    width: int = WIDTH,
    height: int = 280,
    label_every: int = 1,
) -> Chart:
    """Lines over a sequence (months): each series its own colour, dash pattern and marker."""
    labels = [str(label) for label in labels]
    series = list(series)
    description = description or _describe(labels, series, value_format)
    top = _nice_max(max((v for item in series for v in item.values if v is not None), default=0))
    legend, legend_height = _legend(series, 18, kind="line")
    plot_top = 14 + legend_height
    plot_bottom = height - 34
    plot_left = 52
    plot_right = width - 16
    out = [_open(chart_id, width, height, title, description), legend]
    scale = (plot_bottom - plot_top) / top
    for tick in _ticks(top):
        y = plot_bottom - tick * scale
        out.append(
            f'<line x1="{plot_left:.1f}" y1="{y:.1f}" x2="{plot_right:.1f}" y2="{y:.1f}"'
            f' stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(_text(plot_left - 6, y + 4, value_format(tick), anchor="end", fill=MUTED))
    step = (plot_right - plot_left) / max(len(labels) - 1, 1)
    for i, label in enumerate(labels):
        if i % label_every == 0:
            out.append(
                _text(plot_left + i * step, plot_bottom + 16, label, anchor="middle", size=11, fill=MUTED)
            )
    for index, item in enumerate(series):
        color = PALETTE[index % len(PALETTE)]
        dash = DASHES[index % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        runs: list[list[tuple[float, float]]] = [[]]
        for i, value in enumerate(item.values):
            if value is None:
                runs.append([])
                continue
            runs[-1].append((plot_left + i * step, plot_bottom - value * scale))
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                out.append(
                    f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2.5"'
                    f' stroke-linejoin="round"{dash_attr}/>'
                )
            for x, y in run:
                out.append(_marker(MARKERS[index % len(MARKERS)], x, y, color, size=3.5))
    out.append(
        f'<line x1="{plot_left:.1f}" y1="{plot_bottom:.1f}" x2="{plot_right:.1f}" y2="{plot_bottom:.1f}"'
        f' stroke="{INK}" stroke-width="1"/>'
    )
    out.append("</svg>")
    return Chart(chart_id, title, description, mark_safe("".join(out)), labels, series)  # noqa: S308 (escaped above)  # nosec B308 B703  # texts escaped in _text, ids from code, numbers formatted


def chart_figure(chart: Chart) -> SafeString:
    """The chart in a ``<figure>`` with a visible caption (used by templates via the object itself)."""
    return format_html('<figure class="chart">{}<figcaption>{}</figcaption></figure>', chart.svg, chart.title)


__all__ = ["Chart", "Series", "bar_chart", "chart_figure", "column_chart", "line_chart"]
