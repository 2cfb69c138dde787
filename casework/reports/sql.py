"""Aggregate building blocks for reports: percentiles, day counts, grouping sets.

Figures are computed by PostgreSQL in aggregate queries, never by looping
over rows in Python: ``percentile_cont`` for medians and 90th percentiles,
``COUNT(*) FILTER (...)`` for conditional counts, and ``GROUPING SETS`` to
count one population by several dimensions in a single scan.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.db.models import Aggregate, Func, QuerySet

from reference.dates import AMSTERDAM


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``; ``filter=`` works."""

    function = "percentile_cont"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = models.FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        # A float formatted here, never user input.
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


class AmsterdamDate(Func):
    """The calendar day in Europe/Amsterdam of a timestamp."""

    template = "((%(expressions)s) AT TIME ZONE 'Europe/Amsterdam')::date"
    output_field = models.DateField()


class DaysBetween(Func):
    """Whole calendar days from ``start`` to ``end`` (both dates): ``end - start`` in PostgreSQL."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = models.IntegerField()

    def __init__(self, start: Any, end: Any) -> None:
        super().__init__(end, start)


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The first moment of ``year`` and of the next one, in Europe/Amsterdam."""
    return (
        datetime.datetime(year, 1, 1, tzinfo=AMSTERDAM),
        datetime.datetime(year + 1, 1, 1, tzinfo=AMSTERDAM),
    )


def grouping_sets(
    queryset: QuerySet, *, key: str, dimensions: Sequence[str], aggregates: dict[str, str]
) -> list[dict[str, Any]]:
    """Count ``queryset`` per ``key`` and per (``key``, dimension) for every dimension, in one query.

    ``queryset`` must be a ``values(...)`` queryset selecting ``key``, the
    ``dimensions`` and whatever the ``aggregates`` (SQL expressions by alias,
    over those output columns) refer to. Each returned row holds ``key``, the
    one dimension it is grouped by (``dimension`` names it; None for the
    per-key row), its value, and the aggregates.
    """
    inner, params = queryset.query.sql_with_params()
    columns = [key, *dimensions]
    groupings = ", ".join(f"GROUPING({column}) AS g_{column}" for column in dimensions)
    sets = ", ".join([f"({key})", *(f"({key}, {column})" for column in dimensions)])
    selects = ", ".join(f"{expression} AS {alias}" for alias, expression in aggregates.items())
    sql = (
        f"SELECT {', '.join(columns)}, {groupings}, {selects} "  # noqa: S608 (names from code, values are parameters)  # nosec B608  # names from code, values are parameters
        f"FROM ({inner}) AS figures GROUP BY GROUPING SETS ({sets})"
    )
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            grouped = [column for column in dimensions if row[f"g_{column}"] == 0]
            row["dimension"] = grouped[0] if grouped else None
            rows.append(row)
    return rows
