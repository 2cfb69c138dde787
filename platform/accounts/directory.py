"""Reads for the professionals directory: search, filters and each one's current load."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import Absence, Professional
from casework.index.models import CaseIndex, CaseStatus

OPEN_STATUSES = tuple(status for status in CaseStatus.values if status != CaseStatus.CLOSED)


@dataclass(frozen=True)
class DirectoryFilter:
    text: str = ""
    qualification: str = ""
    sector: str = ""
    category: str = ""
    language: str = ""
    status: str = "active"  # active, inactive, absent (today), available (active, present, room), all


def open_case_count() -> Coalesce:
    """Open cases (offered or held) of the professional in the outer query."""
    counts = (
        CaseIndex.objects.filter(assignee_id=OuterRef("user_id"), status__in=OPEN_STATUSES)
        .order_by()
        .values("assignee_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def absent_until(today: datetime.date) -> Subquery:
    return Subquery(
        Absence.objects.filter(professional_id=OuterRef("pk"), starts_on__lte=today, ends_on__gte=today)
        .order_by("-ends_on")
        .values("ends_on")[:1]
    )


def professional_directory(*, filters: DirectoryFilter, today: datetime.date) -> QuerySet[Professional]:
    """Professionals matching ``filters``, with load, today's absence and conflict count (one query)."""
    rows = Professional.objects.select_related("user").annotate(
        open_cases=open_case_count(),
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


def professional_detail(*, pk: int, today: datetime.date) -> Professional | None:
    """One professional with load and today's absence; absences and conflicts prefetched."""
    return (
        Professional.objects.select_related("user")
        .prefetch_related("absences", "conflicts__provider")
        .annotate(open_cases=open_case_count(), absent_until=absent_until(today))
        .filter(pk=pk)
        .first()
    )


def open_cases_of(professional: Professional) -> QuerySet[CaseIndex]:
    return (
        CaseIndex.objects.filter(assignee_id=professional.user_id, status__in=OPEN_STATUSES)
        .select_related("provider")
        .order_by("deadline", "received_at")
    )
