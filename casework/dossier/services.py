"""The dossier's own bookkeeping, used by every action: the timeline, the case-index row
that mirrors the dossier (written in the same transaction), and follow links.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

import structlog
from django.utils import timezone

from casework.dossier.access_log import AccessChannel, Accessor
from casework.index.models import CaseIndex
from casework.models import Complaint, FollowLink, TimelineEntry
from reference.dates import AMSTERDAM
from reference.deadline_rules import complaint_deadline, first_contact_due
from tenants.models import Provider

log = structlog.get_logger(__name__)


FOLLOW_LINK_LIFETIME = datetime.timedelta(days=365)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def follow_link_create(*, complaint: Complaint, now: datetime.datetime | None = None) -> str:
    """Make a secure link token (256 bits); only its hash is stored. Returns the token."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    FollowLink.objects.create(
        complaint=complaint,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + FOLLOW_LINK_LIFETIME,
    )
    return token


def index_sync(
    *, complaint: Complaint, provider: Provider, created: bool = False, **extra: object
) -> CaseIndex:
    """Write the case-index row for ``complaint`` (call inside the dossier's transaction).

    ``created``: the dossier is new in this transaction, so its row is inserted
    without first looking for one.
    """
    values = {
        "reference": complaint.reference,
        "category_code": complaint.category.code if complaint.category_id else "",
        "sector": provider.sector,
        "channel": complaint.channel,
        "status": complaint.status,
        "track": complaint.track,
        "consent": complaint.consent,
        "law": complaint.law,
        "received_at": complaint.received_at,
        "formal_received_on": complaint.formal_received_on,
        "deadline": complaint_deadline(complaint),
        "language": complaint.language,
        "region": complaint.complainant_postcode[:2] if complaint.complainant_postcode[:2].isdigit() else "",
        "complainant_user_id": complaint.complainant_user_id,
        **extra,
    }
    # The first-contact target is set when the row is made, never on a later sync: every
    # complaint is received by intake, whichever service takes it later, and a row made
    # before targets were kept gets none (its first contact was never recorded).
    on_creation = {
        **values,
        "first_contact_due": first_contact_due(complaint.received_at.astimezone(AMSTERDAM).date(), "intake"),
    }
    if created:
        return CaseIndex.objects.create(provider=provider, case_id=complaint.pk, **on_creation)
    row, _ = CaseIndex.objects.update_or_create(
        provider=provider, case_id=complaint.pk, defaults=values, create_defaults=on_creation
    )
    return row


def first_contact_record(*, provider: Provider, complaint: Complaint) -> bool:
    """Record the first contact with the complainant, only the first time (inside the action's transaction).

    The intake call or the first message to the complainant keeps the promise
    of the acknowledgement; a later one changes nothing. True if this was it.
    """
    return bool(
        CaseIndex.objects.filter(
            provider=provider, case_id=complaint.pk, first_contact_at__isnull=True
        ).update(first_contact_at=timezone.now())
    )


def actor_fields(actor: Accessor | Any) -> dict[str, Any]:
    """Who a timeline entry names as its actor: ``actor_user_id`` and ``actor_label``.

    ``actor`` is the ``Accessor`` of the action (a provider's member is named
    with their organisation) or the acting user (``None``: nobody).
    """
    if isinstance(actor, Accessor):
        label = actor.user_label
        if actor.organisation and actor.channel == AccessChannel.PROVIDER:
            label = f"{label} ({actor.organisation})"
        return {"actor_user_id": actor.user_id, "actor_label": label[:120]}
    return {"actor_user_id": getattr(actor, "pk", None), "actor_label": str(actor)[:120] if actor else ""}


def timeline_entry(
    *,
    complaint: Complaint,
    kind: str,
    summary: str = "",
    actor_user_id: int | None = None,
    actor_label: str = "",
    visibility: str = TimelineEntry.Visibility.ALL,
    data: dict | None = None,
) -> TimelineEntry:
    """An unsaved timeline entry (for ``bulk_create``); ``timeline_add`` saves one at once.

    An entry is an event: ``kind`` (registered in ``casework.dossier.events``) and
    ``data`` (codes, ISO dates, numbers, people's own words), rendered in the
    reader's language when shown. ``summary`` is only for text of a kind that is
    not registered: it is shown as it was written, as a note.
    """
    return TimelineEntry(
        complaint=complaint,
        at=timezone.now(),
        kind=kind,
        summary=summary,
        actor_user_id=actor_user_id,
        actor_label=actor_label,
        visibility=visibility,
        data=data or {},
    )


def timeline_add(
    *,
    complaint: Complaint,
    kind: str,
    summary: str = "",
    actor_user_id: int | None = None,
    actor_label: str = "",
    visibility: str = TimelineEntry.Visibility.ALL,
    data: dict | None = None,
) -> TimelineEntry:
    """Add an event to the complaint's timeline (inside the action's transaction); see ``timeline_entry``.

    A new kind is registered in ``casework.dossier.events.EVENTS`` with its message, and the
    call passes the facts: ``timeline_add(complaint=c, kind="routed", data={"service": "officer"})``.
    """
    entry = timeline_entry(
        complaint=complaint,
        kind=kind,
        summary=summary,
        actor_user_id=actor_user_id,
        actor_label=actor_label,
        visibility=visibility,
        data=data,
    )
    entry.save()
    return entry
