"""The complaint dossier, in each provider's own schema.

Everything that identifies a complainant or describes what happened lives
here and nowhere else (DESIGN.md section 4). Users are referred to by their
public-schema id (``*_user_id``), never copied.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from casework.index.models import CaseStatus, Channel, Consent, Outcome, Track


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


# The labels above are the complainant's own words on the form; everyone else reads who
# complains in the third person.
COMPLAINANT_KIND_THIRD_PERSON = {
    ComplainantKind.CLIENT: _("De cliënt zelf"),
    ComplainantKind.REPRESENTATIVE: _("Een vertegenwoordiger van de cliënt"),
    ComplainantKind.RELATIVE: _("Een nabestaande van de cliënt"),
}


class ConsentVia(models.TextChoices):
    """How a consent decision reached us: a complaint channel, or the personal link in an e-mail."""

    WIDGET = Channel.WIDGET.value, Channel.WIDGET.label
    PORTAL = Channel.PORTAL.value, Channel.PORTAL.label
    PHONE = Channel.PHONE.value, Channel.PHONE.label
    LETTER = Channel.LETTER.value, Channel.LETTER.label
    EMAIL = Channel.EMAIL.value, Channel.EMAIL.label
    # The follow link, sent with the acknowledgement and with a request for consent.
    EMAIL_LINK = "email_link", _("Persoonlijke link in e-mail")


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
    # The first thing the complainant wants; ``goals`` holds all they chose (the form allows more
    # than one), ``goal`` first. Rows from before ``goals`` were migrated to [goal].
    goal = models.CharField(max_length=16, choices=Goal.choices)
    goals = ArrayField(models.CharField(max_length=16, choices=Goal.choices), default=list, blank=True)
    goal_details = models.TextField(blank=True)

    # Links to public-schema users (ids only).
    complainant_user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    entered_by_user_id = models.BigIntegerField(null=True, blank=True)

    # The deadline as extended (casework.deadlines.services); the statutory one
    # is computed from formal_received_on and law (reference.deadline_rules).
    extended_deadline = models.DateField(null=True, blank=True)
    # Closing (casework.closing.services): the outcome and when.
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # SHA-256 of what was submitted with the idempotency key: a replay must carry the same content.
    submission_hash = models.CharField(max_length=64, blank=True, default="")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("klacht")
        verbose_name_plural = _("klachten")

    def __str__(self) -> str:
        return self.reference

    @property
    def complainant_kind_label(self) -> str:
        """Who complains, in the third person (staff and provider pages; the form keeps 'Ik ben ...')."""
        label = COMPLAINANT_KIND_THIRD_PERSON.get(self.complainant_kind)  # type: ignore[call-overload]
        return str(label) if label is not None else self.get_complainant_kind_display()

    @property
    def goal_labels(self) -> list[str]:
        """Everything the complainant wants, as labels in the reader's language, the first goal first."""
        labels = dict(Goal.choices)
        return [str(labels.get(code, code)) for code in (self.goals or [self.goal]) if code]


class ConsentRecord(models.Model):
    """Each consent decision, with the exact wording shown and who recorded it."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="consent_records")
    decision = models.CharField(max_length=16, choices=Consent.choices)
    wording = models.TextField()
    wording_language = models.CharField(max_length=8)
    recorded_at = models.DateTimeField()
    recorded_by_user_id = models.BigIntegerField(null=True, blank=True)
    recorded_via = models.CharField(max_length=16, choices=ConsentVia.choices)
    on_behalf_of_complainant = models.BooleanField(default=False)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.decision} @ {self.recorded_at:%Y-%m-%d %H:%M}"


class Visibility(models.TextChoices):
    """Who, besides Klachtpunt's staff on the case, sees a record or message."""

    STAFF = "staff", _("Alleen Klachtpunt")
    COMPLAINANT = "complainant", _("Gedeeld met de klager")
    PROVIDER = "provider", _("Gedeeld met de zorgaanbieder")
    ALL = "all", _("Gedeeld met klager en zorgaanbieder")


class TimelineEntry(models.Model):
    """One event on the case's timeline, with who did it: a kind and its data, rendered when shown."""

    # One vocabulary of who sees what, for timeline entries, records and messages.
    Visibility = Visibility

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField()
    kind = models.CharField(max_length=40)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=120, blank=True)
    # Text only for a kind not registered in casework.dossier.events (and entries from before).
    summary = models.TextField(blank=True)
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


