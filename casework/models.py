"""The complaint dossier, in each provider's own schema.

Everything that identifies a complainant or describes what happened lives
here and nowhere else (DESIGN.md section 4). Users are referred to by their
public-schema id (``*_user_id``), never copied.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from casework.index.models import CaseStatus, Channel, Consent, Track


class Category(models.Model):
    """A complaint category; seeded per provider, which may add its own."""

    code = models.SlugField(max_length=40, unique=True)
    name_nl = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("categorie")
        verbose_name_plural = _("categorieën")

    def __str__(self) -> str:
        return self.name_en if (get_language() or "nl").startswith("en") else self.name_nl


class Law(models.TextChoices):
    ZVW = "zvw", _("Zorgverzekeringswet (Zvw)")
    WLZ = "wlz", _("Wet langdurige zorg (Wlz)")
    WMO = "wmo", _("Wet maatschappelijke ondersteuning (Wmo)")
    JEUGDWET = "jeugdwet", _("Jeugdwet")
    WZD = "wzd", _("Wet zorg en dwang (Wzd)")
    WVGGZ = "wvggz", _("Wet verplichte ggz (Wvggz)")
    UNKNOWN = "unknown", _("Weet ik niet")


class Goal(models.TextChoices):
    APOLOGY = "apology", _("Excuses")
    EXPLANATION = "explanation", _("Uitleg")
    CHANGE = "change", _("Verandering of verbetering")
    COMPENSATION = "compensation", _("Schadevergoeding")
    BE_HEARD = "be_heard", _("Gehoord worden")
    OTHER = "other", _("Anders")


class ComplainantKind(models.TextChoices):
    CLIENT = "client", _("Ik ben de cliënt zelf")
    REPRESENTATIVE = "representative", _("Ik ben vertegenwoordiger van de cliënt")
    RELATIVE = "relative", _("Ik ben nabestaande van de cliënt")


class Complaint(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.RECEIVED)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    language = models.CharField(max_length=8, default="nl")
    track = models.CharField(max_length=16, choices=Track.choices, default=Track.INFORMAL)
    received_at = models.DateTimeField()
    formal_received_on = models.DateField(null=True, blank=True)
    consent = models.CharField(max_length=16, choices=Consent.choices, default=Consent.PENDING)

    # Who complains.
    complainant_kind = models.CharField(max_length=16, choices=ComplainantKind.choices)
    complainant_name = models.CharField(max_length=200)
    complainant_email = models.EmailField(blank=True)
    complainant_phone = models.CharField(max_length=40, blank=True)
    complainant_postcode = models.CharField(max_length=7, blank=True)
    client_name = models.CharField(max_length=200, blank=True)
    relation_to_client = models.CharField(max_length=120, blank=True)
    mandate_basis = models.CharField(max_length=200, blank=True)

    # What happened, and what the complainant wants.
    what_happened = models.TextField()
    occurred_on = models.DateField(null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    department = models.CharField(max_length=200, blank=True)
    employee_concerned = models.CharField(max_length=200, blank=True)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT)
    law = models.CharField(max_length=16, choices=Law.choices, default=Law.UNKNOWN)
    goal = models.CharField(max_length=16, choices=Goal.choices)
    goal_details = models.TextField(blank=True)

    # Links to public-schema users (ids only).
    complainant_user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    entered_by_user_id = models.BigIntegerField(null=True, blank=True)

    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("klacht")
        verbose_name_plural = _("klachten")

    def __str__(self) -> str:
        return self.reference


class ConsentRecord(models.Model):
    """Each consent decision, with the exact wording shown and who recorded it."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="consent_records")
    decision = models.CharField(max_length=16, choices=Consent.choices)
    wording = models.TextField()
    wording_language = models.CharField(max_length=8)
    recorded_at = models.DateTimeField()
    recorded_by_user_id = models.BigIntegerField(null=True, blank=True)
    recorded_via = models.CharField(max_length=16, choices=Channel.choices)
    on_behalf_of_complainant = models.BooleanField(default=False)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.decision} @ {self.recorded_at:%Y-%m-%d %H:%M}"


class TimelineEntry(models.Model):
    """One event on the case's timeline, in order, with who did it."""

    class Visibility(models.TextChoices):
        ALL = "all", _("Iedereen met toegang tot het dossier")
        COMPLAINANT = "complainant", _("Klager en Klachtpunt")
        STAFF = "staff", _("Alleen Klachtpunt")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField()
    kind = models.CharField(max_length=40)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=120, blank=True)
    summary = models.TextField()
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.ALL)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.at:%Y-%m-%d %H:%M}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # TenantFileSystemStorage already puts files under the tenant's folder.
    return f"complaints/{instance.complaint_id}/{filename}"


class Attachment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.file.name


class FollowLink(models.Model):
    """A secure link to follow a complaint without an account; only the token's hash is kept."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="follow_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"link for complaint {self.complaint_id}"
