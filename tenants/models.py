"""Providers (the tenants), their host names, and who works for them."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

SLUG_RE = r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$"
RESERVED_SLUGS = frozenset({"www", "api", "admin", "static", "media", "mail", "public", "app"})


class Sector(models.TextChoices):
    HOSPITAL = "hospital", _("Ziekenhuiszorg")
    ELDERLY = "elderly", _("Ouderenzorg en verpleging")
    DISABILITY = "disability", _("Gehandicaptenzorg")
    MENTAL_HEALTH = "mental_health", _("GGZ")
    YOUTH = "youth", _("Jeugdzorg")
    PRIMARY = "primary", _("Huisartsen en eerste lijn")
    HOME_CARE = "home_care", _("Wijkverpleging en thuiszorg")
    OTHER = "other", _("Overig")


class ProviderManager(models.Manager["Provider"]):
    """The providers that exist: a deleted provider (its tombstone, ``deleted_at``) is in no list,
    search, routing or per-schema command. ``Provider.all_objects`` and related access
    (``invoice.provider``) still reach it."""

    def get_queryset(self) -> models.QuerySet[Provider]:
        return super().get_queryset().filter(deleted_at__isnull=True)


class Provider(TenantMixin):
    """A care provider: one PostgreSQL schema holding its complaint dossiers.

    At contract end (casework.reports.tenant_exit) its schema, domains, memberships and keys go;
    the row stays as a tombstone (``deleted_at`` set, slug and schema name freed) because the
    invoices and logged hours that tax law keeps for 7 years name it: an organisation, not a person.
    """

    objects = ProviderManager()
    all_objects: models.Manager[Provider] = models.Manager()

    name = models.CharField(_("naam"), max_length=200)
    slug = models.CharField(
        _("adres-naam"),
        max_length=40,
        unique=True,
        validators=[RegexValidator(SLUG_RE, _("Gebruik kleine letters, cijfers en streepjes."))],
    )
    kvk_number = models.CharField(_("KvK-nummer"), max_length=8, blank=True)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices, default=Sector.OTHER)
    city = models.CharField(_("plaats"), max_length=100, blank=True)
    # Wkkgz art. 18: the disputes body the provider is affiliated with, chosen from the platform's
    # list (reference.DisputesBody), named in closing letters and the complaints scheme.
    disputes_body = models.ForeignKey(
        "reference.DisputesBody",
        verbose_name=_("geschilleninstantie"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        # No reverse accessor: reference imports nothing of ours, so it knows no providers.
        related_name="+",
        help_text=_("De geschilleninstantie waarbij de zorgaanbieder is aangesloten."),
    )
    # What was typed at sign-up before the list existed, kept only when it matched no listed body
    # (tenants migration 0007): the platform admin resolves it and the provider admin chooses one.
    disputes_body_unmatched: models.CharField[str, str] = models.CharField(
        _("geschilleninstantie (oude vrije tekst, niet herkend)"), max_length=200, blank=True
    )
    # How long closed dossiers are kept before the retention job reduces them.
    retention_years = models.PositiveSmallIntegerField(
        _("bewaartermijn afgesloten dossiers (jaren)"), default=5
    )
    # Written by billing whenever the membership's status changes (billing.models.Membership.save):
    # casework reads the standing here and never imports billing.
    membership_lapsed = models.BooleanField(_("lidmaatschap verlopen"), default=False)
    # The services the membership holds now (officer, committee, confidant, dpo), written by
    # billing with every change to them (billing.memberships): casework reads them here.
    services: ArrayField[list[str], list[str]] = ArrayField(
        models.CharField(max_length=16), default=list, blank=True
    )
    # The database cluster holding the schema (an alias in DATABASES; tenants.clusters).
    database: models.CharField[str, str] = models.CharField(max_length=63, default="default")
    # Set while ``manage.py move_provider`` copies the schema to this cluster: the widget still
    # takes complaints (held, then filed on the new cluster); other changes wait.
    moving_to: models.CharField[str, str] = models.CharField(max_length=63, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the provider was deleted at contract end: the row is only a tombstone for billing.
    deleted_at: models.DateTimeField[datetime.datetime | None, datetime.datetime | None] = (
        models.DateTimeField(null=True, blank=True)
    )

    # Schemas are made by tenants.provisioning (fast DDL replay), not on save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        verbose_name = _("zorgaanbieder")
        verbose_name_plural = _("zorgaanbieders")

    def __str__(self) -> str:
        return self.name

    @property
    def is_platform(self) -> bool:
        return self.schema_name == "public"

    @staticmethod
    def schema_name_for(slug: str) -> str:
        """Schema names derive from the validated slug, never from raw input."""
        return "p_" + slug.replace("-", "_")


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domeinnaam")
        verbose_name_plural = _("domeinnamen")


class ProviderRole(models.TextChoices):
    """What a member does at the provider; a member may hold several (need-to-know, DESIGN.md 1).

    A member with none of these is plain staff (``STAFF``, never stored): they
    see no dossier unless a complaint records them as its employee concerned.
    """

    ADMIN = "admin", _("Beheerder")
    HANDLER = "handler", _("Klachtbehandelaar")
    DECISION_MAKER = "decision_maker", _("Beslisser (bestuurder of gemandateerde)")
    STAFF = "staff", _("Medewerker")


# The roles a membership stores; STAFF is the absence of all of them.
MEMBERSHIP_ROLES = (ProviderRole.ADMIN, ProviderRole.HANDLER, ProviderRole.DECISION_MAKER)


class ProviderMembership(models.Model):
    """Links a user to a provider with the roles they hold there (none: plain staff)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_memberships"
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="memberships")
    roles = ArrayField(
        models.CharField(max_length=16, choices=[(r.value, r.label) for r in MEMBERSHIP_ROLES]),
        default=list,
        blank=True,
        verbose_name=_("rollen"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "provider"], name="uniq_membership_user_provider")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.provider_id}:{','.join(self.roles) or ProviderRole.STAFF}"

    def role_labels(self) -> list[str]:
        """The roles' names, in the order of ``MEMBERSHIP_ROLES``; plain staff when none."""
        held = [str(role.label) for role in MEMBERSHIP_ROLES if role in self.roles]
        return held or [str(ProviderRole.STAFF.label)]