class DeadlineExtension(models.Model):
    """An extension of the decision deadline: the one notice-only extension, or one agreed to.

    Wkkgz art. 17: once, by at most 4 weeks, with a reasoned written notice to
    the complainant sent before the term ran out; any further extension only
    with the complainant's consent (and for the Wzd, both parties'), recorded
    as ``ExtensionConsent`` rows in the same transaction.
    """

    class Basis(models.TextChoices):
        NOTICE = "notice", _("Eenmalige verlenging met schriftelijke mededeling")
        CONSENT = "consent", _("Verlenging met instemming")

    class NoticeChannel(models.TextChoices):
        EMAIL = "email", _("E-mail via Klachtpunt")
        LETTER = "letter", _("Brief per post (printlijst van Klachtpunt)")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="deadline_extensions")
    basis = models.CharField(max_length=16, choices=Basis.choices)
    reason = models.TextField()
    previous_deadline = models.DateField()
    new_deadline = models.DateField()
    decided_at = models.DateTimeField()
    decided_by_user_id = models.BigIntegerField(null=True, blank=True)
    decided_by_label = models.CharField(max_length=120, blank=True)
    notice_channel = models.CharField(max_length=16, choices=NoticeChannel.choices)
    # When the notice reached the complainant's channel: the e-mail that it is ready, or the day posted.
    notice_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["decided_at", "pk"]

    def __str__(self) -> str:
        return f"{self.basis} -> {self.new_deadline}"


class ExtensionConsent(models.Model):
    """A party's recorded consent to an extension beyond the notice-only one."""

    class Party(models.TextChoices):
        COMPLAINANT = "complainant", _("Klager")
        PROVIDER = "provider", _("Zorgaanbieder")

    extension = models.ForeignKey(DeadlineExtension, on_delete=models.CASCADE, related_name="consents")
    party = models.CharField(max_length=16, choices=Party.choices)
    given_on = models.DateField()
    # How it was given, e.g. "brief van 3 maart" or "e-mail aan de klachtenfunctionaris".
    evidence = models.CharField(max_length=200)
    recorded_at = models.DateTimeField()
    recorded_by_user_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["party"]
        constraints = [
            models.UniqueConstraint(fields=["extension", "party"], name="one_consent_per_party_per_extension")
        ]

    def __str__(self) -> str:
        return f"{self.party} consented on {self.given_on}"


class Decision(models.Model):
    """The provider's written decision (oordeel), with its three required parts (Wkkgz art. 17).

    A recorded decision is never edited: a correction is a new version that
    supersedes it, and both are kept (``decision_revise``). ``save`` refuses to
    change a recorded one; only the delivery bookkeeping (``sent_at``) moves.
    """

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="decisions")
    version = models.PositiveSmallIntegerField(default=1)
    # RESTRICT: a version cannot be deleted on its own, only with its whole dossier (retention).
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="superseded_by"
    )
    # Why a new version was needed (empty for the first).
    revision_reason = models.TextField(blank=True)
    conclusion = models.TextField()
    decisions_taken = models.TextField()
    measures_timeframe = models.TextField()
    decided_on = models.DateField()
    # The language the decision is written in (the complainant's, unless the writer chose
    # otherwise): the letter's headings follow it, so they never wrap text of another language.
    language = models.CharField(max_length=8, default="nl")
    recorded_at = models.DateTimeField()
    recorded_by_user_id = models.BigIntegerField(null=True, blank=True)
    recorded_by_label = models.CharField(max_length=120, blank=True)
    # When the complainant was told the decision is ready (the send task sets it once).
    sent_at = models.DateTimeField(null=True, blank=True)

    DELIVERY_FIELDS = frozenset({"sent_at"})

    class Meta:
        ordering = ["complaint", "version"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "version"], name="one_decision_per_version")
        ]

    def __str__(self) -> str:
        return f"decision v{self.version} on {self.complaint_id} ({self.decided_on})"

    def save(self, *args: object, **kwargs: object) -> None:
        update_fields = kwargs.get("update_fields")
        changed = None if update_fields is None else {str(name) for name in update_fields}  # type: ignore[attr-defined]
        if not self._state.adding and (changed is None or changed - self.DELIVERY_FIELDS):
            raise PermissionError("a recorded decision is never edited: record a new version")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Measure(models.Model):
    """A measure the provider promised in its decision, tracked to done."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="measures")
    description = models.CharField(max_length=500)
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by_user_id = models.BigIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"measure {self.pk} due {self.due_on}"


class ClosingNotice(models.Model):
    """What the complainant was told at closing: the outcome and, if not resolved, where to go next."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="closing")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    # Codes from casework.closing.services.FOLLOW_UP_OPTIONS, in the order told.
    follow_up_options = models.JSONField(default=list, blank=True)
    disputes_body = models.CharField(max_length=200, blank=True)
    # The disputes body's address, telephone, e-mail and website as they were at closing, one per line.
    disputes_body_contact = models.TextField(blank=True)
    disputes_last_day = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField()
    closed_by_user_id = models.BigIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # What allowed a formal complaint to close: the decision, a recorded withdrawal
    # by the complainant or a recorded referral (casework.closing.services).
    basis = models.CharField(max_length=16, blank=True)
    basis_evidence = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"closing of {self.complaint_id} ({self.outcome})"


