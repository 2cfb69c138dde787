"""Reads of the time ledger for pages and reports."""

from __future__ import annotations

from django.db.models import QuerySet

from casework.index.models import Service
from casework.index.sharing import shared_with_provider_q
from casework.timesheets.models import TimeEntry
from tenants.models import Provider


def time_entries_visible_to_provider(provider: Provider) -> QuerySet[TimeEntry]:
    """The entries a provider may see per case: on its shared cases only (``casework.index.sharing``).

    Time on a case whose complainant has not consented (or withdrew consent)
    and all confidant work are invoiced as one pooled line without references
    (DESIGN.md section 3); they never appear per case to the provider. Both
    the entry's own service and the case's current service count: work logged
    under the confidant service stays hidden even if the case moved on.
    """
    return (
        TimeEntry.objects.filter(shared_with_provider_q("case__"), provider=provider)
        .exclude(service=Service.CONFIDANT)
        .order_by("worked_on", "pk")
    )


def time_entries_pooled_for_provider(provider: Provider) -> QuerySet[TimeEntry]:
    """The complement of ``time_entries_visible_to_provider``: the provider's pooled time."""
    return TimeEntry.objects.filter(provider=provider).exclude(
        pk__in=time_entries_visible_to_provider(provider).values("pk")
    )
