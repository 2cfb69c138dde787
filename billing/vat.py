"""VAT (BTW) in one place, in integer cents."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

VAT_RATE = Decimal("0.21")


def vat_cents(net_cents: int) -> int:
    """VAT on a net amount, rounded half up to a whole cent."""
    return int((Decimal(net_cents) * VAT_RATE).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def gross_cents(net_cents: int) -> int:
    return net_cents + vat_cents(net_cents)