def letter_path(instance: Letter, filename: str) -> str:
    return f"complaints/{instance.complaint_id}/letters/{filename}"


class Letter(models.Model):
    """A letter to the complainant as a PDF kept in the dossier: a decision, closing or extension notice.

    It is delivered through the secure channel: an e-mail says a document is
    ready and links to the follow page or Mijn klachten, where the complainant
    downloads it after proving who they are. Without an e-mail address it goes
    on the coordinator's print-and-post list until ``posted_on`` is recorded.
    """

    class Kind(models.TextChoices):
        DECISION = "decision", _("Oordeel van de zorgaanbieder")
        CLOSING = "closing", _("Afsluitbrief")
        EXTENSION_NOTICE = "extension_notice", _("Mededeling verlenging termijn")

    class Delivery(models.TextChoices):
        SECURE_LINK = "secure_link", _("Bericht met beveiligde link")
        POST = "post", _("Per post")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="letters")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    file = models.FileField(upload_to=letter_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    # RESTRICT: the source goes only together with the whole dossier (retention), never on its own.
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.RESTRICT)
    closing = models.ForeignKey(ClosingNotice, null=True, blank=True, on_delete=models.RESTRICT)
    extension = models.ForeignKey("DeadlineExtension", null=True, blank=True, on_delete=models.RESTRICT)
    delivery = models.CharField(max_length=16, choices=Delivery.choices)
    # The e-mail that says the document is ready (secure link delivery).
    notified_at = models.DateTimeField(null=True, blank=True)
    # The day the coordinator posted the printed letter (post delivery).
    posted_on = models.DateField(null=True, blank=True)
    posted_by_user_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} letter {self.pk}"


class CaseStatistic(models.Model):
    """What is left of a dossier after its retention period: anonymous figures for reports.

    No parties, no texts, no reference, no exact dates (months only).
    """

    category_code = models.CharField(max_length=40, blank=True)
    law = models.CharField(max_length=16, blank=True)
    channel = models.CharField(max_length=16, blank=True)
    track = models.CharField(max_length=16, blank=True)
    service = models.CharField(max_length=16, blank=True)
    outcome = models.CharField(max_length=16, blank=True)
    received_month = models.DateField(help_text="First day of the month the complaint came in")
    formal_received_month = models.DateField(null=True, blank=True)
    closed_month = models.DateField(null=True, blank=True)
    handling_days = models.PositiveIntegerField(null=True, blank=True)
    decision_in_time = models.BooleanField(null=True, blank=True)
    reduced_month = models.DateField()

    class Meta:
        ordering = ["received_month", "pk"]

    def __str__(self) -> str:
        return f"statistic {self.received_month:%Y-%m} {self.category_code}"


# --- The access log (NEN 7513) -------------------------------------------------


class AccessLogEntry(models.Model):
    """Who did what with which dossier, when, on whose behalf and from where (NEN 7513).

    Append-only: a database trigger (migration 0005) refuses UPDATE, DELETE and
    TRUNCATE on this table; only the retention job may delete rows older than
    5 years (``casework.dossier.access_log.access_log_purge_older_than``).
    ``case_id`` is the complaint's id without a foreign key, so the log
    outlives a dossier that retention deletes; ``reference`` names the client
    whose dossier it is.
    """

    class Event(models.TextChoices):
        CREATE = "create", _("Aangemaakt")
        READ = "read", _("Ingezien")
        CHANGE = "change", _("Gewijzigd")
        DELETE = "delete", _("Verwijderd")
        EXPORT = "export", _("Geëxporteerd")
        PRINT = "print", _("Afgedrukt")
        SEARCH = "search", _("Gezocht")

    class AccessChannel(models.TextChoices):
        PLATFORM_STAFF = "platform_staff", _("Werkplek van Klachtpunt")
        PROVIDER = "provider", _("Omgeving van de zorgaanbieder")
        COMPLAINANT_PORTAL = "complainant_portal", _("Mijn klachten")
        FOLLOW_LINK = "follow_link", _("Volglink")
        WIDGET = "widget", _("Klachtenformulier")
        API_KEY = "api_key", _("API-koppeling")
        SYSTEM = "system", _("Klachtpunt (automatisch)")

    at = models.DateTimeField()
    event = models.CharField(max_length=16, choices=Event.choices)
    case_id = models.BigIntegerField(null=True, blank=True)
    reference = models.CharField(max_length=20, blank=True)
    # Which part of the dossier: dossier, attachment, meeting, message, decision, access_log, ...
    subject = models.CharField(max_length=40, default="dossier")
    detail = models.CharField(max_length=300, blank=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    user_label = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=24)
    organisation = models.CharField(max_length=200, blank=True)
    on_behalf_of_user_id = models.BigIntegerField(null=True, blank=True)
    on_behalf_of_label = models.CharField(max_length=150, blank=True)
    channel = models.CharField(max_length=24, choices=AccessChannel.choices)
    host = models.CharField(max_length=255, blank=True)
    path = models.CharField(max_length=500, blank=True)
    method = models.CharField(max_length=8, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["case_id", "at"], name="accesslog_case_at"),
            models.Index(fields=["user_id", "at"], name="accesslog_user_at"),
            models.Index(fields=["at"], name="accesslog_at"),
        ]
        verbose_name = _("toegangslogregel")
        verbose_name_plural = _("toegangslog")

    def __str__(self) -> str:
        return f"{self.event} {self.reference or '-'} @ {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError("the access log is append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("the access log is append-only")


