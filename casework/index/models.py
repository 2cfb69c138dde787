"""The case index: one row per dossier, in the public schema.

It holds routing metadata only (DESIGN.md section 4): never the complainant's
name, contact details or anything the complaint says. The coordinator queue,
"Mijn klachten" and the deadline watch read it in one query across tenants.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Service(models.TextChoices):
    INTAKE = "intake", _("Intake")
    OFFICER = "officer", _("Klachtenfunctionaris")
    COMMITTEE = "committee", _("Klachtencommissie")
    CONFIDANT = "confidant", _("Vertrouwenspersoon")
    DPO = "dpo", _("Functionaris gegevensbescherming")


class CaseStatus(models.TextChoices):
    RECEIVED = "received", _("Ontvangen")
    INTAKE = "intake", _("In intake")
    # Offered to a professional who has not accepted yet; "assigned" only once they have.
    OFFERED = "offered", _("Aangeboden")
    ASSIGNED = "assigned", _("Toegewezen")
    IN_MEDIATION = "in_mediation", _("In bemiddeling")
    DECISION = "decision", _("Wacht op oordeel")
    # The provider's written decision is in; what remains is closing the case.
    DECIDED = "decided", _("Oordeel gegeven")
    CLOSED = "closed", _("Afgesloten")


class Track(models.TextChoices):
    INFORMAL = "informal", _("Informeel (onvrede)")
    FORMAL = "formal", _("Formele klacht")


class Consent(models.TextChoices):
    PENDING = "pending", _("Nog niet gevraagd of beantwoord")
    GIVEN = "given", _("Gegeven")
    REFUSED = "refused", _("Geweigerd")
    WITHDRAWN = "withdrawn", _("Ingetrokken")


class Channel(models.TextChoices):
    WIDGET = "widget", _("Klachtenformulier op website")
    PORTAL = "portal", _("Mijn klachten (ingelogd)")
    PHONE = "phone", _("Telefoon")
    LETTER = "letter", _("Brief")
    EMAIL = "email", _("E-mail")


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Opgelost")
    PARTLY_RESOLVED = "partly_resolved", _("Deels opgelost")
    NOT_RESOLVED = "not_resolved", _("Niet opgelost")
    WITHDRAWN = "withdrawn", _("Ingetrokken")
    REFERRED = "referred", _("Doorverwezen")


class CaseKind(models.TextChoices):
    """What a row routes: a complaint (Wkkgz), or the dpo service's request or breach (AVG)."""

    COMPLAINT = "complaint", _("Klacht")
    DSR = "dsr", _("AVG-verzoek")
    BREACH = "breach", _("Datalek")
    # A provider's yearly advice hours (AVG art. 39): a ledger row only, so advice time is
    # billed like other work; no dossier, never in a queue, report or reminder.
    ADVICE = "advice", _("AVG-advies (uren)")


class ComplaintIndexManager(models.Manager["CaseIndex"]):
    """Complaint rows only: every complaint page, queue, report and reminder reads these.

    The data-protection officer's requests and breaches share the index (one
    queue across providers) but follow AVG terms, not the Wkkgz: code that means
    them says so through ``CaseIndex.every_kind``.
    """

    def get_queryset(self) -> models.QuerySet[CaseIndex]:
        return super().get_queryset().filter(kind=CaseKind.COMPLAINT)


