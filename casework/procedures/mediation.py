"""Mediation: meetings with the parties, notes, agreements and documents, and messages.

Each action is one transaction in the provider's schema: the dossier row is
locked, the change, its timeline entry and its access-log entry are written,
the case index follows when the status moves, and e-mails (a link and the
meeting's time, never the complaint's text) leave through the outbox.

Who may act is the view's business (the professional holding the case, the
complainant by account or link, the provider's members after consent); these
services keep the rules of the procedure itself: no work on a closed case, no
provider in a meeting or a message before the complainant consented, a
hearing with both parties.
"""

from __future__ import annotations

import datetime
import uuid

import structlog
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.dossier.access_log import Accessor, access_log_change
from casework.dossier.attachments import CheckedFile
from casework.dossier.locking import case_lock
from casework.dossier.services import actor_fields, first_contact_record, index_sync, timeline_add
from casework.index.models import CaseStatus, Consent
from casework.models import CaseRecord, Complaint, Meeting, Message, TimelineEntry, Visibility
from outbox.services import outbox_enqueue
from tenants.clusters import schema_context
from tenants.models import Provider

log = structlog.get_logger(__name__)

MAX_TEXT = 10_000
MAX_MESSAGE = 5_000
MAX_MEETING = datetime.timedelta(hours=8)

# What each party may address a message to; the confidant's client writes to the confidant.
SENDER_AUDIENCES = {
    Message.Party.COMPLAINANT: (
        Message.Audience.COMPLAINANT,
        Message.Audience.ALL,
        Message.Audience.CONFIDANT,
    ),
    Message.Party.PROVIDER: (Message.Audience.PROVIDER, Message.Audience.ALL),
    Message.Party.STAFF: tuple(Message.Audience.values),
}
# A message's audience as a timeline visibility (the timeline names the message, never its text).
AUDIENCE_TIMELINE = {
    Message.Audience.COMPLAINANT: TimelineEntry.Visibility.COMPLAINANT,
    Message.Audience.PROVIDER: TimelineEntry.Visibility.PROVIDER,
    Message.Audience.ALL: TimelineEntry.Visibility.ALL,
    Message.Audience.CONFIDANT: TimelineEntry.Visibility.COMPLAINANT,
}


def lock_open_complaint(provider: Provider, complaint_id: int) -> Complaint:
    """Lock the case (``case_lock``: index row, then dossier); refused when it is closed."""
    _case, complaint = case_lock(provider=provider, complaint_id=complaint_id)
    if complaint.status == CaseStatus.CLOSED:
        raise ValidationError(_("Deze zaak is afgesloten."), code="closed")
    return complaint


def _require_consent(complaint: Complaint, what: str) -> None:
    if complaint.consent != Consent.GIVEN:
        raise ValidationError(
            _("De klager heeft geen toestemming gegeven om de klacht te delen; %(what)s kan nog niet.")
            % {"what": what},
            code="no_consent",
        )


# --- Meetings -------------------------------------------------------------------


def _meeting_visibility(meeting: Meeting) -> str:
    if meeting.with_complainant and meeting.with_provider:
        return TimelineEntry.Visibility.ALL
    if meeting.with_complainant:
        return TimelineEntry.Visibility.COMPLAINANT
    if meeting.with_provider:
        return TimelineEntry.Visibility.PROVIDER
    return TimelineEntry.Visibility.STAFF


def _validate_meeting(
    complaint: Complaint,
    *,
    kind: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    location: str,
    call_in: str,
    with_complainant: bool,
    provider_contact_email: str,
) -> None:
    if kind not in Meeting.Kind.values:
        raise ValidationError(_("Kies het soort gesprek."), code="kind")
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValueError("meeting times must be timezone-aware")
    if ends_at <= starts_at:
        raise ValidationError(_("Het gesprek moet eindigen na het begin."), code="order")
    if ends_at - starts_at > MAX_MEETING:
        raise ValidationError(_("Een gesprek duurt hooguit 8 uur."), code="too_long")
    if starts_at <= timezone.now():
        raise ValidationError(_("Plan het gesprek in de toekomst."), code="past")
    if kind in (Meeting.Kind.ON_SITE, Meeting.Kind.HEARING) and not location.strip():
        raise ValidationError(_("Geef de locatie (adres) op."), code="location")
    if kind == Meeting.Kind.VIDEO and not call_in.strip():
        raise ValidationError(_("Geef de link naar het videogesprek op."), code="call_in")
    if not with_complainant and not provider_contact_email:
        raise ValidationError(_("Nodig ten minste één partij uit."), code="no_parties")
    if kind == Meeting.Kind.HEARING and not (with_complainant and provider_contact_email):
        raise ValidationError(
            _("Voor een hoorzitting worden beide partijen uitgenodigd: de klager en de zorgaanbieder."),
            code="hearing_parties",
        )
    if with_complainant and not complaint.complainant_email:
        raise ValidationError(
            _("Er is geen e-mailadres van de klager bekend; spreek het gesprek telefonisch af."),
            code="no_email",
        )
    if provider_contact_email:
        _require_consent(complaint, _("de zorgaanbieder uitnodigen"))


