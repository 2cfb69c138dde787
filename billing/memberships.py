"""Memberships: which services a provider subscribes to, and their state in Stripe.

A provider has one ``Membership`` (one Stripe Customer and one yearly
Subscription) with one ``MembershipService`` per service (one subscription
item each). The provider's actions (add or remove a service, cancel at the
period's end) change our rows in one transaction and leave an outbox row;
the task ``membership_push`` then makes Stripe match, with idempotency keys
made from our row ids. Status (active, past due, cancelled) only ever comes
from Stripe: webhooks and the daily reconciliation re-fetch the subscription
and copy it here, whatever order events arrive in.

A lapsed membership never blocks a complainant: ``Membership.save`` writes
the standing onto the provider (``Provider.membership_lapsed``), where intake
reads it and flags the complaint to the coordinator.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import structlog
from django.db import transaction
from django.utils import timezone

from billing import stripe_gateway
from billing.models import LAPSED_STATUSES, Membership, MembershipService, MembershipStatus, Price, PriceKind
from billing.stripe_gateway import customer_ensure
from outbox.services import outbox_enqueue
from reference.dates import today_amsterdam
from tenants.models import Provider

log = structlog.get_logger(__name__)

# Service code -> its yearly price in the price list.
SERVICE_PRICES = {
    "officer": PriceKind.MEMBERSHIP_OFFICER,
    "committee": PriceKind.MEMBERSHIP_COMMITTEE,
    "confidant": PriceKind.MEMBERSHIP_CONFIDANT,
    "dpo": PriceKind.MEMBERSHIP_DPO,
}
# Stripe subscription status -> ours.
STATUS_FROM_STRIPE = {
    "active": MembershipStatus.ACTIVE,
    "trialing": MembershipStatus.ACTIVE,
    "incomplete": MembershipStatus.PENDING,
    "past_due": MembershipStatus.PAST_DUE,
    "unpaid": MembershipStatus.PAST_DUE,
    "paused": MembershipStatus.PAST_DUE,
    "incomplete_expired": MembershipStatus.CANCELLED,
    "canceled": MembershipStatus.CANCELLED,
}
LAPSED = LAPSED_STATUSES


class MembershipError(Exception):
    """The change is refused; ``str(error)`` says why (shown to the provider admin)."""


@dataclass(frozen=True)
class ServiceOffer:
    code: str
    label: str
    price: Price | None

    @property
    def offered(self) -> bool:
        return self.price is not None


def service_offers(on: datetime.date | None = None) -> list[ServiceOffer]:
    """Every service with its yearly price today; a service without a price is not offered yet."""
    current = Price.current(on or today_amsterdam())
    return [
        ServiceOffer(code=code, label=str(PriceKind(kind).label), price=current.get(kind))
        for code, kind in SERVICE_PRICES.items()
    ]


def provider_membership_lapsed(provider: Provider) -> bool:
    """True when the provider's membership is past due or cancelled (never blocks a complaint)."""
    return Membership.objects.filter(provider=provider, status__in=LAPSED).exists()


def _period_end(subscription: dict[str, Any]) -> datetime.date | None:
    # Newer API versions keep the period on each item; older ones on the subscription.
    items = (subscription.get("items") or {}).get("data") or []
    stamp = (items[0].get("current_period_end") if items else None) or subscription.get("current_period_end")
    if not stamp:
        return None
    return datetime.datetime.fromtimestamp(int(stamp), tz=datetime.UTC).date()


def membership_apply_subscription(membership: Membership, subscription: dict[str, Any]) -> Membership:
    """Copy a (freshly fetched) Stripe subscription onto our rows."""
    membership.status = STATUS_FROM_STRIPE.get(subscription.get("status", ""), membership.status)
    membership.stripe_subscription_id = subscription["id"]
    membership.stripe_customer_id = subscription.get("customer") or membership.stripe_customer_id
    membership.cancel_at_period_end = bool(subscription.get("cancel_at_period_end"))
    membership.renews_on = _period_end(subscription)
    membership.synced = True
    membership.save()
    by_price = {}
    for item in (subscription.get("items") or {}).get("data") or []:
        price = item.get("price") or {}
        by_price[price.get("id") if isinstance(price, dict) else price] = item["id"]
    for row in membership.services.filter(active=True, stripe_item_id=""):
        item_id = by_price.get(stripe_gateway.mirrored_id(f"price-{row.price_id}"))
        if item_id:
            row.stripe_item_id = item_id
            row.synced = True
            row.save(update_fields=["stripe_item_id", "synced"])
    return membership


