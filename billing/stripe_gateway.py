"""The one door to Stripe: the client, idempotency keys, and the objects we mirror.

``stripe_client()`` is None without ``STRIPE_SECRET_KEY``: callers then keep
their rows locally with ``synced=False`` and make no call at all. With a key,
every call that creates something passes an idempotency key derived from
our own rows (``idempotency_key``), so a retried run gets Stripe's first
answer back instead of a second object. ``STRIPE_API_BASE`` points the client
elsewhere (the fake server in tests and ``make demo``).

VAT: Stripe gets one TaxRate whose percentage comes from billing.vat (see the
docstring there); prices are sent excluding VAT.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import stripe
import structlog
from django.conf import settings
from django.db import IntegrityError, transaction

from billing.models import Membership, Price, PriceKind, StripeMirror
from billing.vat import vat_percentage
from tenants.models import Provider

log = structlog.get_logger(__name__)

CURRENCY = "eur"
# Stripe's limit of items on one invoice.
MAX_INVOICE_ITEMS = 250

_clients: dict[tuple[str, str, int], stripe.StripeClient] = {}
_clients_lock = threading.Lock()


def stripe_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def stripe_client() -> stripe.StripeClient | None:
    """The configured client, or None when there is no key (work stays local, unsynced)."""
    if not settings.STRIPE_SECRET_KEY:
        return None
    retries = int(getattr(settings, "STRIPE_MAX_NETWORK_RETRIES", 2))
    cache_key = (settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE, retries)
    with _clients_lock:
        client = _clients.get(cache_key)
        if client is None:
            base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
            client = stripe.StripeClient(
                settings.STRIPE_SECRET_KEY, base_addresses=base, max_network_retries=retries
            )
            _clients[cache_key] = client
    return client


def require_client() -> stripe.StripeClient:
    client = stripe_client()
    if client is None:
        raise RuntimeError("Stripe is not configured (STRIPE_SECRET_KEY)")
    return client


def idempotency_key(*parts: object) -> str:
    """``<prefix>-<parts>``: the prefix keeps environments that share a Stripe account apart."""
    return "-".join([settings.STRIPE_IDEMPOTENCY_PREFIX, *(str(part) for part in parts)])


def create_options(*parts: object) -> dict[str, Any]:
    return {"idempotency_key": idempotency_key(*parts)}


def mirrored_id(key: str) -> str:
    """The Stripe id stored for our ``key`` ("" when it was never made)."""
    return StripeMirror.objects.filter(key=key).values_list("stripe_id", flat=True).first() or ""


def _mirrored(key: str, create: Callable[[stripe.StripeClient], Any]) -> str:
    """The Stripe id for our ``key``, creating the object once (idempotently) if needed."""
    existing = StripeMirror.objects.filter(key=key).values_list("stripe_id", flat=True).first()
    if existing:
        return existing
    obj = create(require_client())
    try:
        with transaction.atomic():
            StripeMirror.objects.create(key=key, stripe_id=obj["id"])
    except IntegrityError:
        pass  # made concurrently with the same idempotency key: the same object
    return obj["id"]


def vat_tax_rate_id() -> str:
    """The one exclusive "BTW" TaxRate, at billing.vat's rate."""
    percentage = vat_percentage()
    key = f"tax-rate-{percentage}"
    return _mirrored(
        key,
        lambda client: client.v1.tax_rates.create(
            params={
                "display_name": "BTW",
                "description": f"BTW {percentage}%",
                "percentage": float(percentage),
                "inclusive": False,
                "country": "NL",
                "jurisdiction": "NL",
            },
            options=create_options(key),
        ),
    )


def product_id(kind: str) -> str:
    key = f"product-{kind}"
    with_label = str(PriceKind(kind).label)
    return _mirrored(
        key,
        lambda client: client.v1.products.create(
            params={"name": with_label, "metadata": {"kind": kind}}, options=create_options(key)
        ),
    )


def price_id(price: Price) -> str:
    """A yearly Stripe Price for a membership row of our price list (one per row: rows never change)."""
    key = f"price-{price.pk}"
    product = product_id(price.kind)
    return _mirrored(
        key,
        lambda client: client.v1.prices.create(
            params={
                "currency": CURRENCY,
                "unit_amount": price.amount_cents,
                "product": product,
                "recurring": {"interval": "year"},
                "tax_behavior": "exclusive",
                "metadata": {"price_row": str(price.pk), "kind": price.kind},
            },
            options=create_options(key),
        ),
    )


def customer_ensure(provider: Provider) -> str:
    """The provider's Stripe Customer, made once (keyed by the provider) and kept on its membership."""
    membership, _ = Membership.objects.get_or_create(provider=provider)
    if membership.stripe_customer_id:
        return membership.stripe_customer_id
    customer = require_client().v1.customers.create(
        params={
            "name": provider.name,
            "preferred_locales": ["nl"],
            "metadata": {"provider": str(provider.pk), "slug": provider.slug},
        },
        options=create_options("customer-provider", provider.pk),
    )
    unset = Membership.objects.filter(pk=membership.pk, stripe_customer_id="")
    unset.update(stripe_customer_id=customer["id"])
    return Membership.objects.values_list("stripe_customer_id", flat=True).get(pk=membership.pk)


def as_dict(obj: Any) -> dict[str, Any]:
    """A Stripe object as plain data (what tests and services read)."""
    if isinstance(obj, stripe.StripeObject):
        return obj.to_dict()
    return dict(obj)
