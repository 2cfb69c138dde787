"""Retention: closed dossiers past the provider's retention period become anonymous figures.

Once a case has been closed for longer than ``Provider.retention_years``
(default 5), its dossier is deleted: parties, texts, consent records, follow
links, timeline, decisions and extensions, and the attachment files on disk.
What stays is one ``CaseStatistic`` row in the provider's schema (category,
law, channel, track, service, outcome, months instead of dates, handling
time, whether the decision came in time) and the case-index row, which
loses its link to the complainant's account.

``retention_run`` is the central periodic job: one query lists the
providers, and one task per provider (its schema stamped through the outbox)
reduces the dossiers due (found in the case index), one transaction per
dossier, each logged as a deletion in the provider's access log, and removes
access-log entries older than the 5 years the log is kept
(``access_log_purge_older_than``, the only path allowed to).
"""

from __future__ import annotations

import contextlib
import datetime
import os

import structlog
from django.db import models, transaction
from django.db.models import F, Func, Value
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from casework.dossier.access_log import SYSTEM, Accessor, access_log_purge_older_than, access_log_record
from casework.index.models import CaseIndex, CaseStatus, PostalLetter
from casework.models import AccessLogEntry, Attachment, CaseRecord, CaseStatistic, Complaint, Letter
from outbox.services import outbox_enqueue
from tenants.clusters import schema_context
from tenants.models import Provider
from tenants.tenancy import require_tenant_schema

log = structlog.get_logger(__name__)


class _YearsInterval(Func):
    """PostgreSQL ``make_interval(years => n)``: calendar years, not 365-day blocks."""

    function = "make_interval"
    template = "%(function)s(years => %(expressions)s)"
    output_field = models.DurationField()


def retention_due(*, now: datetime.datetime) -> models.QuerySet[CaseIndex]:
    """Closed, not yet reduced cases whose provider's retention period has run out at ``now``."""
    return CaseIndex.objects.filter(
        status=CaseStatus.CLOSED,
        reduced_at__isnull=True,
        closed_at__isnull=False,
        closed_at__lt=Value(now, output_field=models.DateTimeField())
        - _YearsInterval(F("provider__retention_years")),
    )


def retention_run(*, now: datetime.datetime | None = None) -> int:
    """Fan out: one task per provider (one query for the list); returns how many providers."""
    now = now or timezone.now()
    providers = list(
        Provider.objects.exclude(schema_name=get_public_schema_name()).values_list("schema_name", flat=True)
    )
    with transaction.atomic():
        for schema_name in providers:
            outbox_enqueue(
                task_name="casework.tasks_closing.retention_reduce_tenant",
                kwargs={"now": now.isoformat()},
                schema_name=schema_name,
            )
    log.info("retention_fanned_out", providers=len(providers))
    return len(providers)


def _month(day: datetime.date | None) -> datetime.date | None:
    return day.replace(day=1) if day else None


def retention_reduce_provider(*, provider: Provider, now: datetime.datetime) -> int:
    """Reduce every dossier of ``provider`` that is due at ``now``, purge the old access log.

    Returns how many dossiers were reduced.
    """
    with schema_context(provider.schema_name):
        require_tenant_schema()
        due = list(retention_due(now=now).filter(provider=provider).values_list("pk", flat=True))
        reduced = 0
        for case_pk in due:
            reduced += dossier_reduce(provider=provider, case_pk=case_pk, now=now)
        access_log_purge_older_than(provider=provider, now=now)
    log.info("retention_reduced", schema=provider.schema_name, dossiers=reduced)
    return reduced


def _remove_empty_folder(storage: object, name: str) -> None:
    # Not empty, never made, or a storage without folders: leave it.
    with contextlib.suppress(OSError, NotImplementedError, AttributeError):
        os.rmdir(storage.path(name))  # type: ignore[attr-defined]


def dossier_reduce(*, provider: Provider, case_pk: int, now: datetime.datetime) -> int:
    """Delete one closed dossier and keep its anonymous figures; 1 if reduced, 0 if not (any more) due.

    One transaction: the statistic, the deletion of the dossier and
    everything under it, and the case-index row. The attachment files go
    last, inside it: if removing one fails the deletion rolls back and the
    next run tries again, so no dossier is left half-deleted in the database.
    """
    with schema_context(provider.schema_name), transaction.atomic():
        case = retention_due(now=now).select_for_update(of=("self",)).filter(pk=case_pk).first()
        if case is None:
            return 0
        files = dossier_reduce_locked(
            provider=provider,
            case=case,
            now=now,
            accessor=SYSTEM,
            detail="Bewaartermijn verstreken: dossier verwijderd, anonieme cijfers bewaard",
        )
    log.info("dossier_reduced", reference=case.reference, schema=provider.schema_name, files=files)
    return 1


def dossier_reduce_locked(
    *, provider: Provider, case: CaseIndex, now: datetime.datetime, accessor: Accessor, detail: str
) -> int:
    """Reduce the dossier behind ``case`` (its index row, already locked) to its anonymous figures.

    Call inside the caller's transaction and the provider's schema: the
    statistic, the deletion of the dossier and everything under it, its
    postal-letter rows, the deletion's access-log row by ``accessor``, the
    index row's unlinking, then the files (attachments, letters, records) on
    disk. Returns how many files were removed. Shared by the retention job and
    the complainant's own erasure request (casework.datarights).
    """
    # The one lock order (casework.dossier.locking.case_lock): the index row (locked by the
    # caller), then the dossier; here the dossier may already be gone, so it is looked up.
    complaint = Complaint.objects.select_for_update().filter(pk=case.case_id).first()
    files: list[str] = []
    if complaint is not None:
        received = timezone.localdate(complaint.received_at)
        closed = timezone.localdate(case.closed_at or complaint.closed_at or now)
        CaseStatistic.objects.create(
            category_code=case.category_code,
            law=complaint.law,
            channel=complaint.channel,
            track=complaint.track,
            service=case.service,
            outcome=case.outcome or complaint.outcome,
            received_month=_month(received),
            formal_received_month=_month(complaint.formal_received_on),
            closed_month=_month(closed),
            handling_days=max((closed - received).days, 0),
            decision_in_time=(case.decided_on <= case.deadline)
            if case.decided_on and case.deadline
            else None,
            reduced_month=_month(timezone.localdate(now)),
        )
        files = dossier_files(complaint)
        complaint.delete()
    PostalLetter.objects.filter(case=case).delete()
    access_log_record(
        provider=provider,
        event=AccessLogEntry.Event.DELETE,
        accessor=accessor,
        case_id=case.case_id,
        reference=case.reference,
        detail=detail,
        at=now,
    )
    case.complainant_user = None
    case.reduced_at = now
    case.save(update_fields=["complainant_user", "reduced_at", "updated_at"])
    storage = Attachment._meta.get_field("file").storage
    for name in files:
        storage.delete(name)
    if complaint is not None:
        for folder in ("letters", "records", ""):
            _remove_empty_folder(storage, f"complaints/{case.case_id}/{folder}".rstrip("/"))
    return len(files)


def dossier_files(complaint: Complaint) -> list[str]:
    """The stored files of a dossier: attachments, letters and the case work's documents."""
    return [
        name
        for model in (Attachment, Letter, CaseRecord)
        for name in model.objects.filter(complaint=complaint).values_list("file", flat=True)
        if name
    ]
