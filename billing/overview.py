"""Reads for the provider's subscription page: services, invoices, hours per case."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Sum

from billing.invoicing import BILLABLE_KINDS
from billing.memberships import ServiceOffer, service_offers
from billing.models import BilledLine, Invoice, Membership, MembershipService, Price
from billing.selectors import time_entries_pooled_for_provider, time_entries_visible_to_provider
from billing.vat import time_amount_cents
from casework.timesheets.models import TimeKind
from reference.dates import today_amsterdam
from tenants.models import Provider


@dataclass
class ServiceRow:
    offer: ServiceOffer
    subscription: MembershipService | None

    @property
    def active(self) -> bool:
        return self.subscription is not None


@dataclass
class CaseHoursRow:
    reference: str
    billed_minutes: int = 0
    unbilled_minutes: int = 0
    billed_cents: int = 0
    # Still to invoice, by kind of work (each has its own hourly rate) ...
    unbilled_phone_minutes: int = 0
    unbilled_onsite_minutes: int = 0
    # ... and what it comes to at today's rates, excl. VAT, rounded per entry as the invoice does.
    unbilled_cents: int = 0


@dataclass
class SubscriptionOverview:
    membership: Membership | None
    services: list[ServiceRow]
    invoices: list[Invoice]
    cases: list[CaseHoursRow]
    pooled: CaseHoursRow
    active_count: int = field(default=0)


def _hours(entries, rates: dict[str, int], reference: str | None = None) -> dict[str, CaseHoursRow]:  # type: ignore[no-untyped-def]
    rows: dict[str, CaseHoursRow] = {}
    annotated = (
        entries.filter(kind__in=list(BILLABLE_KINDS))
        .annotate(billed=Exists(BilledLine.objects.filter(entry=OuterRef("pk"))))
        .annotate(billed_cents=Sum("billed_lines__amount_cents"))
        .values_list("reference", "kind", "minutes", "billed", "billed_cents")
    )
    for ref, kind, minutes, billed, cents in annotated:
        key = ref if reference is None else reference
        row = rows.setdefault(key, CaseHoursRow(key))
        if billed:
            row.billed_minutes += minutes
            row.billed_cents += cents or 0
        else:
            row.unbilled_minutes += minutes
            if kind == TimeKind.ONSITE:
                row.unbilled_onsite_minutes += minutes
            else:
                row.unbilled_phone_minutes += minutes
            row.unbilled_cents += time_amount_cents(minutes, rates.get(kind, 0))
    return rows


def _hourly_rates() -> dict[str, int]:
    """Today's hourly rate in cents (excl. VAT) per kind of billable work."""
    current = Price.current(today_amsterdam())
    return {
        kind: current[price_kind].amount_cents
        for kind, price_kind in BILLABLE_KINDS.items()
        if price_kind in current
    }


def subscription_overview(provider: Provider) -> SubscriptionOverview:
    """What the provider's admin sees on the subscription page (a fixed number of queries)."""
    membership = Membership.objects.filter(provider=provider).first()
    active = (
        {row.service: row for row in membership.services.filter(active=True).select_related("price")}
        if membership
        else {}
    )
    services = [ServiceRow(offer=offer, subscription=active.get(offer.code)) for offer in service_offers()]
    invoices = list(
        Invoice.objects.filter(provider=provider).exclude(status="draft").order_by("-created_at", "-pk")[:36]
    )
    rates = _hourly_rates()
    cases = sorted(
        _hours(time_entries_visible_to_provider(provider), rates).values(), key=lambda r: r.reference
    )
    pooled = _hours(time_entries_pooled_for_provider(provider), rates, reference="").get("", CaseHoursRow(""))
    return SubscriptionOverview(
        membership=membership,
        services=services,
        invoices=invoices,
        cases=cases,
        pooled=pooled,
        active_count=len(active),
    )
