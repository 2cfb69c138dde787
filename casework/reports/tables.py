"""The shape every report figure takes: sections of tables, each with an optional chart.

The page, the PDF, the CSV and the XLSX all render the same ``Section``
objects, so the four never disagree about a figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import number_format

from casework.reports.charts import Chart

HIDDEN = "–"


@dataclass(frozen=True)
class Cell:
    """One figure: its value (None when hidden or not applicable) and how it reads."""

    value: int | float | None
    text: str

    @property
    def numeric(self) -> bool:
        return self.value is not None

    @property
    def hidden(self) -> bool:
        """Zero, suppressed or not available: the reader is not told which."""
        return self.value is None and self.text == HIDDEN


def count(value: int | None) -> Cell:
    return Cell(None, HIDDEN) if value is None else Cell(int(value), number_format(int(value), 0))


def decimal(value: float | None, places: int = 1) -> Cell:
    if value is None:
        return Cell(None, HIDDEN)
    rounded = round(float(value), places)
    return Cell(rounded, number_format(rounded, places))


def percent(part: int | None, whole: int | None) -> Cell:
    if part is None or not whole:
        return Cell(None, HIDDEN)
    value = round(100 * part / whole, 1)
    return Cell(value, f"{number_format(value, 0)}%")


def change(current: int | None, previous: int | None) -> Cell:
    if current is None or previous is None:
        return Cell(None, HIDDEN)
    difference = current - previous
    sign = "+" if difference > 0 else ""
    return Cell(difference, f"{sign}{number_format(difference, 0)}")


def text(value: str) -> Cell:
    return Cell(None, value)


@dataclass(frozen=True)
class Column:
    label: str
    numeric: bool = True


@dataclass
class Row:
    label: str
    cells: list[Cell]
    # "group", "bucket" (merged small groups), "total" or "sub" (a part of the row above).
    kind: str = "group"
    key: str = ""
    # A shorter label for a chart's axis, where the table's is long.
    short_label: str = ""

    @property
    def chart_label(self) -> str:
        return self.short_label or self.label

    def value(self, index: int) -> int | float | None:
        return self.cells[index].value


@dataclass
class Table:
    caption: str
    columns: list[Column]
    rows: list[Row]

    def row(self, key: str) -> Row | None:
        return next((row for row in self.rows if row.key == key), None)


@dataclass
class Section:
    key: str
    title: str
    table: Table
    chart: Chart | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