class TenantSchemaTemplate(models.Model):
    """The prepared DDL script that provisioning replays to create a schema.

    ``fingerprint`` identifies the tenant apps' migrations it was captured
    from; a template whose fingerprint differs from the code's is stale and
    provisioning falls back to migrating (and captures a new one).
    """

    fingerprint = models.CharField(max_length=64, unique=True)
    statements = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.fingerprint[:12]


class WidgetSettings(models.Model):
    """Where a provider may embed the complaint widget (drives CSP frame-ancestors)."""

    provider = models.OneToOneField(Provider, on_delete=models.CASCADE, related_name="widget_settings")
    allowed_origins = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        verbose_name=_("websites die het formulier mogen tonen"),
        help_text=_("Volledige adressen zoals https://www.voorbeeldzorg.nl, één per regel."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("instellingen klachtenformulier")
        verbose_name_plural = _("instellingen klachtenformulier")

    def __str__(self) -> str:
        return f"widget settings for {self.provider_id}"


class ProviderApiKey(models.Model):
    """A key a provider's own systems use for the API; only a hash is kept."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("naam"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API-sleutel")
        verbose_name_plural = _("API-sleutels")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ProviderAuditEvent(models.Model):
    """A change to the provider's own settings, by whom and when (public schema; no dossier data).

    Dossier accesses go to the access log in the provider's schema; this log
    holds what the provider admin changes about the organisation itself: the
    disputes body, the published complaints scheme. ``data`` holds ids and
    names of what changed, never complaint content.
    """

    class Action(models.TextChoices):
        DISPUTES_BODY_CHANGED = "disputes_body_changed", _("Geschilleninstantie gewijzigd")
        SCHEME_PUBLISHED = "scheme_published", _("Klachtenregeling gepubliceerd")

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="audit_events")
    action = models.CharField(max_length=32, choices=Action.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["provider", "action", "-at"], name="provider_audit_lookup")]

    def __str__(self) -> str:
        return f"{self.provider_id}:{self.action}@{self.at:%Y-%m-%d}"


class ProviderDeletionRequest(models.Model):
    """A provider admin asked for the provider's data to be deleted at contract end.

    The deletion runs once the confirmation period (``TENANT_DELETION_CONFIRMATION_DAYS``)
    after ``requested_at`` has passed; until then the admin may withdraw it. It names the
    export it follows, whose checksum goes on the certificate. Removed with the provider.
    """

    provider = models.OneToOneField(Provider, on_delete=models.CASCADE, related_name="deletion_request")
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    export_id = models.BigIntegerField()
    export_sha256 = models.CharField(max_length=64)
    # Why the last nightly run could not delete (e.g. billing records still hold the provider).
    refused_at = models.DateTimeField(null=True, blank=True)
    refused_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("verwijderverzoek")
        verbose_name_plural = _("verwijderverzoeken")

    def __str__(self) -> str:
        return f"deletion request for {self.provider_id}"


class DeletionCertificate(models.Model):
    """Proof that a provider's data was deleted: public schema, no personal data.

    It names the organisation (not a person), the export's checksum, counts and the checks
    that were run; never a user's name or e-mail address.
    """

    provider_id_then = models.BigIntegerField()
    organisation = models.CharField(max_length=200)
    kvk_number = models.CharField(max_length=8, blank=True)
    schema_name = models.CharField(max_length=63)
    requested_at = models.DateTimeField()
    deleted_at = models.DateTimeField()
    export_sha256 = models.CharField(max_length=64)
    # Per table its row count at deletion, files and case-index rows removed, cache keys purged.
    counts = models.JSONField(default=dict)
    # Each verification and its outcome (schema absent, folders absent, no index rows, ...).
    checks = models.JSONField(default=dict)
    verifier = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, help_text="SHA-256 over the certificate's other fields")
    # When the certificate was e-mailed to the admin who asked (the address is not kept here).
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-deleted_at"]
        verbose_name = _("verwijderingscertificaat")
        verbose_name_plural = _("verwijderingscertificaten")

    def __str__(self) -> str:
        return f"{self.organisation} ({self.deleted_at:%Y-%m-%d})"