class CaseIndex(models.Model):
    kind = models.CharField(max_length=16, choices=CaseKind.choices, default=CaseKind.COMPLAINT)
    provider = models.ForeignKey("tenants.Provider", on_delete=models.CASCADE, related_name="cases")
    case_id = models.BigIntegerField(help_text="Primary key of the dossier in the provider's schema")
    reference = models.CharField(max_length=20, unique=True)
    service = models.CharField(max_length=16, choices=Service.choices, default=Service.INTAKE)
    category_code = models.CharField(max_length=40, blank=True)
    sector = models.CharField(max_length=32, blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.RECEIVED)
    track = models.CharField(max_length=16, choices=Track.choices, default=Track.INFORMAL)
    consent = models.CharField(max_length=16, choices=Consent.choices, default=Consent.PENDING)
    law = models.CharField(max_length=16, blank=True)
    received_at = models.DateTimeField()
    formal_received_on = models.DateField(null=True, blank=True)
    deadline = models.DateField(null=True, blank=True)
    # A clock in hours (a breach: 72 hours from awareness, AVG art. 33(1)); ``deadline`` is its day.
    due_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    priority = models.PositiveSmallIntegerField(default=3)
    language = models.CharField(max_length=8, default="nl")
    region = models.CharField(
        max_length=4, blank=True, help_text="First two digits of the postcode, if known"
    )
    complainant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="own_cases"
    )
    membership_lapsed = models.BooleanField(default=False)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The day the written decision was given: the deadline is met, reminders stop.
    decided_on = models.DateField(null=True, blank=True)
    # The first contact the acknowledgement promises (reference.deadline_rules.first_contact_due),
    # and when it was made: the intake call or the first message to the complainant.
    first_contact_due = models.DateField(null=True, blank=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    # When an open dossier without activity for a year was flagged to the coordinators.
    stalled_flagged_at = models.DateTimeField(null=True, blank=True)
    # When the retention job reduced the dossier to anonymous figures.
    reduced_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Raised by the cluster's trigger on every change (tenants.clusters): the control copy
    # takes a change only when it is newer than what it holds.
    version = models.BigIntegerField(default=1)

    every_kind = models.Manager()
    objects = ComplaintIndexManager()

    class Meta:
        default_manager_name = "objects"
        # Related lookups (an assignment's case, a time entry's case) see every kind.
        base_manager_name = "every_kind"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "kind", "case_id"], name="uniq_case_per_provider_kind"
            )
        ]
        indexes = [
            models.Index(fields=["kind", "status", "deadline"], name="caseindex_kind_status_deadline"),
            models.Index(fields=["status", "deadline"], name="caseindex_status_deadline"),
            models.Index(fields=["complainant_user", "received_at"], name="caseindex_complainant"),
            # The coordinator queue's order (casework.triage.selectors): its page is the first
            # rows of this index, not a sort of every open case.
            models.Index(
                fields=["deadline", "received_at", "id"],
                condition=models.Q(kind="complaint") & ~models.Q(status="closed"),
                name="caseindex_queue_urgency",
            ),
        ]
        verbose_name = _("dossier (index)")
        verbose_name_plural = _("dossiers (index)")

    def __str__(self) -> str:
        return self.reference


class Assignment(models.Model):
    """A professional asked to take a case; the history of who worked on it.

    The current one (offered or accepted) is mirrored in ``CaseIndex.assignee``.
    A decline returns the case to the queue with its reason; a reassignment
    marks the previous assignment as replaced.
    """

    class State(models.TextChoices):
        OFFERED = "offered", _("Aangeboden")
        ACCEPTED = "accepted", _("Geaccepteerd")
        DECLINED = "declined", _("Afgewezen")
        REPLACED = "replaced", _("Vervangen")

    case = models.ForeignKey(CaseIndex, on_delete=models.CASCADE, related_name="assignments")
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    service = models.CharField(max_length=16, choices=Service.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OFFERED)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments_made"
    )
    assigned_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=300, blank=True)
    # Why the coordinator replaced this assignment (not dossier content: e.g. "long-term sick").
    replace_reason = models.CharField(max_length=300, blank=True)
    # When the last e-mail about this assignment went out (offer, or decline to the
    # coordinators), so a task that runs twice sends it once.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-assigned_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(state__in=["offered", "accepted"]),
                name="one_current_assignment_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} -> {self.professional_id} ({self.state})"


