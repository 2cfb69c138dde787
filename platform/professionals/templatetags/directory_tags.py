"""Labels for the codes a professional's profile holds."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from accounts.models import Qualification
from reference.categories import category_label
from reference.languages import language_label
from tenants.models import Sector

register = template.Library()


def _join(labels: Iterable[str]) -> str:
    return ", ".join(labels) or "–"


@register.filter
def qualification_labels(codes: Iterable[str]) -> str:
    return _join(str(Qualification(c).label) if c in Qualification.values else c for c in codes)


@register.filter
def sector_labels(codes: Iterable[str]) -> str:
    return _join(str(Sector(c).label) if c in Sector.values else c for c in codes)


@register.filter
def category_labels(codes: Iterable[str]) -> str:
    return _join(category_label(c) for c in codes)


@register.filter
def language_labels(codes: Iterable[str]) -> str:
    return _join(language_label(c) for c in codes)


@register.filter
def language_name(code: str) -> str:
    return language_label(code) if code else "–"


@register.filter
def category_name(code: str) -> str:
    return category_label(code) if code else "–"


@register.filter
def hours_minutes(minutes: int | None) -> str:
    """90 -> "1:30" (hours and minutes, as on a timesheet)."""
    minutes = int(minutes or 0)
    return f"{minutes // 60}:{minutes % 60:02d}"


@register.filter
def sector_name(code: str) -> str:
    return sector_labels([code]) if code else "–"