def membership_sync_from_stripe(*, subscription_id: str) -> Membership | None:
    """Re-fetch the subscription and copy its state (webhooks and reconciliation)."""
    client = stripe_gateway.stripe_client()
    if client is None or not subscription_id:
        return None
    subscription = stripe_gateway.as_dict(client.v1.subscriptions.retrieve(subscription_id))
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().filter(stripe_subscription_id=subscription_id).first()
        )
        if membership is None:
            return None  # not provisioned yet: provisioning fetches it itself
        return membership_apply_subscription(membership, subscription)


def membership_create(
    *,
    provider: Provider,
    services: list[str],
    customer_id: str = "",
    subscription_id: str = "",
    status: str = MembershipStatus.PENDING,
) -> Membership:
    """The membership of a newly provisioned provider (idempotent: an existing one is returned)."""
    membership, created = Membership.objects.get_or_create(
        provider=provider,
        defaults={
            "stripe_customer_id": customer_id,
            "stripe_subscription_id": subscription_id,
            "status": status,
        },
    )
    if created:
        current = Price.current(today_amsterdam())
        now = timezone.now()
        MembershipService.objects.bulk_create(
            [
                MembershipService(
                    membership=membership,
                    service=code,
                    price=current[SERVICE_PRICES[code]],
                    added_at=now,
                    synced=bool(subscription_id),
                )
                for code in services
                if SERVICE_PRICES.get(code) in current
            ]
        )
        provider_services_write(membership)
        if not subscription_id:
            membership.renews_on = today_amsterdam().replace(year=today_amsterdam().year + 1)
            membership.save(update_fields=["renews_on"])
    return membership


def provider_services_write(membership: Membership) -> None:
    """Copy the membership's active services onto its provider, where casework reads them.

    Call inside the transaction that changed the services.
    """
    active = sorted(set(membership.services.filter(active=True).values_list("service", flat=True)))
    Provider.objects.filter(pk=membership.provider_id).update(services=active)


def _locked(provider: Provider) -> Membership:
    """The provider's membership, locked (made for providers that began before memberships)."""
    Membership.objects.get_or_create(provider=provider)
    return Membership.objects.select_for_update().get(provider=provider)


def _enqueue_push(membership: Membership) -> None:
    outbox_enqueue(
        task_name="billing.tasks.membership_push_task",
        kwargs={"membership_id": membership.pk},
        schema_name="public",
    )


def membership_service_add(*, provider: Provider, service: str) -> MembershipService:
    """Add ``service`` to the membership; Stripe follows through the outbox."""
    price = Price.current(today_amsterdam()).get(SERVICE_PRICES.get(service, ""))
    if price is None:
        raise MembershipError("not_offered")
    with transaction.atomic():
        membership = _locked(provider)
        if membership.status == MembershipStatus.CANCELLED:
            raise MembershipError("cancelled")
        if membership.services.filter(service=service, active=True).exists():
            raise MembershipError("already")
        row = MembershipService.objects.create(
            membership=membership, service=service, price=price, added_at=timezone.now()
        )
        provider_services_write(membership)
        Membership.objects.filter(pk=membership.pk).update(synced=False)
        _enqueue_push(membership)
    log.info("membership_service_added", provider=provider.schema_name, service=service)
    return row


def membership_service_remove(*, provider: Provider, service: str) -> MembershipService:
    """Stop ``service`` now (no refund); the last service cannot go: cancel the membership instead."""
    with transaction.atomic():
        membership = _locked(provider)
        active = list(membership.services.filter(active=True))
        row = next((r for r in active if r.service == service), None)
        if row is None:
            raise MembershipError("not_subscribed")
        if len(active) == 1:
            raise MembershipError("last_service")
        row.active = False
        row.removed_at = timezone.now()
        row.synced = False
        row.save(update_fields=["active", "removed_at", "synced"])
        provider_services_write(membership)
        Membership.objects.filter(pk=membership.pk).update(synced=False)
        _enqueue_push(membership)
    log.info("membership_service_removed", provider=provider.schema_name, service=service)
    return row


