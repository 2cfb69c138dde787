"""Reads for pages and API handlers.

The provider's side has exactly one gate: ``complaints_visible_to_provider``.
Every provider-facing read (the list, its count and search, the detail page,
the CSV export, the cases API) starts from it, so a complaint without consent
is absent everywhere at once, not hidden in each place separately.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from casework.dossier.selectors import complaints_visible_to_provider
from casework.models import Complaint, TimelineEntry
from tenants.models import Provider

# What a provider user sees of the timeline; the complainant-only and
# Klachtpunt-only entries stay behind.
PROVIDER_TIMELINE = (TimelineEntry.Visibility.ALL,)


@dataclass(frozen=True)
class ComplaintFilter:
    """A provider's search: free text on reference or category, plus exact status and category."""

    text: str = ""
    status: str = ""
    category: str = ""


def provider_complaint_search(*, provider: Provider, filters: ComplaintFilter) -> QuerySet[Complaint]:
    """Search within the consented complaints only, newest first."""
    complaints = complaints_visible_to_provider(provider=provider)
    text = filters.text.strip()
    if text:
        complaints = complaints.filter(
            Q(reference__icontains=text)
            | Q(category__name_nl__icontains=text)
            | Q(category__name_en__icontains=text)
            | Q(category__code__iexact=text)
        )
    if filters.status:
        complaints = complaints.filter(status=filters.status)
    if filters.category:
        complaints = complaints.filter(category__code=filters.category)
    return complaints.order_by("-received_at", "-pk")


def provider_timeline(*, complaint: Complaint) -> QuerySet[TimelineEntry]:
    return complaint.timeline.filter(visibility__in=PROVIDER_TIMELINE)
