"""The price list (public schema). Prices exclude VAT and are in cents."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import Provider


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


# --- Memberships, sign-ups, invoices and the Stripe mirror (public schema) ---
#
# Every row that has a Stripe counterpart carries its Stripe id and ``synced``:
# without Stripe keys (demo, development) the rows are made all the same and
# stay ``synced=False``; billing.stripe_gateway pushes them once keys are set.
# Nothing here names a complainant or says what a complaint is about: invoice
# lines carry case references, dates and kinds only.


class StripeMirror(models.Model):
    """Our key for a Stripe object we made (a tax rate, a product, a price) and its Stripe id."""

    key = models.CharField(max_length=80, unique=True)
    stripe_id = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.key} = {self.stripe_id}"


class SignUpState(models.TextChoices):
    PENDING = "pending", _("Wacht op betaling")
    PAID = "paid", _("Betaald, omgeving wordt klaargezet")
    PROVISIONED = "provisioned", _("Klaar")
    EXPIRED = "expired", _("Verlopen of afgebroken")
    FAILED = "failed", _("Mislukt")


LIVE_SIGNUP_STATES = (SignUpState.PENDING, SignUpState.PAID, SignUpState.PROVISIONED)


class PaymentState(models.TextChoices):
    UNPAID = "unpaid", _("Nog niet betaald")
    PROCESSING = "processing", _("Betaling wordt verwerkt")
    PAID = "paid", _("Betaald")
    FAILED = "failed", _("Betaling mislukt")


class SignUp(models.Model):
    """A provider's registration on the platform host, from the form to its tenant.

    The tenant is provisioned only after the checkout completed, so an abandoned
    sign-up leaves this row (expired, later deleted) and nothing else.
    """

    state = models.CharField(max_length=16, choices=SignUpState.choices, default=SignUpState.PENDING)
    payment_state = models.CharField(max_length=16, choices=PaymentState.choices, default=PaymentState.UNPAID)
    organisation_name = models.CharField(_("naam organisatie"), max_length=200)
    kvk_number = models.CharField(_("KvK-nummer"), max_length=8)
    agb_code = models.CharField(_("AGB-code"), max_length=8, blank=True)
    sector = models.CharField(_("sector"), max_length=32)
    street = models.CharField(_("straat en huisnummer"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=7)
    city = models.CharField(_("plaats"), max_length=100)
    contact_name = models.CharField(_("naam contactpersoon"), max_length=150)
    contact_email = models.EmailField(_("e-mailadres contactpersoon"))
    contact_phone = models.CharField(_("telefoonnummer"), max_length=20, blank=True)
    password_hash = models.CharField(max_length=256)
    slug = models.CharField(_("adres-naam"), max_length=40)
    services = ArrayField(models.CharField(max_length=16), default=list)
    disputes_body = models.ForeignKey(
        "reference.DisputesBody",
        verbose_name=_("geschilleninstantie"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Sign-ups started before the list existed typed a name (billing migration 0009).
    disputes_body_text = models.CharField(_("geschilleninstantie (vrije tekst)"), max_length=200, blank=True)
    dpa_version = models.CharField(_("versie verwerkersovereenkomst"), max_length=20)
    dpa_accepted_at = models.DateTimeField(_("verwerkersovereenkomst aanvaard op"))
    token = models.CharField(max_length=64, unique=True)
    checkout_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    stripe_customer_id = models.CharField(max_length=255, blank=True)
    stripe_subscription_id = models.CharField(max_length=255, blank=True)
    synced = models.BooleanField(default=False)
    provider = models.OneToOneField(
        "tenants.Provider", null=True, blank=True, on_delete=models.SET_NULL, related_name="signup"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    provisioned_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A slug is taken by a live sign-up: two people cannot race for one domain.
            models.UniqueConstraint(
                fields=["slug"],
                condition=models.Q(state__in=["pending", "paid", "provisioned"]),
                name="uniq_live_signup_slug",
            )
        ]
        verbose_name = _("aanmelding")
        verbose_name_plural = _("aanmeldingen")

    def __str__(self) -> str:
        return f"{self.slug} ({self.state})"


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("Wacht op betaling")
    ACTIVE = "active", _("Actief")
    PAST_DUE = "past_due", _("Betaling achterstallig")
    CANCELLED = "cancelled", _("Beëindigd")


LAPSED_STATUSES = (MembershipStatus.PAST_DUE, MembershipStatus.CANCELLED)


class Membership(models.Model):
    """A provider's yearly subscription: one Stripe Customer and Subscription.

    ``status`` follows Stripe (webhooks and the daily reconciliation); it never
    blocks a complainant, it only flags new complaints to the coordinator.
    """

    provider = models.OneToOneField("tenants.Provider", on_delete=models.CASCADE, related_name="membership")
    status = models.CharField(
        max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.PENDING
    )
    stripe_customer_id = models.CharField(max_length=255, blank=True)
    stripe_subscription_id = models.CharField(max_length=255, blank=True)
    renews_on = models.DateField(_("verlengdatum"), null=True, blank=True)
    cancel_at_period_end = models.BooleanField(_("stopt aan het eind van de periode"), default=False)
    synced = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lidmaatschap")
        verbose_name_plural = _("lidmaatschappen")

    def __str__(self) -> str:
        return f"{self.provider_id}: {self.status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        # The provider carries its standing for casework (a lapsed membership flags
        # new complaints, never blocks them); in the same transaction as this row.
        Provider.objects.filter(pk=self.provider_id).update(membership_lapsed=self.status in LAPSED_STATUSES)


class MembershipService(models.Model):
    """One service in a membership: one Stripe subscription item."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="services")
    service = models.CharField(max_length=16)
    price = models.ForeignKey(Price, on_delete=models.PROTECT, related_name="+")
    stripe_item_id = models.CharField(max_length=255, blank=True)
    active = models.BooleanField(default=True)
    added_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    synced = models.BooleanField(default=False)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "service"],
                condition=models.Q(active=True),
                name="uniq_active_membership_service",
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership_id}:{self.service}"


