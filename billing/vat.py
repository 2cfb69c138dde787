"""Money rounding and VAT (BTW) in one place, in integer cents.

One rounding rule for every amount we compute: half up to a whole cent
(``ROUND_HALF_UP``), on exact ``Decimal`` arithmetic, never floats.

VAT on Stripe has one source of truth, and it is this module: the rate
below is mirrored into a single Stripe TaxRate (exclusive, "BTW 21%",
billing.stripe_gateway.vat_tax_rate_id) that every subscription and hours
invoice uses as its default tax rate. We never add VAT lines of our own, and
prices in Stripe exclude VAT. Stripe computes exclusive tax per line and
rounds each line's tax to a whole cent; ``invoice_vat_cents`` does the same
for the invoices we keep locally (no keys, previews), so the two agree.
Changing ``VAT_RATE`` makes a new TaxRate (its key carries the rate).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

VAT_RATE = Decimal("0.21")
MINUTES_PER_HOUR = 60


def round_cents(amount: Decimal) -> int:
    """The one rounding rule: half up to a whole cent."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def vat_cents(net_cents: int) -> int:
    """VAT on a net amount, rounded half up to a whole cent."""
    return round_cents(Decimal(net_cents) * VAT_RATE)


def gross_cents(net_cents: int) -> int:
    return net_cents + vat_cents(net_cents)


def time_amount_cents(minutes: int, hourly_rate_cents: int) -> int:
    """What ``minutes`` of work cost at an hourly rate, excluding VAT, in whole cents.

    Per-minute prices are not whole cents (EUR 100/h is 166.67 cents a minute),
    so the entry's amount is rounded once, here, not per minute.
    """
    return round_cents(Decimal(minutes) * Decimal(hourly_rate_cents) / MINUTES_PER_HOUR)


def invoice_vat_cents(line_net_cents: Iterable[int]) -> int:
    """An invoice's VAT: each line's VAT rounded, then added (as Stripe does with tax rates)."""
    return sum(vat_cents(amount) for amount in line_net_cents)


def vat_percentage() -> Decimal:
    """The rate as Stripe's TaxRate wants it (21.00)."""
    return (VAT_RATE * 100).quantize(Decimal("0.01"))
