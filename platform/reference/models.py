"""Reference data a platform admin maintains: the days designated by decree under the Atw.

Algemene termijnenwet art. 3 lid 3: the government designates days equated
with a generally recognised holiday (usually the Friday after Ascension Day),
by a decree published in the Staatscourant, usually three years at a time.
Each decree is a ``DesignatedDayDecree`` with the years it covers and its
``DesignatedDay`` rows. Public schema; no personal data.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DesignatedDayDecree(models.Model):
    """A decree (Besluit gelijkstelling) and the years it covers."""

    title = models.CharField(_("titel"), max_length=300)
    publication = models.CharField(
        _("vindplaats"), max_length=200, blank=True, help_text=_("Bijvoorbeeld Stcrt. 2022, 12345")
    )
    first_year = models.PositiveSmallIntegerField(_("eerste jaar"))
    last_year = models.PositiveSmallIntegerField(_("laatste jaar"))
    # When the admins were warned that this decree's last year is ending (once).
    expiry_warned_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["first_year"]
        verbose_name = _("besluit gelijkstelling (Atw)")
        verbose_name_plural = _("besluiten gelijkstelling (Atw)")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_year__gte=models.F("first_year")), name="decree_years_in_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.first_year}–{self.last_year})"


class DesignatedDay(models.Model):
    """One day equated with a generally recognised holiday by a decree."""

    decree = models.ForeignKey(DesignatedDayDecree, on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("datum"), unique=True)
    name = models.CharField(_("omschrijving"), max_length=120)

    class Meta:
        ordering = ["day"]
        verbose_name = _("gelijkgestelde dag")
        verbose_name_plural = _("gelijkgestelde dagen")

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.name}"
