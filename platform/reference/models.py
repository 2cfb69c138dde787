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


class DisputesBody(models.Model):
    """A disputes body (geschilleninstantie, Wkkgz art. 18) a provider can be affiliated with.

    The platform admin keeps this list in the Django admin; a provider chooses
    one at sign-up and on its settings page. Closing letters and the published
    complaints scheme name it with these contact details. Public schema; no
    personal data. ``to_be_confirmed`` marks rows whose details (address, fee)
    were entered without being checked against the body's own publication.
    """

    name = models.CharField(_("naam"), max_length=200, unique=True)
    sector = models.CharField(
        _("sector"), max_length=200, help_text=_("Voor welke zorg, bijvoorbeeld: alle zorg, mondzorg.")
    )
    address = models.TextField(_("postadres"), help_text=_("Eén regel per adresregel."))
    phone = models.CharField(_("telefoonnummer"), max_length=40, blank=True)
    email = models.EmailField(_("e-mailadres"), blank=True)
    website = models.URLField(_("website"))
    fee = models.CharField(
        _("kosten voor de klager"),
        max_length=300,
        help_text=_("Het klachtgeld dat de klager betaalt, zoals de instantie het publiceert."),
    )
    to_be_confirmed = models.BooleanField(
        _("gegevens nog te bevestigen"),
        default=False,
        help_text=_("Aan zolang adres of kosten niet zijn nagekeken bij de instantie zelf."),
    )
    active = models.BooleanField(
        _("te kiezen"), default=True, help_text=_("Uit: niet meer te kiezen bij aanmelding of instellingen.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("geschilleninstantie")
        verbose_name_plural = _("geschilleninstanties")

    def __str__(self) -> str:
        return self.name

    def contact_lines(self) -> list[str]:
        """The address lines, then telephone, e-mail and website: what a letter prints under the name."""
        lines = [line.strip() for line in self.address.splitlines() if line.strip()]
        lines += [value for value in (self.phone, self.email, self.website) if value]
        return lines