def meeting_schedule(
    *,
    provider: Provider,
    complaint_id: int,
    accessor: Accessor,
    kind: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    location: str = "",
    call_in: str = "",
    with_complainant: bool = True,
    provider_contact_name: str = "",
    provider_contact_email: str = "",
) -> Meeting:
    """Plan a meeting (or, for the committee, a hearing) and send the parties a calendar invitation.

    Guarantees: refused on a closed case, for a time in the past, without a
    party, with the provider before consent, or for a hearing without both
    parties. The meeting, its timeline entry, the access-log entry, the
    status (assigned becomes in mediation, dossier and index together) and
    the invitation e-mails (outbox) commit together.
    """
    provider_contact_email = provider_contact_email.strip().lower()
    with schema_context(provider.schema_name), transaction.atomic():
        complaint = lock_open_complaint(provider, complaint_id)
        _validate_meeting(
            complaint,
            kind=kind,
            starts_at=starts_at,
            ends_at=ends_at,
            location=location,
            call_in=call_in,
            with_complainant=with_complainant,
            provider_contact_email=provider_contact_email,
        )
        meeting = Meeting.objects.create(
            complaint=complaint,
            kind=kind,
            starts_at=starts_at,
            ends_at=ends_at,
            location=location.strip(),
            call_in=call_in.strip(),
            with_complainant=with_complainant,
            provider_contact_name=provider_contact_name.strip(),
            provider_contact_email=provider_contact_email,
            officer_user_id=accessor.user_id,
            officer_label=accessor.user_label,
            uid=f"{uuid.uuid4()}@klachtpunt",
            created_at=timezone.now(),
            created_by_user_id=accessor.user_id,
        )
        timeline_add(
            complaint=complaint,
            kind="meeting_scheduled",
            visibility=_meeting_visibility(meeting),
            data={"meeting_id": meeting.pk, "meeting_kind": kind, "starts_at": starts_at.isoformat()},
            **actor_fields(accessor),
        )
        if complaint.status == CaseStatus.ASSIGNED:
            complaint.status = CaseStatus.IN_MEDIATION
            complaint.save(update_fields=["status"])
            index_sync(complaint=complaint, provider=provider)
        access_log_change(
            provider=provider,
            accessor=accessor,
            complaint=complaint,
            subject="meeting",
            detail=f"meeting {meeting.pk} scheduled",
        )
        outbox_enqueue(
            task_name="casework.tasks_procedures.send_meeting_invitations",
            kwargs={"meeting_id": meeting.pk, "sequence": meeting.sequence},
        )
    log.info("meeting_scheduled", reference=complaint.reference, kind=kind, schema=provider.schema_name)
    return meeting


def meeting_cancel(*, provider: Provider, complaint_id: int, meeting_id: int, accessor: Accessor) -> Meeting:
    """Cancel a planned meeting; the parties get a calendar cancellation (same UID, next SEQUENCE)."""
    with schema_context(provider.schema_name), transaction.atomic():
        complaint = lock_open_complaint(provider, complaint_id)
        meeting = Meeting.objects.select_for_update().get(pk=meeting_id, complaint=complaint)
        if meeting.cancelled_at is not None:
            raise ValidationError(_("Dit gesprek is al geannuleerd."), code="cancelled")
        meeting.cancelled_at = timezone.now()
        meeting.sequence += 1
        meeting.save(update_fields=["cancelled_at", "sequence"])
        timeline_add(
            complaint=complaint,
            kind="meeting_cancelled",
            visibility=_meeting_visibility(meeting),
            data={
                "meeting_id": meeting.pk,
                "meeting_kind": meeting.kind,
                "starts_at": meeting.starts_at.isoformat(),
            },
            **actor_fields(accessor),
        )
        access_log_change(
            provider=provider,
            accessor=accessor,
            complaint=complaint,
            subject="meeting",
            detail=f"meeting {meeting.pk} cancelled",
        )
        outbox_enqueue(
            task_name="casework.tasks_procedures.send_meeting_invitations",
            kwargs={"meeting_id": meeting.pk, "sequence": meeting.sequence},
        )
    return meeting


