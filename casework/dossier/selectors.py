"""Reads of a dossier that several packages share: what a provider may see of its
complaints (the sharing rule on the tenant side), and the access log.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from accounts.models import User
from casework.dossier.access_log import OWN_CHANNELS, PROVIDER_CHANNELS, role_label
from casework.dossier.permissions import VIEW_FACTS, allowed, member_complaints_q
from casework.index.models import CaseIndex
from casework.index.sharing import provider_may_open_q, shared_with_provider_q
from casework.models import (
    AccessLogEntry,
    Complaint,
)
from tenants.clusters import schema_context
from tenants.models import Provider
from tenants.tenancy import WrongSchemaError, require_tenant_schema


@dataclass(frozen=True)
class AccessSeen:
    """One access to a complainant's dossier as they see it: who (role, organisation), what, when."""

    at: datetime.datetime
    event_label: str
    who: str
    organisation: str


# How many accesses the complainant's page lists at a time.
ACCESS_PAGE_SIZE = 20


def access_overview_page_for_complainant(
    *, provider: Provider, complaint: Complaint, page_number: Any = 1, per_page: int = ACCESS_PAGE_SIZE
) -> Page[Any]:
    """Who looked at (or changed) this dossier, newest first, a page at a time (two queries).

    The complainant's own visits and the system's are left out. Shows the role
    and organisation, never a name, an address or anything of another complaint.
    """
    with schema_context(provider.schema_name):
        entries = (
            AccessLogEntry.objects.filter(case_id=complaint.pk)
            .exclude(channel__in=OWN_CHANNELS)
            .exclude(channel=AccessLogEntry.AccessChannel.SYSTEM)
            .only("at", "event", "role", "organisation")
            .order_by("-at", "-pk")
        )
        page: Page[Any] = Paginator(entries, per_page).get_page(page_number)
        page.object_list = [
            AccessSeen(
                at=row.at,
                event_label=str(AccessLogEntry.Event(row.event).label),
                who=role_label(row.role),
                organisation=row.organisation,
            )
            for row in page.object_list
        ]
    return page


def case_access_log(*, provider: Provider, case_id: int) -> list[AccessLogEntry]:
    """Every access-log entry of one dossier, newest first (for Klachtpunt's staff)."""
    with schema_context(provider.schema_name):
        return list(AccessLogEntry.objects.filter(case_id=case_id).order_by("-at", "-pk"))


class AccessParty:
    """Whose accesses the provider's log shows: everyone's, its own people's, Klachtpunt's, complainants'."""

    ALL = ""
    OWN = "own"
    KLACHTPUNT = "klachtpunt"
    COMPLAINANT = "complainant"


PARTY_CHANNELS = {
    AccessParty.OWN: PROVIDER_CHANNELS,
    AccessParty.KLACHTPUNT: (
        AccessLogEntry.AccessChannel.PLATFORM_STAFF,
        AccessLogEntry.AccessChannel.SYSTEM,
    ),
    AccessParty.COMPLAINANT: OWN_CHANNELS,
}


@dataclass(frozen=True)
class AccessLogFilter:
    user_id: int | None = None
    since: datetime.date | None = None
    until: datetime.date | None = None
    party: str = AccessParty.ALL


def provider_access_log(*, provider: Provider, filters: AccessLogFilter) -> QuerySet[AccessLogEntry]:
    """Every access to ``provider``'s dossiers, by anyone, per person, party and period, newest first.

    Its own employees and API keys, Klachtpunt's coordinators, professionals
    and platform admins, the complainants and Klachtpunt's automatic jobs
    (NEN 7513: the provider is responsible for its dossiers and reviews who
    looked). What a row may show of a dossier the provider may not see is
    decided per row by ``access_rows``. Runs in ``provider``'s schema.
    """
    schema = require_tenant_schema()
    if schema != provider.schema_name:
        raise RuntimeError(f"provider reads must run in {provider.schema_name}, not {schema}")
    entries = AccessLogEntry.objects.all()
    if filters.party in PARTY_CHANNELS:
        entries = entries.filter(channel__in=PARTY_CHANNELS[filters.party])
    if filters.user_id:
        entries = entries.filter(user_id=filters.user_id)
    if filters.since:
        entries = entries.filter(at__date__gte=filters.since)
    if filters.until:
        entries = entries.filter(at__date__lte=filters.until)
    return entries.order_by("-at", "-pk")


@dataclass(frozen=True)
class AccessRow:
    """One access as the provider's admin reads it."""

    at: datetime.datetime
    event_label: str
    subject: str
    reference: str
    who: str
    role: str
    organisation: str
    on_behalf_of: str
    channel_label: str
    address: str
    ip_address: str
    shared: bool


def access_rows(*, provider: Provider, entries: Iterable[AccessLogEntry]) -> list[AccessRow]:
    """Present ``entries`` to the provider: who by name and role (NEN 7513 identifies the user),
    their organisation, what, when and from where.

    Two things stay hidden. A complainant is shown by role only (their name
    and address are the dossier's, not the log's). A dossier the provider may
    not have named to it (``casework.index.sharing``: no consent, consent
    withdrawn, or a confidant case) keeps its reference, path and detail to
    itself: the row says that someone accessed a dossier not shared with the
    provider, and who, never which. One query for the page's sharing.
    """
    entries = list(entries)
    case_ids = {entry.case_id for entry in entries if entry.case_id is not None}
    shared_ids = set(
        CaseIndex.objects.filter(
            shared_with_provider_q(), provider=provider, case_id__in=case_ids
        ).values_list("case_id", flat=True)
    )
    rows = []
    for entry in entries:
        shared = entry.case_id is None or entry.case_id in shared_ids
        by_complainant = entry.channel in OWN_CHANNELS
        rows.append(
            AccessRow(
                at=entry.at,
                event_label=str(AccessLogEntry.Event(entry.event).label),
                subject=entry.subject if shared else "",
                reference=entry.reference if shared else "",
                who="" if by_complainant else entry.user_label,
                role=role_label(entry.role),
                organisation=entry.organisation,
                on_behalf_of=entry.on_behalf_of_label,
                channel_label=str(AccessLogEntry.AccessChannel(entry.channel).label),
                address=f"{entry.method} {entry.host}{entry.path}".strip() if shared else "",
                ip_address="" if by_complainant else (entry.ip_address or ""),
                shared=shared,
            )
        )
    return rows


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


def member_complaints(*, provider: Provider, user: User) -> QuerySet[Complaint]:
    """The consented complaints ``user`` may see listed (``casework.dossier.permissions``)."""
    return complaints_visible_to_provider(provider=provider).filter(
        member_complaints_q(provider=provider, user=user)
    )


def provider_complaint_or_404(request: HttpRequest, reference: str, perm: str) -> Complaint:
    """The consented complaint ``reference``, if the request's user may do ``perm`` on it.

    ``perm`` has no default on purpose: every provider page names what it needs
    (``casework.dossier.permissions``), so a new page cannot fall back to a
    weaker rule unnoticed.

    A complaint the user may not see at all is a 404, exactly like one that
    does not exist or has no consent; one they see but may not act on
    (``perm``) is a 403.
    """
    complaint = provider_complaint_get(provider=request.tenant, reference=reference)
    if complaint is None or not allowed(request.user, VIEW_FACTS, complaint):
        raise Http404
    if not allowed(request.user, perm, complaint):
        raise PermissionDenied
    return complaint
