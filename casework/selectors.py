"""Reads for pages and API handlers.

The provider's side has exactly one gate: ``complaints_visible_to_provider``.
Every provider-facing read (the list, its count and search, the detail page,
the CSV export, the cases API) starts from it, so a complaint without consent
is absent everywhere at once, not hidden in each place separately.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from casework import deadlines
from casework.index.models import Consent
from casework.models import Complaint, FollowLink, TimelineEntry
from casework.services.intake import hash_token
from klachtpunt.tenancy import WrongSchemaError, require_tenant_schema
from tenants.models import Provider

# What a provider user sees of the timeline; the complainant-only and
# Klachtpunt-only entries stay behind.
PROVIDER_TIMELINE = (TimelineEntry.Visibility.ALL,)
COMPLAINANT_TIMELINE = (TimelineEntry.Visibility.ALL, TimelineEntry.Visibility.COMPLAINANT)

# Longer than any token we hand out (43 characters); longer input is not worth hashing.
MAX_TOKEN_LENGTH = 100


def complaints_visible_to_provider(*, provider: Provider) -> QuerySet[Complaint]:
    """The complaints ``provider``'s users may see: those whose complainant gave consent.

    The one gate for the provider's side. Runs in ``provider``'s schema only:
    called anywhere else it raises rather than return another tenant's rows.
    """
    schema = require_tenant_schema()
    if schema != provider.schema_name:
        raise WrongSchemaError(f"provider reads must run in {provider.schema_name}, not {schema}")
    return Complaint.objects.filter(consent=Consent.GIVEN).select_related("category")


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


def provider_complaint_get(*, provider: Provider, reference: str) -> Complaint | None:
    """One consented complaint by reference; None when unknown or not consented (the same answer)."""
    return complaints_visible_to_provider(provider=provider).filter(reference=reference).first()


def provider_timeline(*, complaint: Complaint) -> QuerySet[TimelineEntry]:
    return complaint.timeline.filter(visibility__in=PROVIDER_TIMELINE)


def complaint_deadline(complaint: Complaint) -> datetime.date | None:
    """The decision deadline (statutory, or as extended), once the formal track has a receipt date."""
    return deadlines.complaint_deadline(complaint)


def follow_link_complaint(*, token: str, now: datetime.datetime | None = None) -> Complaint | None:
    """The complaint a follow token opens in this schema; None if unknown, expired or revoked."""
    require_tenant_schema()
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    now = now or timezone.now()
    link = (
        FollowLink.objects.select_related("complaint", "complaint__category")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    return link.complaint if link else None


def complainant_timeline(*, complaint: Complaint) -> QuerySet[TimelineEntry]:
    return complaint.timeline.filter(visibility__in=COMPLAINANT_TIMELINE)