# --- Notes, agreements and documents -------------------------------------------------


def record_add(
    *,
    provider: Provider,
    complaint_id: int,
    accessor: Accessor,
    kind: str,
    text: str = "",
    visibility: str = Visibility.STAFF,
    document: CheckedFile | None = None,
) -> CaseRecord:
    """Put a note, an agreement or a document on the case, visible as chosen.

    Sharing with the provider needs the complainant's consent. The record's
    timeline entry has the record's visibility and names it without its text.
    """
    text = text.strip()
    if kind not in CaseRecord.Kind.values:
        raise ValidationError(_("Kies wat u vastlegt."), code="kind")
    if visibility not in Visibility.values:
        raise ValidationError(_("Kies met wie u dit deelt."), code="visibility")
    if kind == CaseRecord.Kind.DOCUMENT and document is None:
        raise ValidationError(_("Kies een document."), code="document")
    if kind != CaseRecord.Kind.DOCUMENT and not text:
        raise ValidationError(_("Schrijf de tekst."), code="text")
    if len(text) > MAX_TEXT:
        raise ValidationError(_("De tekst is te lang."), code="too_long")
    with schema_context(provider.schema_name), transaction.atomic():
        complaint = lock_open_complaint(provider, complaint_id)
        if visibility in (Visibility.PROVIDER, Visibility.ALL):
            _require_consent(complaint, _("delen met de zorgaanbieder"))
        record = CaseRecord(
            complaint=complaint,
            kind=kind,
            text=text,
            visibility=visibility,
            author_user_id=accessor.user_id,
            author_label=accessor.user_label,
            created_at=timezone.now(),
        )
        if document is not None:
            record.original_name = document.original_name
            record.content_type = document.content_type
            record.size = document.size
            record.sha256 = document.sha256
            record.file.save(document.stored_name, document.content, save=False)
        record.save()
        timeline_add(
            complaint=complaint,
            kind=f"record_{kind}",
            visibility=visibility,
            data={
                "record_id": record.pk,
                "file_name": document.original_name if document is not None else "",
            },
            **actor_fields(accessor),
        )
        access_log_change(
            provider=provider,
            accessor=accessor,
            complaint=complaint,
            subject=f"record_{kind}",
            detail=f"record {record.pk}",
        )
    return record


# --- Messages ----------------------------------------------------------------------


def message_send(
    *,
    provider: Provider,
    complaint_id: int,
    accessor: Accessor,
    sender: str,
    audience: str,
    body: str,
) -> Message:
    """A message inside the platform; the people it is for get an e-mail with a link only.

    Guarantees: the sender may only address audiences they belong to; the
    provider neither sends nor receives before consent. The message, its
    timeline entry (naming it, not quoting it), the access-log entry and the
    notification (outbox) commit together.
    """
    body = body.strip()
    if not body:
        raise ValidationError(_("Schrijf een bericht."), code="empty")
    if len(body) > MAX_MESSAGE:
        raise ValidationError(_("Het bericht is te lang (hooguit 5000 tekens)."), code="too_long")
    if audience not in SENDER_AUDIENCES.get(sender, ()):
        raise ValidationError(_("Kies voor wie het bericht is."), code="audience")
    with schema_context(provider.schema_name), transaction.atomic():
        complaint = lock_open_complaint(provider, complaint_id)
        if sender == Message.Party.PROVIDER or audience in (Message.Audience.PROVIDER, Message.Audience.ALL):
            _require_consent(complaint, _("een bericht met de zorgaanbieder"))
        message = Message.objects.create(
            complaint=complaint,
            sender=sender,
            sender_user_id=accessor.user_id,
            sender_label=actor_fields(accessor)["actor_label"],
            audience=audience,
            body=body,
            sent_at=timezone.now(),
        )
        timeline_add(
            complaint=complaint,
            kind="message",
            visibility=AUDIENCE_TIMELINE[audience],
            data={"message_id": message.pk, "sender": sender, "audience": audience},
            **actor_fields(accessor),
        )
        access_log_change(
            provider=provider,
            accessor=accessor,
            complaint=complaint,
            subject="message",
            detail=f"message {message.pk}",
        )
        if sender == Message.Party.STAFF and audience in (Message.Audience.COMPLAINANT, Message.Audience.ALL):
            first_contact_record(provider=provider, complaint=complaint)
        outbox_enqueue(
            task_name="casework.tasks_procedures.send_message_notifications",
            kwargs={"message_id": message.pk},
        )
    return message
