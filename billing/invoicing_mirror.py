"""The mirror of Stripe's membership invoices: copied onto our ``Invoice`` rows from
webhooks, provisioning and the daily reconciliation.
"""

from __future__ import annotations

from typing import Any

import structlog

from billing import stripe_gateway
from billing.invoicing import invoice_apply_stripe
from billing.models import Invoice, InvoiceKind, Membership

log = structlog.get_logger(__name__)


def invoice_record_from_stripe(data: dict[str, Any]) -> Invoice | None:
    """Our row for a Stripe invoice: the hours invoice it came from, or a membership invoice."""
    invoice = Invoice.objects.filter(stripe_invoice_id=data["id"]).first()
    row_id = (data.get("metadata") or {}).get("invoice_row")
    if invoice is None and row_id and str(row_id).isdigit():
        invoice = Invoice.objects.filter(pk=int(row_id), kind=InvoiceKind.HOURS).first()
    if invoice is None:
        membership = Membership.objects.filter(stripe_customer_id=data.get("customer") or "-").first()
        if membership is None or data.get("status") == "draft":
            return None
        invoice, _ = Invoice.objects.get_or_create(
            stripe_invoice_id=data["id"],
            defaults={"provider_id": membership.provider_id, "kind": InvoiceKind.MEMBERSHIP},
        )
    invoice_apply_stripe(invoice, data)
    return invoice


def membership_invoices_sync(membership: Membership) -> int:
    """Record the membership's finalised Stripe invoices (after provisioning, and daily):
    an invoice event that came before the membership existed is not lost."""
    client = stripe_gateway.stripe_client()
    if client is None or not membership.stripe_customer_id:
        return 0
    listing = client.v1.invoices.list(params={"customer": membership.stripe_customer_id, "limit": 100})
    recorded = 0
    for invoice in listing.data:
        recorded += invoice_record_from_stripe(stripe_gateway.as_dict(invoice)) is not None
    return recorded
