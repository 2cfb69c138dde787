"""Consent to share with the provider, and the move to the formal track."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.consent.receipt import formal_receipt_entry, formal_start
from casework.consent.wording import consent_wording
from casework.dossier.access_log import Accessor, access_log_change
from casework.dossier.locking import case_lock
from casework.dossier.services import index_sync, timeline_add
from casework.index.models import Consent, Track
from casework.models import Complaint, ConsentRecord
from reference.dates import today_amsterdam
from tenants.clusters import schema_context
from tenants.models import Provider


def consent_record(
    *,
    provider: Provider,
    complaint_id: int,
    decision: str,
    via: str,
    language: str,
    accessor: Accessor,
    actor_user_id: int | None = None,
    on_behalf_of_complainant: bool = False,
    today: datetime.date | None = None,
) -> Complaint:
    """Record a consent decision with the wording shown; dossier, index and access log change together.

    Withdrawing is only possible after consent was given; giving consent on a
    case that asked for the formal track starts the statutory clock on the later
    of the day the written complaint arrived and the day consent came (today).
    """
    if decision not in (Consent.GIVEN, Consent.REFUSED, Consent.WITHDRAWN):
        raise ValidationError(_("Onbekende keuze voor toestemming."), code="invalid")
    with schema_context(provider.schema_name), transaction.atomic():
        _case, complaint = case_lock(provider=provider, complaint_id=complaint_id)
        if decision == Consent.WITHDRAWN and complaint.consent != Consent.GIVEN:
            raise ValidationError(_("Er is geen toestemming om in te trekken."), code="not_given")
        if decision == complaint.consent:
            return complaint
        now = timezone.now()
        ConsentRecord.objects.create(
            complaint=complaint,
            decision=decision,
            wording=consent_wording(language),
            wording_language=language,
            recorded_at=now,
            recorded_by_user_id=actor_user_id,
            recorded_via=via,
            on_behalf_of_complainant=on_behalf_of_complainant,
        )
        complaint.consent = decision
        fields = ["consent"]
        receipt = None
        if (
            decision == Consent.GIVEN
            and complaint.track == Track.FORMAL
            and complaint.formal_received_on is None
        ):
            consent_on = today or today_amsterdam()
            received_on = timezone.localdate(complaint.received_at)
            complaint.formal_received_on = formal_start(received_on=received_on, consent_on=consent_on)
            fields.append("formal_received_on")
            receipt = formal_receipt_entry(
                complaint=complaint,
                basis="consent" if consent_on > received_on else "submission",
                actor_user_id=actor_user_id,
                channel=via,
                received_on=received_on,
                consent_on=consent_on,
            )
        complaint.save(update_fields=fields)
        timeline_add(
            complaint=complaint,
            kind=f"consent_{decision}",
            actor_user_id=actor_user_id,
        )
        if receipt is not None:
            receipt.at = timezone.now()
            receipt.save()
        index_sync(complaint=complaint, provider=provider)
        access_log_change(
            provider=provider, accessor=accessor, complaint=complaint, subject="consent", detail=decision
        )
    return complaint


def complaint_make_formal(
    *, provider: Provider, complaint_id: int, accessor: Accessor, actor_user_id: int | None = None
) -> Complaint:
    """Move an informal complaint to the formal track (one way).

    The receipt date, from which the statutory deadline runs, is today, or the
    day consent is given if that comes later.
    """
    with schema_context(provider.schema_name), transaction.atomic():
        _case, complaint = case_lock(provider=provider, complaint_id=complaint_id)
        if complaint.track == Track.FORMAL:
            return complaint
        complaint.track = Track.FORMAL
        fields = ["track"]
        receipt = None
        if complaint.consent == Consent.GIVEN and complaint.formal_received_on is None:
            complaint.formal_received_on = today_amsterdam()
            fields.append("formal_received_on")
            receipt = formal_receipt_entry(
                complaint=complaint, basis="track_formal", actor_user_id=actor_user_id
            )
        complaint.save(update_fields=fields)
        if receipt is not None:
            receipt.save()
        timeline_add(
            complaint=complaint,
            kind="track_formal",
            actor_user_id=actor_user_id,
            data={"formal_received_on": str(complaint.formal_received_on or "")},
        )
        index_sync(complaint=complaint, provider=provider)
        access_log_change(provider=provider, accessor=accessor, complaint=complaint, subject="track")
    return complaint
