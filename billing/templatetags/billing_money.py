"""``{{ cents|euros }}``: an amount in cents as euros, in the page's language (1.271,00)."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    if cents is None:
        return ""
    return "€\u00a0" + number_format(Decimal(cents) / 100, 2, use_l10n=True, force_grouping=True)


@register.filter
def hours(minutes: int | None) -> str:
    """Minutes as hours and minutes (1:05)."""
    minutes = minutes or 0
    return f"{minutes // 60}:{minutes % 60:02d}"
