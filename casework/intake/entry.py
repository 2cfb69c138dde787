"""The coordinator enters a complaint that came in by phone, letter or e-mail."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import structlog
from django.utils import timezone

from casework.dossier.access_log import Accessor
from casework.dossier.attachments import CheckedFile
from casework.dossier.services import follow_link_create
from casework.index.models import Channel
from casework.intake.services import ComplaintSubmission, complaint_submit
from casework.models import Complaint
from reference.dates import today_amsterdam
from reference.deadline_rules import complaint_deadline
from tenants.clusters import schema_context
from tenants.models import Provider

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class EntryResult:
    complaint: Complaint
    follow_token: str
    deadline: datetime.date | None
    created: bool


def received_at_for(day: datetime.date, today: datetime.date | None = None) -> datetime.datetime:
    """When a complaint received on ``day`` counts as received: now for today, else midday."""
    if day >= (today or today_amsterdam()):
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))


def coordinator_complaint_enter(
    *,
    provider: Provider,
    submission: ComplaintSubmission,
    channel: str,
    received_on: datetime.date,
    coordinator_id: int,
    form_key: str,
    accessor: Accessor,
    attachments: list[CheckedFile] | tuple[CheckedFile, ...] = (),
    today: datetime.date | None = None,
) -> EntryResult:
    """Record a complaint received by phone, letter or e-mail on the complainant's behalf.

    Always returns a follow link to pass on: the one made with the complaint,
    or a fresh one when the same form is submitted again (the first link was
    shown once and is kept only as a hash).

    ``received_on`` is the day the complaint arrived (the postmark of the letter's
    arrival, the e-mail's date): with consent in it, the statutory clock runs from
    that day, not from the day it was entered.
    """
    if channel not in (Channel.PHONE, Channel.LETTER, Channel.EMAIL):
        raise ValueError(f"not a coordinator channel: {channel}")
    result = complaint_submit(
        provider=provider,
        submission=submission,
        channel=channel,
        accessor=accessor,
        attachments=attachments,
        idempotency_key=f"entry:{coordinator_id}:{form_key}",
        entered_by_user_id=coordinator_id,
        received_at=received_at_for(received_on, today),
    )
    token = result.follow_token
    if token is None:
        with schema_context(provider.schema_name):
            token = follow_link_create(complaint=result.complaint)
    return EntryResult(
        complaint=result.complaint,
        follow_token=token,
        deadline=complaint_deadline(result.complaint),
        created=result.created,
    )