def membership_cancel(*, provider: Provider, cancel: bool = True) -> Membership:
    """Cancel at the end of the paid period (or undo that); Stripe follows through the outbox."""
    with transaction.atomic():
        membership = _locked(provider)
        if membership.status == MembershipStatus.CANCELLED:
            raise MembershipError("cancelled")
        membership.cancel_at_period_end = cancel
        membership.synced = False
        membership.save(update_fields=["cancel_at_period_end", "synced", "updated_at"])
        _enqueue_push(membership)
    log.info("membership_cancel_at_period_end", provider=provider.schema_name, cancel=cancel)
    return membership


def membership_end_now(*, provider: Provider) -> str:
    """End ``provider``'s membership at once (its deletion at contract end): the Stripe
    subscription is cancelled now, not at the end of the period, and the row says cancelled.

    Returns ``"cancelled"``, or ``"none"`` when there is no Stripe subscription to cancel.
    Raises ``MembershipError("stripe_unavailable")`` when there is one but no Stripe keys: the
    caller must not delete the provider while its subscription may still charge it.
    """
    membership = Membership.objects.filter(provider_id=provider.pk).first()
    if membership is None or not membership.stripe_subscription_id:
        if membership is not None:
            Membership.objects.filter(pk=membership.pk).update(status=MembershipStatus.CANCELLED)
        return "none"
    client = stripe_gateway.stripe_client()
    if client is None:
        raise MembershipError("stripe_unavailable")
    subscription = stripe_gateway.as_dict(client.v1.subscriptions.retrieve(membership.stripe_subscription_id))
    if subscription.get("status") != "canceled":
        subscription = stripe_gateway.as_dict(
            client.v1.subscriptions.cancel(membership.stripe_subscription_id)
        )
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        membership_apply_subscription(locked, subscription)
    log.info("membership_ended_now", provider=provider.schema_name)
    return "cancelled"


def membership_push(*, membership_id: int) -> Membership:
    """Make Stripe match our rows: customer, subscription, items, cancellation. Safe to repeat.

    Without keys nothing happens and the rows stay ``synced=False``.
    """
    membership = Membership.objects.select_related("provider").get(pk=membership_id)
    client = stripe_gateway.stripe_client()
    if client is None:
        return membership
    customer = customer_ensure(membership.provider)
    tax_rate = stripe_gateway.vat_tax_rate_id()
    active = list(membership.services.filter(active=True).order_by("pk"))
    if not membership.stripe_subscription_id:
        # Made here only for memberships that began without Stripe (demo, or keys set later):
        # they pay by invoice; sign-ups through Checkout already have their subscription.
        subscription = client.v1.subscriptions.create(
            params={
                "customer": customer,
                "collection_method": "send_invoice",
                "days_until_due": 14,
                "default_tax_rates": [tax_rate],
                "items": [{"price": stripe_gateway.price_id(row.price)} for row in active],
                "metadata": {"provider": str(membership.provider_id)},
            },
            options=stripe_gateway.create_options("membership-subscription", membership.pk),
        )
        membership.stripe_subscription_id = subscription["id"]
        membership.save(update_fields=["stripe_subscription_id"])
        membership_apply_subscription(membership, stripe_gateway.as_dict(subscription))
        active = list(membership.services.filter(active=True).order_by("pk"))
    for row in active:
        if not row.stripe_item_id:
            item = client.v1.subscription_items.create(
                params={
                    "subscription": membership.stripe_subscription_id,
                    "price": stripe_gateway.price_id(row.price),
                    "quantity": 1,
                    "proration_behavior": "always_invoice",
                },
                options=stripe_gateway.create_options("membership-item", row.pk),
            )
            row.stripe_item_id = item["id"]
        row.synced = True
        row.save(update_fields=["stripe_item_id", "synced"])
    for row in membership.services.filter(active=False, synced=False):
        if row.stripe_item_id:
            client.v1.subscription_items.delete(row.stripe_item_id, params={"proration_behavior": "none"})
        row.synced = True
        row.save(update_fields=["synced"])
    subscription = client.v1.subscriptions.update(
        membership.stripe_subscription_id, params={"cancel_at_period_end": membership.cancel_at_period_end}
    )
    return membership_apply_subscription(membership, stripe_gateway.as_dict(subscription))
