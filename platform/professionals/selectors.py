"""Reads for the professionals directory: search, filters and each one's current load."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Expression, F, OuterRef, Q, QuerySet, Subquery

from accounts.models import Absence, Professional


@dataclass(frozen=True)
class DirectoryFilter:
    text: str = ""
    qualification: str = ""
    sector: str = ""
    category: str = ""
    language: str = ""
    status: str = "active"  # active, inactive, absent (today), available (active, present, room), all


def absent_until(today: datetime.date) -> Subquery:
    return Subquery(
        Absence.objects.filter(professional_id=OuterRef("pk"), starts_on__lte=today, ends_on__gte=today)
        .order_by("-ends_on")
        .values("ends_on")[:1]
    )


def professional_directory(
    *, filters: DirectoryFilter, today: datetime.date, open_cases: Expression
) -> QuerySet[Professional]:
    """Professionals matching ``filters``, with load, today's absence and conflict count (one query).

    ``open_cases`` counts a professional's open cases (the caller knows cases:
    ``casework.index.selectors.open_case_count``); the directory itself does not.
    """
    rows = Professional.objects.select_related("user").annotate(
        open_cases=open_cases,
        absent_until=absent_until(today),
        conflict_count=Count("conflicts", distinct=True),
    )
    text = filters.text.strip()
    if text:
        rows = rows.filter(Q(user__display_name__icontains=text) | Q(user__email__icontains=text))
    if filters.qualification:
        rows = rows.filter(qualifications__contains=[filters.qualification])
    if filters.sector:
        rows = rows.filter(sectors__contains=[filters.sector])
    if filters.category:
        rows = rows.filter(categories__contains=[filters.category])
    if filters.language:
        rows = rows.filter(languages__contains=[filters.language])
    if filters.status == "active":
        rows = rows.filter(active=True)
    elif filters.status == "inactive":
        rows = rows.filter(active=False)
    elif filters.status == "absent":
        rows = rows.filter(absent_until__isnull=False)
    elif filters.status == "available":
        rows = rows.filter(active=True, absent_until__isnull=True, open_cases__lt=F("capacity"))
    return rows.order_by("user__display_name", "user__email")


def professional_detail(*, pk: int, today: datetime.date, open_cases: Expression) -> Professional | None:
    """One professional with load and today's absence; absences and conflicts prefetched."""
    return (
        Professional.objects.select_related("user")
        .prefetch_related("absences", "conflicts__provider")
        .annotate(open_cases=open_cases, absent_until=absent_until(today))
        .filter(pk=pk)
        .first()
    )