# --- Mediation, committee and confidant work -------------------------------------


class Meeting(models.Model):
    """A mediation meeting or a committee hearing with the parties, sent as a calendar invitation."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("Telefonisch gesprek")
        VIDEO = "video", _("Videogesprek")
        ON_SITE = "on_site", _("Gesprek op locatie")
        HEARING = "hearing", _("Hoorzitting")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    location = models.CharField(max_length=300, blank=True)
    call_in = models.CharField(max_length=300, blank=True)
    with_complainant = models.BooleanField(default=True)
    provider_contact_name = models.CharField(max_length=200, blank=True)
    provider_contact_email = models.EmailField(blank=True)
    officer_user_id = models.BigIntegerField(null=True, blank=True)
    officer_label = models.CharField(max_length=150, blank=True)
    # RFC 5545: the same UID with a higher SEQUENCE updates or cancels the invitation.
    uid = models.CharField(max_length=100, unique=True)
    sequence = models.PositiveIntegerField(default=0)
    # The sequence whose invitations (or cancellation) have left; the send task is safe to run twice.
    sent_sequence = models.IntegerField(default=-1)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by_user_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def with_provider(self) -> bool:
        return bool(self.provider_contact_email)


def record_path(instance: CaseRecord, filename: str) -> str:
    return f"complaints/{instance.complaint_id}/records/{filename}"


class CaseRecord(models.Model):
    """A note, an agreement or a document from the mediation or committee work."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Notitie")
        AGREEMENT = "agreement", _("Afspraak")
        DOCUMENT = "document", _("Document")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField(blank=True)
    file = models.FileField(upload_to=record_path, max_length=300, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.STAFF)
    author_user_id = models.BigIntegerField(null=True, blank=True)
    author_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class Message(models.Model):
    """A message between the complainant, the provider and Klachtpunt, inside the platform."""

    class Party(models.TextChoices):
        COMPLAINANT = "complainant", _("Klager")
        PROVIDER = "provider", _("Zorgaanbieder")
        STAFF = "staff", _("Klachtpunt")

    class Audience(models.TextChoices):
        COMPLAINANT = "complainant", _("Klager en Klachtpunt")
        PROVIDER = "provider", _("Zorgaanbieder en Klachtpunt")
        ALL = "all", _("Klager, zorgaanbieder en Klachtpunt")
        CONFIDANT = "confidant", _("Klager en vertrouwenspersoon")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=16, choices=Party.choices)
    sender_user_id = models.BigIntegerField(null=True, blank=True)
    sender_label = models.CharField(max_length=150, blank=True)
    audience = models.CharField(max_length=16, choices=Audience.choices)
    body = models.TextField()
    sent_at = models.DateTimeField()
    # When the notification e-mails (a link only) left; the task is safe to run twice.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sent_at", "pk"]

    def __str__(self) -> str:
        return f"message {self.pk} from {self.sender}"