class InvoiceKind(models.TextChoices):
    MEMBERSHIP = "membership", _("Lidmaatschap")
    HOURS = "hours", _("Uren")


# Stripe's invoice states, as the provider reads them.
INVOICE_STATUS_LABELS = {
    "draft": _("Concept"),
    "open": _("Te betalen"),
    "paid": _("Betaald"),
    "void": _("Vervallen"),
    "uncollectible": _("Oninbaar"),
}


class Invoice(models.Model):
    """An invoice to a provider: the monthly hours invoice (ours) or a membership invoice (Stripe's).

    Hours invoices are made by billing.invoicing, one per provider and month
    (more ``part``s when Stripe's limit of items per invoice is reached).
    """

    provider = models.ForeignKey("tenants.Provider", on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(max_length=16, choices=InvoiceKind.choices)
    month = models.DateField(null=True, blank=True)
    part = models.PositiveSmallIntegerField(default=1)
    stripe_invoice_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    number = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, default="draft")
    net_cents = models.IntegerField(default=0)
    vat_cents = models.IntegerField(default=0)
    total_cents = models.IntegerField(default=0)
    hosted_invoice_url = models.URLField(max_length=2000, blank=True)
    pool_item_id = models.CharField(max_length=255, blank=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    synced = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "month", "part"],
                condition=models.Q(kind="hours"),
                name="uniq_hours_invoice_part",
            )
        ]
        verbose_name = _("factuur")
        verbose_name_plural = _("facturen")

    def __str__(self) -> str:
        return f"{self.provider_id} {self.kind} {self.month or ''} #{self.part}"

    @property
    def status_label(self) -> str:
        return str(INVOICE_STATUS_LABELS.get(self.status, self.status))


class BilledLine(models.Model):
    """What was billed for one time entry, once: the entry's amount, or a correction.

    The sum of an entry's lines is what the provider was charged for it; the
    monthly run bills the difference with what the entry is worth now.
    ``seq`` numbers an entry's lines and makes the Stripe idempotency key.
    """

    entry = models.ForeignKey("timesheets.TimeEntry", on_delete=models.PROTECT, related_name="billed_lines")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    seq = models.PositiveSmallIntegerField()
    amount_cents = models.IntegerField()
    minutes = models.PositiveIntegerField()
    kind = models.CharField(max_length=16)
    rate_cents = models.PositiveIntegerField()
    pooled = models.BooleanField(default=False)
    # What the invoice line says: case reference, date and kind (empty for pooled lines).
    label = models.CharField(max_length=200, blank=True)
    stripe_item_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["entry", "seq"], name="uniq_billed_line_seq")]

    def __str__(self) -> str:
        return f"{self.entry_id}#{self.seq}: {self.amount_cents}"

    @property
    def idempotency_key(self) -> str:
        return f"ti-{self.entry_id}-v{self.seq}"


class StripeEvent(models.Model):
    """Each Stripe webhook event once: the unique id turns a redelivery into a no-op."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class LoginLink(models.Model):
    """A one-time, short-lived link that logs a user in on a provider's host.

    Sessions are per host, so after sign-up on the platform host the new admin
    is carried over with this. Only the token's hash is stored.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey("tenants.Provider", on_delete=models.CASCADE, related_name="+")
    next_path = models.CharField(max_length=200, default="/")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"login link {self.pk} for {self.user_id}@{self.provider_id}"
