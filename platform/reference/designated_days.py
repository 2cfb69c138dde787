"""Hands the decree days kept in the database to the pure rules module."""

from __future__ import annotations

from reference.deadline_rules import DesignatedDays


def designated_days_from_database() -> DesignatedDays:
    """Every designated day and every year a decree covers, in two small queries."""
    from reference.models import DesignatedDay, DesignatedDayDecree

    covered: set[int] = set()
    for first, last in DesignatedDayDecree.objects.values_list("first_year", "last_year"):
        covered.update(range(first, last + 1))
    days = dict(DesignatedDay.objects.values_list("day", "name"))
    return DesignatedDays(days=days, covered_years=frozenset(covered))