class ConfidantNote(models.Model):
    """The confidant's note or the client's choice: the confidant and the client only.

    Never shown to the provider, the officer or the committee unless the client
    shares this one note (``shared_with``); every read goes through
    ``casework.procedures.selectors.confidant_notes_visible``.
    """

    class Kind(models.TextChoices):
        NOTE = "note", _("Notitie van de vertrouwenspersoon")
        CHOICE = "choice", _("Keuze van de cliënt")

    class SharedWith(models.TextChoices):
        NOBODY = "", _("Niet gedeeld")
        KLACHTPUNT = "klachtpunt", _("Gedeeld met de behandelaar bij Klachtpunt")
        PROVIDER = "provider", _("Gedeeld met Klachtpunt en de zorgaanbieder")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="confidant_notes")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.NOTE)
    text = models.TextField()
    author_user_id = models.BigIntegerField(null=True, blank=True)
    author_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField()
    shared_with = models.CharField(max_length=16, choices=SharedWith.choices, default="", blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"confidant {self.kind} {self.pk}"


class ComplaintPart(models.Model):
    """One part of the complaint as the committee formulated it, with its judgement and reasoning."""

    class Judgement(models.TextChoices):
        FOUNDED = "founded", _("Gegrond")
        PARTLY_FOUNDED = "partly_founded", _("Deels gegrond")
        UNFOUNDED = "unfounded", _("Ongegrond")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="complaint_parts")
    position = models.PositiveSmallIntegerField()
    text = models.TextField()
    judgement = models.CharField(max_length=16, choices=Judgement.choices, blank=True)
    reasoning = models.TextField(blank=True)
    judged_at = models.DateTimeField(null=True, blank=True)
    judged_by_user_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "position"], name="one_complaint_part_per_position")
        ]

    def __str__(self) -> str:
        return f"part {self.position} of {self.complaint_id}"


class CommitteeAdvice(models.Model):
    """The committee's advice to the provider, issued once every complaint part is judged."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="committee_advice")
    advice = models.TextField()
    issued_at = models.DateTimeField()
    issued_by_user_id = models.BigIntegerField(null=True, blank=True)
    issued_by_label = models.CharField(max_length=150, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"advice on {self.complaint_id}"


class CommitteeSignOff(models.Model):
    """The chair's sign-off of the panel's judgement (per part) and recommendations.

    Written with the ``CommitteeAdvice`` it signs, in one action
    (``casework.procedures.panel.panel_judgement_sign``). ``binding``: under
    the Wzd and the Wvggz the committee's decision binds the provider; under
    the Wkkgz it is advice and the provider decides.
    """

    advice = models.OneToOneField(CommitteeAdvice, on_delete=models.CASCADE, related_name="sign_off")
    recommendations = models.TextField(blank=True)
    binding = models.BooleanField(default=False)
    chair_user_id = models.BigIntegerField()
    chair_label = models.CharField(max_length=150)
    signed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"sign-off of advice {self.advice_id}"


class PanelMember(models.Model):
    """A seat on the committee's panel for one complaint: chair, member or secretary.

    Chosen by the coordinator through matching's eligibility checks
    (conflict of interest, availability, capacity); ``reasons`` keeps the
    matching reasons shown when the seat was given.
    """

    class Role(models.TextChoices):
        CHAIR = "chair", _("Voorzitter")
        MEMBER = "member", _("Lid")
        SECRETARY = "secretary", _("Ambtelijk secretaris")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="panel")
    user_id = models.BigIntegerField()
    label = models.CharField(max_length=150)
    role = models.CharField(max_length=16, choices=Role.choices)
    reasons = models.JSONField(default=list, blank=True)
    appointed_at = models.DateTimeField()
    appointed_by_user_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["role", "label", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "user_id"], name="one_panel_seat_per_person"),
            models.UniqueConstraint(
                fields=["complaint"], condition=models.Q(role="chair"), name="one_panel_chair"
            ),
            models.UniqueConstraint(
                fields=["complaint"], condition=models.Q(role="secretary"), name="one_panel_secretary"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} on {self.complaint_id}"


class WrittenRoundStep(models.Model):
    """One step of the committee's written round, with its deadline and when it came in."""

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Klaagschrift van de klager")
        RESPONSE = "response", _("Verweerschrift van de zorgaanbieder")
        REPLY = "reply", _("Reactie van de klager op het verweer")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="written_round")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    due_on = models.DateField()
    received_on = models.DateField(null=True, blank=True)
    set_by_user_id = models.BigIntegerField(null=True, blank=True)
    received_by_user_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "kind"], name="one_written_round_step_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.complaint_id}"


