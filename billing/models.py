"""The price list (public schema). Prices exclude VAT and are in cents."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class PriceKind(models.TextChoices):
    MEMBERSHIP_OFFICER = "membership_officer", _("Lidmaatschap klachtenfunctionaris (per jaar)")
    MEMBERSHIP_COMMITTEE = "membership_committee", _("Lidmaatschap klachtencommissie (per jaar)")
    MEMBERSHIP_CONFIDANT = "membership_confidant", _("Lidmaatschap vertrouwenspersoon (per jaar)")
    MEMBERSHIP_DPO = "membership_dpo", _("Lidmaatschap functionaris gegevensbescherming (per jaar)")
    HOURLY_PHONE = "hourly_phone", _("Uurtarief telefonisch")
    HOURLY_ONSITE = "hourly_onsite", _("Uurtarief op locatie")


class Price(models.Model):
    """One price from a date on; the newest row not after a date applies then."""

    kind = models.CharField(max_length=32, choices=PriceKind.choices)
    amount_cents = models.PositiveIntegerField(_("bedrag excl. BTW (centen)"))
    valid_from = models.DateField(_("geldig vanaf"))

    class Meta:
        ordering = ["kind", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["kind", "valid_from"], name="uniq_price_kind_from")]
        verbose_name = _("prijs")
        verbose_name_plural = _("prijslijst")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.amount_cents / 100:.2f} ({self.valid_from})"

    @classmethod
    def current(cls, on: datetime.date) -> dict[str, Price]:
        """The price per kind that applies on ``on`` (one query)."""
        rows = cls.objects.filter(valid_from__lte=on).order_by("kind", "-valid_from").distinct("kind")
        return {row.kind: row for row in rows}
