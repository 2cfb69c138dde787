"""The time ledger (public schema): who worked how long on which case, never notes.

Moved here from billing with its tables kept (``billing_timeentry``,
``billing_ledgermonth``): casework writes the ledger, billing only reads it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeKind(models.TextChoices):
    PHONE = "phone", _("Telefonisch")
    ONSITE = "onsite", _("Op locatie")
    NON_BILLABLE = "non_billable", _("Niet declarabel")


class Activity(models.TextChoices):
    INTAKE = "intake", _("Intakegesprek")
    MEDIATION = "mediation", _("Bemiddelingsgesprek")
    HEARING = "hearing", _("Hoorzitting")
    SUPPORT = "support", _("Ondersteuning cliënt")
    CORRESPONDENCE = "correspondence", _("Correspondentie en verslag")
    TRAVEL = "travel", _("Reistijd")
    # The data-protection officer's advice to the provider (AVG art. 39).
    ADVICE = "advice", _("Advies (AVG)")
    OTHER = "other", _("Overig")


class TimeEntry(models.Model):
    """The public time ledger: case reference, kind, minutes, date. Never notes.

    A note typed with an entry goes to the case timeline in the tenant schema.
    """

    # Empty once the case-index row is gone (its provider was deleted at contract end): the entry
    # keeps its reference, provider, minutes and dates for the fiscal retention of invoices.
    case = models.ForeignKey(
        "caseindex.CaseIndex", null=True, on_delete=models.SET_NULL, related_name="time_entries"
    )
    reference = models.CharField(max_length=20, db_index=True)
    provider = models.ForeignKey("tenants.Provider", on_delete=models.PROTECT, related_name="time_entries")
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries"
    )
    service = models.CharField(max_length=16)
    kind = models.CharField(max_length=16, choices=TimeKind.choices)
    activity = models.CharField(max_length=16, choices=Activity.choices)
    minutes = models.PositiveIntegerField()
    worked_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-worked_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gt=0, minutes__lte=24 * 60), name="time_entry_minutes_in_day"
            )
        ]
        indexes = [models.Index(fields=["provider", "worked_on"], name="time_entry_provider_date")]
        db_table = "billing_timeentry"
        verbose_name = _("tijdregistratie")
        verbose_name_plural = _("tijdregistraties")

    def __str__(self) -> str:
        return f"{self.reference} {self.worked_on} {self.minutes}m {self.kind}"


class LedgerMonth(models.Model):
    """A closed month: its time entries can no longer be added, changed or removed."""

    month = models.DateField(unique=True, help_text="First day of the month")
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        db_table = "billing_ledgermonth"
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} closed"