class HearingReport(models.Model):
    """The secretary's record of a hearing: who attended, and the minutes (the panel only)."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="hearing_report")
    # [{"key": "panel-<user id>"|"complainant"|"provider",
    #   "who": "chair"|"member"|"secretary"|"complainant"|"provider", "label": str, "present": bool}]
    attendance = models.JSONField(default=list)
    minutes = models.TextField()
    recorded_by_user_id = models.BigIntegerField(null=True, blank=True)
    recorded_by_label = models.CharField(max_length=150, blank=True)
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"report of meeting {self.meeting_id}"


class DeliberationNote(models.Model):
    """The panel's private deliberation: read by the panel only, never by the parties.

    Every read goes through ``casework.procedures.selectors.deliberation_visible``
    (the rule ``casework.read_deliberation`` in ``casework.dossier.permissions``).
    """

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="deliberation")
    text = models.TextField()
    author_user_id = models.BigIntegerField()
    author_label = models.CharField(max_length=150)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"deliberation note {self.pk}"


# --- The data-protection officer's registers (AVG): requests, breaches, advice -------
# Kept in the provider's schema like the complaint dossier; the public case index
# holds only their routing metadata (kind, dates, status, assignee). The actions are
# in casework.privacy.services, the terms in reference.avg_terms.


class PrivacyRequest(models.Model):
    """A data subject's request under AVG art. 15 to 22, with its one-month term (art. 12(3))."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("Inzage (art. 15)")
        RECTIFICATION = "rectification", _("Rectificatie (art. 16)")
        ERASURE = "erasure", _("Wissen van gegevens (art. 17)")
        RESTRICTION = "restriction", _("Beperking van de verwerking (art. 18)")
        PORTABILITY = "portability", _("Overdraagbaarheid van gegevens (art. 20)")
        OBJECTION = "objection", _("Bezwaar tegen de verwerking (art. 21)")

    class Via(models.TextChoices):
        WIDGET = "widget", _("Formulier op de website")
        PORTAL = "portal", _("Mijn klachten (ingelogd)")
        PROVIDER = "provider", _("Ingevoerd door de zorgaanbieder")
        DPO = "dpo", _("Ingevoerd door de functionaris gegevensbescherming")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Ontvangen")
        IN_PROGRESS = "in_progress", _("In behandeling")
        ANSWERED = "answered", _("Beantwoord")

    class Outcome(models.TextChoices):
        GRANTED = "granted", _("Toegewezen")
        PARTLY = "partly", _("Deels toegewezen")
        REFUSED = "refused", _("Afgewezen")

    class IdentityMethod(models.TextChoices):
        IN_PERSON = "in_person", _("Identiteitsbewijs getoond aan de balie")
        KNOWN_CONTACT = "known_contact", _("Bekende contactgegevens uit het dossier")
        DIGID = "digid", _("DigiD of een ander erkend inlogmiddel")
        CALLBACK = "callback", _("Teruggebeld op een bekend nummer")
        OTHER = "other", _("Anders (toelichting)")

    reference = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    via = models.CharField(max_length=16, choices=Via.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    language = models.CharField(max_length=8, default="nl")
    # The fact the term counts from: the day the request reached the provider (or us for it).
    received_on = models.DateField()
    received_at = models.DateTimeField()
    receipt_evidence = models.CharField(max_length=300, blank=True)

    requester_name = models.CharField(max_length=200)
    requester_email = models.EmailField(blank=True)
    requester_phone = models.CharField(max_length=40, blank=True)
    # When the request is made for someone else (a parent, a legal representative).
    on_behalf_of = models.CharField(max_length=200, blank=True)
    description = models.TextField()

    identity_verified_at = models.DateTimeField(null=True, blank=True)
    identity_method = models.CharField(max_length=16, choices=IdentityMethod.choices, blank=True)
    identity_note = models.CharField(max_length=300, blank=True)
    identity_verified_by_user_id = models.BigIntegerField(null=True, blank=True)

    # Art. 12(3): the two further months, told with reasons inside the first month.
    extended_due_on = models.DateField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    extension_notice_on = models.DateField(null=True, blank=True)

    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(blank=True)
    answer_text = models.TextField(blank=True)
    answered_on = models.DateField(null=True, blank=True)
    answer_letter = models.FileField(upload_to="privacy/requests/", max_length=300, blank=True)
    # The answer reaches the requester through the secure channel: an e-mail that it is
    # ready, with a secret link (only its hash is kept) or Mijn klachten for an account.
    answer_link_hash = models.CharField(max_length=64, blank=True, db_index=True)
    answer_link_expires_at = models.DateTimeField(null=True, blank=True)
    answer_notified_at = models.DateTimeField(null=True, blank=True)
    answer_downloaded_at = models.DateTimeField(null=True, blank=True)

    entered_by_user_id = models.BigIntegerField(null=True, blank=True)
    requester_user_id = models.BigIntegerField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("AVG-verzoek")
        verbose_name_plural = _("AVG-verzoeken")

    def __str__(self) -> str:
        return self.reference


class Breach(models.Model):
    """A personal-data breach in the register (AVG art. 33(5)), notifiable or not."""

    class Status(models.TextChoices):
        REPORTED = "reported", _("Gemeld, wacht op beoordeling")
        ASSESSED = "assessed", _("Beoordeeld")
        CLOSED = "closed", _("Afgesloten")

    class Kind(models.TextChoices):
        CONFIDENTIALITY = "confidentiality", _("Vertrouwelijkheid (onbevoegde inzage of verstrekking)")
        INTEGRITY = "integrity", _("Integriteit (onbevoegde wijziging)")
        AVAILABILITY = "availability", _("Beschikbaarheid (verlies of vernietiging)")

    class Risk(models.TextChoices):
        UNLIKELY = "unlikely", _("Geen risico waarschijnlijk: niet melden")
        RISK = "risk", _("Risico: melden aan de Autoriteit Persoonsgegevens")
        HIGH = "high", _("Hoog risico: ook de betrokkenen informeren")

    reference = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REPORTED)
    # Art. 33(1): the 72 hours run from the moment the provider became aware.
    aware_at = models.DateTimeField()
    occurred_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField()
    reported_by_user_id = models.BigIntegerField(null=True, blank=True)

    what_happened = models.TextField()
    data_categories = models.TextField()
    people_categories = models.TextField()
    people_approx = models.PositiveIntegerField()
    records_approx = models.PositiveIntegerField()
    likely_consequences = models.TextField()
    measures = models.TextField()
    contact = models.CharField(max_length=300, blank=True)

    risk = models.CharField(max_length=16, choices=Risk.choices, blank=True)
    assessment_reason = models.TextField(blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    assessed_by_user_id = models.BigIntegerField(null=True, blank=True)

    ap_notified_at = models.DateTimeField(null=True, blank=True)
    ap_case_number = models.CharField(max_length=60, blank=True)
    # Art. 33(1): a notification after 72 hours is accompanied by the reasons for the delay.
    late_reason = models.TextField(blank=True)
    people_notified_at = models.DateTimeField(null=True, blank=True)
    people_notice = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-aware_at"]
        verbose_name = _("datalek")
        verbose_name_plural = _("datalekken")

    def __str__(self) -> str:
        return self.reference

    @property
    def must_notify_ap(self) -> bool:
        return self.risk in (self.Risk.RISK, self.Risk.HIGH)

    @property
    def must_tell_people(self) -> bool:
        return self.risk == self.Risk.HIGH


class PrivacyAdvice(models.Model):
    """Advice by the data-protection officer (art. 39): DPIA advice, questions, register reviews."""

    class Topic(models.TextChoices):
        DPIA = "dpia", _("Advies over een DPIA (art. 35 lid 2)")
        QUESTION = "question", _("Vraag van de zorgaanbieder")
        REGISTER = "register", _("Beoordeling van het verwerkingsregister (art. 30)")
        OTHER = "other", _("Overig advies")

    topic = models.CharField(max_length=16, choices=Topic.choices)
    asked_on = models.DateField()
    given_on = models.DateField()
    question = models.TextField()
    advice = models.TextField()
    minutes = models.PositiveIntegerField()
    given_by_user_id = models.BigIntegerField(null=True, blank=True)
    given_by_label = models.CharField(max_length=150, blank=True)
    # The advice's row in the public time ledger (billed like other work).
    time_entry_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-given_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gt=0, minutes__lte=24 * 60), name="privacy_advice_minutes_in_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.given_on}"


