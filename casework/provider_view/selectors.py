"""Reads for pages and API handlers.

The provider's side has exactly one gate: ``complaints_visible_to_provider``.
Every provider-facing read (the list, its count and search, the detail page,
the CSV export, the cases API) starts from it, so a complaint without consent
is absent everywhere at once, not hidden in each place separately; the list
then narrows it to what the member may see (``member_complaints``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from accounts.models import User
from casework.dossier.selectors import member_complaints
from casework.models import Complaint, ComplaintParticipant, Message, TimelineEntry
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


def provider_complaint_search(
    *, provider: Provider, filters: ComplaintFilter, user: User
) -> QuerySet[Complaint]:
    """Search within the consented complaints ``user`` may see (need-to-know), newest first."""
    complaints = member_complaints(provider=provider, user=user)
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


def complaint_participants(*, complaint: Complaint) -> list[ComplaintParticipant]:
    """Who works on the complaint at the provider (handler, decision maker, employee concerned)."""
    return list(ComplaintParticipant.objects.filter(complaint=complaint))


def own_side_messages(*, complaint: Complaint, user_id: int) -> QuerySet[Message]:
    """What the employee concerned wrote on this complaint themselves: all they see of its messages."""
    return Message.objects.filter(complaint=complaint, sender=Message.Party.PROVIDER, sender_user_id=user_id)


def provider_timeline(*, complaint: Complaint) -> QuerySet[TimelineEntry]:
    return complaint.timeline.filter(visibility__in=PROVIDER_TIMELINE)
