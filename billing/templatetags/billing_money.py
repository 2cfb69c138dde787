"""``{{ cents|euros }}``: an amount in cents as euros, in the page's language (1.271,00).

``{% payments_configured as paying %}``: whether a payment provider (Stripe) is
set up. Without one (demo, development) every page that shows money says that
nothing is charged, instead of "paid".
"""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from billing.stripe_gateway import stripe_configured

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    if cents is None:
        return ""
    return "€\u00a0" + number_format(Decimal(cents) / 100, 2, use_l10n=True, force_grouping=True)


@register.simple_tag
def payments_configured() -> bool:
    return stripe_configured()


@register.filter
def hours(minutes: int | None) -> str:
    """Minutes as hours and minutes (1:05)."""
    minutes = minutes or 0
    return f"{minutes // 60}:{minutes % 60:02d}"