class PrivacyEvent(models.Model):
    """One step on a request's or a breach's timeline: a kind and its data, rendered when shown."""

    request = models.ForeignKey(
        PrivacyRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    breach = models.ForeignKey(Breach, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=40)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(request__isnull=False, breach__isnull=True)
                | models.Q(request__isnull=True, breach__isnull=False),
                name="privacy_event_on_one_record",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.at:%Y-%m-%d %H:%M}"


class ComplaintParticipant(models.Model):
    """Who works on this complaint at the provider, and as what (need-to-know, DESIGN.md section 1).

    The provider's admin records them: the complaint handler (prepares the
    answer), the decision maker (records and signs the decision, extends the
    deadline; without one recorded, every decision maker of the provider may
    decide) and the employee concerned (reads what concerns them and gives
    their side, never decides). The user is a public-schema id; whether they
    still hold the matching role is checked at every access
    (``casework.dossier.permissions``).
    """

    class Role(models.TextChoices):
        HANDLER = "handler", _("Klachtbehandelaar")
        DECISION_MAKER = "decision_maker", _("Beslisser")
        CONCERNED = "concerned", _("Betrokken medewerker")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="participants")
    user_id = models.BigIntegerField()
    user_label = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices)
    assigned_at = models.DateTimeField()
    assigned_by_user_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["role", "assigned_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "user_id", "role"], name="one_participation_per_user_role"
            )
        ]
        indexes = [models.Index(fields=["user_id", "role"], name="participant_user_role")]

    def __str__(self) -> str:
        return f"{self.role} {self.user_id} on {self.complaint_id}"


