"""Taking in a complaint: dossier, case index, consent, timeline and outbox in one transaction."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

import structlog
from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.consent.receipt import formal_receipt_entry
from casework.consent.wording import consent_wording
from casework.dossier.access_log import Accessor, Event, access_log_change
from casework.dossier.attachments import CheckedFile
from casework.dossier.services import follow_link_create, index_sync, timeline_add, timeline_entry
from casework.index.models import Channel, Consent, Track
from casework.models import Attachment, Category, Complaint, ConsentRecord, TimelineEntry
from outbox.services import outbox_enqueue_many
from reference.dates import today_amsterdam
from tenants.clusters import control_alias, schema_context
from tenants.models import Provider

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ComplaintSubmission:
    """Validated input for a new complaint (from the widget, portal, coordinator or API)."""

    complainant_kind: str
    complainant_name: str
    what_happened: str
    goal: str
    complainant_email: str = ""
    complainant_phone: str = ""
    complainant_postcode: str = ""
    client_name: str = ""
    relation_to_client: str = ""
    mandate_basis: str = ""
    occurred_on: datetime.date | None = None
    location: str = ""
    department: str = ""
    employee_concerned: str = ""
    category_code: str = ""
    law: str = "unknown"
    # Everything the complainant wants (``goal`` is the first); empty means just ``goal``.
    goals: tuple[str, ...] = ()
    goal_details: str = ""
    track: str = Track.INFORMAL
    consent: str = Consent.PENDING
    language: str = "nl"


@dataclass
class SubmitResult:
    complaint: Complaint
    created: bool
    follow_token: str | None = None
    attachments: list[Attachment] = field(default_factory=list)


CONFLICT_MESSAGE = _(
    "Dit formulier is al eens verstuurd, met andere gegevens. Uw klacht is daarom niet opnieuw "
    "verstuurd. Wilt u een nieuwe klacht indienen, verstuur het formulier dan nog een keer."
)


class IdempotencyConflict(Exception):
    """The idempotency key was used before for a different submission."""

    def __init__(self, reference: str) -> None:
        super().__init__("idempotency key reused for different content")
        self.reference = reference


def submission_fingerprint(
    *, submission: ComplaintSubmission, attachments: Sequence[CheckedFile] = ()
) -> str:
    """A SHA-256 over the submission's fields and its attachments' contents.

    Binds an idempotency key to what was sent with it, so knowing a key is not
    enough to get at the complaint it made.
    """
    canonical = json.dumps(
        {
            "fields": dataclasses.asdict(submission),
            "attachments": sorted(checked.sha256 for checked in attachments),
        },
        sort_keys=True,
        default=str,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(existing: Complaint, fingerprint: str, *, provider: Provider, accessor: Accessor) -> SubmitResult:
    # Rows from before the fingerprint was stored carry none; they only ever get the reference back.
    if existing.submission_hash and existing.submission_hash != fingerprint:
        raise IdempotencyConflict(existing.reference)
    with transaction.atomic():
        # The replay learns the reference and status of a dossier: that is an access (NEN 7513).
        access_log_change(
            provider=provider,
            accessor=accessor,
            complaint=existing,
            subject="dossier",
            detail="idempotent replay",
            event=Event.READ,
        )
    return SubmitResult(complaint=existing, created=False)


def _next_reference(year: int) -> str:
    # From the control database: references are unique across every cluster (tenants.clusters).
    with connections[control_alias()].cursor() as cursor:
        cursor.execute("SELECT nextval('public.case_reference_seq')")
        number = cursor.fetchone()[0]
    return f"KP-{year}-{number:06d}"


def complaint_submit(
    *,
    provider: Provider,
    submission: ComplaintSubmission,
    channel: str,
    accessor: Accessor,
    attachments: Sequence[CheckedFile] = (),
    idempotency_key: str | None = None,
    complainant_user_id: int | None = None,
    entered_by_user_id: int | None = None,
    membership_lapsed: bool | None = None,
    received_at: datetime.datetime | None = None,
) -> SubmitResult:
    """Commit a complaint before anything else happens.

    Guarantees: the dossier, its consent record, timeline entry, attachments,
    the case-index row, the access-log row (created, by ``accessor``) and the
    outbox rows (acknowledgement, coordinator notice) commit together or not
    at all. The same ``idempotency_key`` with the same content returns the
    complaint made the first time instead of a second one (``created`` False,
    no follow token) and logs that ``accessor`` read it; with other content
    it raises ``IdempotencyConflict``.
    ``received_at`` defaults to now; a coordinator entering a letter or an
    e-mail gives the day it arrived.
    """
    if membership_lapsed is None:
        # A lapsed membership never blocks a complainant: the case is flagged instead.
        # Billing writes the standing onto the provider; read it fresh, not from a cached tenant.
        membership_lapsed = bool(
            Provider.objects.filter(pk=provider.pk).values_list("membership_lapsed", flat=True).first()
        )
    fingerprint = submission_fingerprint(submission=submission, attachments=attachments)
    with schema_context(provider.schema_name):
        if idempotency_key:
            existing = Complaint.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return _replay(existing, fingerprint, provider=provider, accessor=accessor)
        try:
            with transaction.atomic():
                result = _create(
                    provider=provider,
                    submission=submission,
                    channel=channel,
                    accessor=accessor,
                    attachments=attachments,
                    idempotency_key=idempotency_key,
                    submission_hash=fingerprint,
                    complainant_user_id=complainant_user_id,
                    entered_by_user_id=entered_by_user_id,
                    membership_lapsed=membership_lapsed,
                    received_at=received_at,
                )
        except IntegrityError:
            # A concurrent double submit won the race on the idempotency key.
            if not idempotency_key:
                raise
            existing = Complaint.objects.filter(idempotency_key=idempotency_key).first()
            if existing is None:
                raise
            return _replay(existing, fingerprint, provider=provider, accessor=accessor)
    log.info(
        "complaint_received",
        reference=result.complaint.reference,
        channel=channel,
        schema=provider.schema_name,
    )
    return result


def _create(
    *,
    provider: Provider,
    submission: ComplaintSubmission,
    channel: str,
    accessor: Accessor,
    attachments: Sequence[CheckedFile],
    idempotency_key: str | None,
    submission_hash: str,
    complainant_user_id: int | None,
    entered_by_user_id: int | None,
    membership_lapsed: bool,
    received_at: datetime.datetime | None = None,
) -> SubmitResult:
    now = timezone.now()
    today = today_amsterdam()
    received_at = received_at or now
    # The day the written complaint arrived: today for the widget and the portal,
    # the arrival date the coordinator records for a letter or an e-mail.
    received_on = timezone.localdate(received_at)
    clock_starts = submission.track == Track.FORMAL and submission.consent == Consent.GIVEN
    category = (
        Category.objects.filter(code=submission.category_code).first() if submission.category_code else None
    )
    complaint = Complaint.objects.create(
        reference=_next_reference(today.year),
        channel=channel,
        language=submission.language,
        track=submission.track,
        received_at=received_at,
        consent=submission.consent,
        complainant_kind=submission.complainant_kind,
        complainant_name=submission.complainant_name,
        complainant_email=submission.complainant_email,
        complainant_phone=submission.complainant_phone,
        complainant_postcode=submission.complainant_postcode,
        client_name=submission.client_name,
        relation_to_client=submission.relation_to_client,
        mandate_basis=submission.mandate_basis,
        what_happened=submission.what_happened,
        occurred_on=submission.occurred_on,
        location=submission.location,
        department=submission.department,
        employee_concerned=submission.employee_concerned,
        category=category,
        law=submission.law,
        goal=submission.goal,
        goals=list(submission.goals) or [submission.goal],
        goal_details=submission.goal_details,
        complainant_user_id=complainant_user_id,
        entered_by_user_id=entered_by_user_id,
        idempotency_key=idempotency_key or None,
        submission_hash=submission_hash,
        # The statutory clock starts on receipt of the written complaint with
        # consent to share it; consent given in the complaint itself arrived with it.
        formal_received_on=received_on if clock_starts else None,
    )
    on_behalf = entered_by_user_id is not None and entered_by_user_id != complainant_user_id
    timeline = [
        timeline_entry(
            complaint=complaint,
            kind="received",
            actor_user_id=entered_by_user_id or complainant_user_id,
            data={"channel": channel, "track": submission.track},
        )
    ]
    if submission.consent in (Consent.GIVEN, Consent.REFUSED):
        ConsentRecord.objects.create(
            complaint=complaint,
            decision=submission.consent,
            wording=consent_wording(submission.language),
            wording_language=submission.language,
            recorded_at=now,
            recorded_by_user_id=entered_by_user_id or complainant_user_id,
            recorded_via=channel,
            on_behalf_of_complainant=on_behalf,
        )
        timeline.append(
            timeline_entry(
                complaint=complaint,
                kind=f"consent_{submission.consent}",
                actor_user_id=entered_by_user_id or complainant_user_id,
            )
        )
    if clock_starts:
        timeline.append(
            formal_receipt_entry(
                complaint=complaint,
                basis="arrival" if entered_by_user_id is not None else "submission",
                actor_user_id=entered_by_user_id or complainant_user_id,
                channel=channel,
                received_on=received_on,
                consent_on=received_on,
            )
        )
    TimelineEntry.objects.bulk_create(timeline)
    stored = [_store_attachment(complaint, checked, now) for checked in attachments]
    token = follow_link_create(complaint=complaint, now=now) if complainant_user_id is None else None
    index_sync(complaint=complaint, provider=provider, created=True, membership_lapsed=membership_lapsed)
    access_log_change(
        provider=provider, accessor=accessor, complaint=complaint, subject="dossier", event=Event.CREATE
    )
    outbox_enqueue_many(
        tasks=[
            ("casework.tasks.send_acknowledgement", {"complaint_id": complaint.pk}),
            ("casework.tasks.notify_coordinators", {"complaint_id": complaint.pk}),
        ]
    )
    return SubmitResult(complaint=complaint, created=True, follow_token=token, attachments=stored)


def _store_attachment(complaint: Complaint, checked: CheckedFile, now: datetime.datetime) -> Attachment:
    attachment = Attachment(
        complaint=complaint,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_at=now,
    )
    attachment.file.save(checked.stored_name, checked.content, save=False)
    attachment.save()
    timeline_add(
        complaint=complaint,
        kind="attachment_added",
        data={"attachment_id": attachment.pk, "content_type": checked.content_type},
    )
    return attachment


log = structlog.get_logger(__name__)


def widget_complaint_submit(
    *,
    provider: Provider,
    submission: ComplaintSubmission,
    accessor: Accessor,
    attachments: Sequence[CheckedFile] = (),
    idempotency_key: str | None = None,
) -> SubmitResult:
    """Take in an anonymous complaint from the widget, the plain form page or the API.

    Guarantees what ``complaint_submit`` guarantees (one transaction; one
    complaint per idempotency key and content). A repeated submission (a
    double click, a retry after a lost response) gets the first complaint's
    reference back and nothing more: no new follow link, since whoever knows
    a key must not be able to take over the complaint it made (the first
    answer and the acknowledgement e-mail carry the link). The same key with
    other content raises ``IdempotencyConflict``. A lapsed membership never
    blocks a complainant.
    """
    result = complaint_submit(
        provider=provider,
        submission=submission,
        channel=Channel.WIDGET,
        accessor=accessor,
        attachments=attachments,
        idempotency_key=idempotency_key,
    )
    if not result.created:
        log.info("complaint_resubmitted", reference=result.complaint.reference, schema=provider.schema_name)
    return result


FORM_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,43}$")


def new_form_key() -> str:
    """A fresh key for one rendering of the complaint form (128 bits)."""
    return secrets.token_urlsafe(16)


def form_key_or_new(value: str | None) -> str:
    return value if value and FORM_KEY_RE.fullmatch(value) else new_form_key()