class DpoAppointment(models.Model):
    """The data-protection officer a provider with the dpo service has (AVG art. 37).

    One current appointment per provider; one professional may serve several
    providers. A replacement ends the current row with its reason (not dossier
    content), so the rows are the appointment's history.
    """

    provider = models.ForeignKey(
        "tenants.Provider", on_delete=models.CASCADE, related_name="dpo_appointments"
    )
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="dpo_appointments"
    )
    appointed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    appointed_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-appointed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider"],
                condition=models.Q(ended_at__isnull=True),
                name="one_current_dpo_per_provider",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} -> {self.professional_id}"


class DeadlineReminder(models.Model):
    """A deadline reminder, written before it is sent: each (case, kind, deadline) exactly once.

    The central job inserts the row (the unique constraint refuses a second
    one, whatever runs twice) and the e-mail leaves through the outbox; the
    send task records ``sent_at`` so a redelivered task sends nothing. A
    deadline that moves (an extension) gets its own reminders.
    """

    class Kind(models.TextChoices):
        BEFORE = "before", _("Herinnering voor de termijn")
        DUE = "due", _("Termijn verloopt vandaag")
        OVERDUE = "overdue", _("Termijn verstreken")
        # The 72-hour breach clock (AVG art. 33(1)): hours left when the DPO is reminded.
        HOURS_48 = "h48", _("Datalek: nog 48 uur om te melden")
        HOURS_24 = "h24", _("Datalek: nog 24 uur om te melden")
        HOURS_6 = "h6", _("Datalek: nog 6 uur om te melden")
        HOURS_0 = "h0", _("Datalek: 72 uur verstreken")
        # The first contact the acknowledgement promises (five working days), to the coordinators.
        FIRST_CONTACT_BEFORE = "fc_before", _("Eerste contact: morgen uiterlijk")
        FIRST_CONTACT_DUE = "fc_due", _("Eerste contact: vandaag uiterlijk")
        FIRST_CONTACT_LATE = "fc_late", _("Eerste contact: te laat")

    case = models.ForeignKey(CaseIndex, on_delete=models.CASCADE, related_name="deadline_reminders")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    deadline = models.DateField()
    # Overdue escalations repeat (reference.deadline_rules.reminder_round) until a decision,
    # a recorded withdrawal or a recorded referral ends the term's watch.
    round = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "deadline", "round"], name="one_reminder_per_case_kind_deadline_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.deadline}"


class PostalLetter(models.Model):
    """A letter to a complainant without an e-mail address, on the coordinator's print-and-post list.

    Routing metadata only (the reference, the kind of letter, the letter's id in
    the provider's schema); the PDF itself stays in the dossier. ``posted_on``
    is recorded when the coordinator has posted it.
    """

    # The answer to an AVG request (case kind "dsr"): ``letter_id`` is the request's id, its PDF
    # the request's answer letter (casework.privacy.delivery).
    PRIVACY_ANSWER = "privacy_answer"

    provider = models.ForeignKey("tenants.Provider", on_delete=models.CASCADE, related_name="postal_letters")
    case = models.ForeignKey(CaseIndex, on_delete=models.CASCADE, related_name="postal_letters")
    letter_id = models.BigIntegerField(help_text="Primary key of the letter in the provider's schema")
    kind = models.CharField(max_length=20)
    created_at = models.DateTimeField()
    posted_on = models.DateField(null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # A letter id and an AVG request id may be the same number: the kind tells them apart.
            models.UniqueConstraint(
                fields=["provider", "kind", "letter_id"], name="one_postal_row_per_letter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} letter {self.letter_id}"


class IndexChange(models.Model):
    """A change to a cluster's copy of the case index, waiting to reach the control database.

    Written by a trigger in the same transaction as the change (``cluster_prepare``), so
    every write path is seen; ``changed`` holds the columns that changed (all of them for
    a new row). Used on the clusters only; holds index columns, never dossier content.
    Deleted once the control database holds the change.
    """

    row_id = models.BigIntegerField()
    provider_id = models.BigIntegerField()
    version = models.BigIntegerField()
    op = models.CharField(max_length=1)  # I, U or D
    changed = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.op} {self.row_id} v{self.version}"
