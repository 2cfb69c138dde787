"""Reads of the time ledger for professionals: their hours per case and per month."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from accounts.models import User
from casework.index.models import CaseIndex
from casework.timesheets.models import TimeEntry, TimeKind
from reference.dates import month_bounds


@dataclass
class CaseHours:
    reference: str
    provider_name: str
    minutes: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


@dataclass
class MonthHours:
    month: datetime.date
    entries: list[TimeEntry]
    by_kind: list[tuple[str, str, int]]  # (kind, label, minutes)
    by_case: list[CaseHours]
    total_minutes: int
    billable_minutes: int


def hours_for_month(*, user: User, month: datetime.date) -> MonthHours:
    """``user``'s time in ``month``: every entry, totals per kind and per case (one query)."""
    start, following = month_bounds(month)
    entries = list(
        TimeEntry.objects.filter(professional=user, worked_on__gte=start, worked_on__lt=following)
        .select_related("provider")
        .order_by("worked_on", "pk")
    )
    per_kind: dict[str, int] = {}
    cases: dict[str, CaseHours] = {}
    for entry in entries:
        per_kind[entry.kind] = per_kind.get(entry.kind, 0) + entry.minutes
        row = cases.setdefault(entry.reference, CaseHours(entry.reference, entry.provider.name))
        row.minutes += entry.minutes
        row.by_kind[entry.kind] = row.by_kind.get(entry.kind, 0) + entry.minutes
    by_kind = [(kind, str(label), per_kind.get(kind, 0)) for kind, label in TimeKind.choices]
    total = sum(per_kind.values())
    return MonthHours(
        month=start,
        entries=entries,
        by_kind=by_kind,
        by_case=sorted(cases.values(), key=lambda row: row.reference),
        total_minutes=total,
        billable_minutes=total - per_kind.get(TimeKind.NON_BILLABLE, 0),
    )


def case_time_entries(*, case: CaseIndex, user: User) -> list[TimeEntry]:
    """``user``'s own entries on ``case``, newest first."""
    return list(TimeEntry.objects.filter(case=case, professional=user).order_by("-worked_on", "-pk"))
