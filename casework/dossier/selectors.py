"""Reads of a dossier that several packages share: what a provider may see of its
complaints (the sharing rule on the tenant side), and the access log.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django_tenants.utils import schema_context

from casework.dossier.access_log import OWN_CHANNELS, PROVIDER_CHANNELS, role_label
from casework.index.sharing import provider_may_open_q
from casework.models import (
    AccessLogEntry,
    Complaint,
)
from tenants.models import Provider
from tenants.tenancy import WrongSchemaError, require_tenant_schema


@dataclass(frozen=True)
class AccessSeen:
    """One access to a complainant's dossier as they see it: who (role, organisation), what, when."""

    at: datetime.datetime
    event_label: str
    who: str
    organisation: str


def access_overview_for_complainant(
    *, provider: Provider, complaint: Complaint, limit: int = 100
) -> list[AccessSeen]:
    """Who looked at (or changed) this dossier, newest first; the complainant's own visits left out.

    Shows the role and organisation, never a name, an address or anything of
    another complaint.
    """
    with schema_context(provider.schema_name):
        rows = list(
            AccessLogEntry.objects.filter(case_id=complaint.pk)
            .exclude(channel__in=OWN_CHANNELS)
            .exclude(channel=AccessLogEntry.AccessChannel.SYSTEM)
            .only("at", "event", "role", "organisation")
            .order_by("-at", "-pk")[:limit]
        )
    return [
        AccessSeen(
            at=row.at,
            event_label=str(AccessLogEntry.Event(row.event).label),
            who=role_label(row.role),
            organisation=row.organisation,
        )
        for row in rows
    ]


def case_access_log(*, provider: Provider, case_id: int) -> list[AccessLogEntry]:
    """Every access-log entry of one dossier, newest first (for Klachtpunt's staff)."""
    with schema_context(provider.schema_name):
        return list(AccessLogEntry.objects.filter(case_id=case_id).order_by("-at", "-pk"))


@dataclass(frozen=True)
class AccessLogFilter:
    user_id: int | None = None
    since: datetime.date | None = None
    until: datetime.date | None = None


def provider_access_log(*, provider: Provider, filters: AccessLogFilter) -> QuerySet[AccessLogEntry]:
    """The provider's own employees' and systems' accesses, per employee and period, newest first.

    Runs in ``provider``'s schema. Klachtpunt's accesses are not listed: they
    would reveal complaints the provider may not know of (no consent) and
    confidant work, which is the client's.
    """
    schema = require_tenant_schema()
    if schema != provider.schema_name:
        raise RuntimeError(f"provider reads must run in {provider.schema_name}, not {schema}")
    entries = AccessLogEntry.objects.filter(channel__in=PROVIDER_CHANNELS)
    if filters.user_id:
        entries = entries.filter(user_id=filters.user_id)
    if filters.since:
        entries = entries.filter(at__date__gte=filters.since)
    if filters.until:
        entries = entries.filter(at__date__lte=filters.until)
    return entries.order_by("-at", "-pk")


def complaints_visible_to_provider(*, provider: Provider) -> QuerySet[Complaint]:
    """The complaints ``provider``'s users may open: those whose complainant gave consent.

    ``casework.index.sharing`` says why this is consent alone, and which of
    these the provider's figures, exports and invoices name (not confidant cases).

    The one gate for the provider's side. Runs in ``provider``'s schema only:
    called anywhere else it raises rather than return another tenant's rows.
    """
    schema = require_tenant_schema()
    if schema != provider.schema_name:
        raise WrongSchemaError(f"provider reads must run in {provider.schema_name}, not {schema}")
    return Complaint.objects.filter(provider_may_open_q()).select_related("category")


def provider_complaint_get(*, provider: Provider, reference: str) -> Complaint | None:
    """One consented complaint by reference; None when unknown or not consented (the same answer)."""
    return complaints_visible_to_provider(provider=provider).filter(reference=reference).first()


def provider_complaint_or_404(request: HttpRequest, reference: str) -> Complaint:
    complaint = provider_complaint_get(provider=request.tenant, reference=reference)
    if complaint is None:
        raise Http404
    return complaint