class DecisionDraft(models.Model):
    """The answer the complaint handler prepares; the decision maker records (and signs) it.

    A draft is not a decision: nothing is sent, no clock stops. The decision
    form starts from it.
    """

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="decision_draft")
    conclusion = models.TextField(blank=True)
    decisions_taken = models.TextField(blank=True)
    measures_timeframe = models.TextField(blank=True)
    updated_at = models.DateTimeField()
    updated_by_user_id = models.BigIntegerField(null=True, blank=True)
    updated_by_label = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return f"draft on {self.complaint_id}"


# --- The complainant's own AVG rights against Klachtpunt --------------------------


class DataRightsRecord(models.Model):
    """A complainant's own AVG request about one dossier: an export, an erasure, an account deletion.

    Kept in the provider's schema with the dossier it concerns, as the access
    log is: by the complaint's id and reference without a foreign key, so the
    record of an erasure outlives the dossier it erased (AVG art. 5(2): we can
    show what we did). ``items`` holds what was erased and what is kept, until
    when and why, as codes and dates (casework.datarights.rules renders them
    in the reader's language); never a name or what the complaint says.
    """

    class Kind(models.TextChoices):
        EXPORT = "export", _("Download van uw gegevens (art. 15 en 20)")
        ERASURE = "erasure", _("Wissen van uw gegevens (art. 17)")
        ACCOUNT_DELETION = "account_deletion", _("Account verwijderd")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField()
    case_id = models.BigIntegerField()
    reference = models.CharField(max_length=20)
    # The access point (an AccessLogEntry.AccessChannel value): Mijn klachten or the follow link.
    channel = models.CharField(max_length=24)
    # The account that asked (a public-schema id), if any; after an account deletion a bare number.
    user_id = models.BigIntegerField(null=True, blank=True)
    # For an export: json or pdf.
    file_format = models.CharField(max_length=8, blank=True)
    items = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["case_id", "at"], name="datarights_case_at")]
        verbose_name = _("AVG-verzoek van de klager")
        verbose_name_plural = _("AVG-verzoeken van klagers")

    def __str__(self) -> str:
        return f"{self.kind} {self.reference} @ {self.at:%Y-%m-%d %H:%M}"


class ComplaintsScheme(models.Model):
    """One version of the provider's published complaints scheme (klachtenregeling).

    Generated from what the provider has (services, committee, disputes body,
    terms, contact routes, privacy) in Dutch and English, reviewed by the
    provider admin and published with the date it takes effect. A published
    version is never edited: a change is a new version. No personal data.
    """

    # At most one unpublished draft at a time: casework.scheme.services makes and replaces it
    # under the provider's row lock.
    version = models.PositiveIntegerField(unique=True)
    # {"nl": [{"heading": ..., "body": ...}, ...], "en": [...]}: the text as generated.
    content = models.JSONField(default=dict)
    # The provider facts the text was generated from (disputes body, services, terms), for the record.
    facts = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    created_by_user_id = models.BigIntegerField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by_user_id = models.BigIntegerField(null=True, blank=True)
    published_by_label = models.CharField(max_length=150, blank=True)
    effective_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(published_at__isnull=True) | models.Q(effective_on__isnull=False),
                name="published_scheme_has_effective_date",
            ),
        ]

    def __str__(self) -> str:
        return f"scheme v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def sections(self, language: str) -> list[dict[str, str]]:
        """The text in ``language`` (nl or en), Dutch when that language is missing."""
        return list(self.content.get(language) or self.content.get("nl") or [])


class TenantExport(models.Model):
    """An export of the provider's whole schema at contract end (AVG art. 28(3)(g)).

    Made in the background (``casework.reports.tenant_exit``); the archive lies outside the
    provider's attachments folder (``TENANT_EXPORT_ROOT/<schema>/``) so a later export or backup
    does not hold an earlier one, and the deletion removes it with the rest.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("In de wachtrij")
        READY = "ready", _("Klaar")
        FAILED = "failed", _("Mislukt")

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField()
    requested_by_user_id = models.BigIntegerField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    archive_name = models.CharField(max_length=100, blank=True)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    # Tables with their row counts, files with their SHA-256 (no content).
    manifest = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.status})"
