"""A provider at contract end (AVG art. 28(3)(g)): an export of its whole tenant, then a verified deletion.

**Export.** ``tenant_export_request`` records the request and the access-log line in one
transaction and queues ``tenant_export_task`` (outbox). ``tenant_export_build`` makes one
archive (``.tar.gz``) in ``TENANT_EXPORT_ROOT/<schema>/``:

- ``backup/``: a backup of what the provider may see (``provider_copy.provider_backup``:
  ``pg_dump`` of a filtered copy of the schema, the attachments, the backup's own manifest):
  the dossiers shared with it and the access log, without the dossiers the complainant did not
  agree to share or the confidant's notes (DESIGN.md section 3); ``manage.py tenant_restore``
  loads it back;
- ``toegangslog.csv``: the access log as the admin's access-log page shows it;
- ``jaarverslagen/``: the annual report of every year, as PDF and CSV;
- ``manifest.json``: the organisation, every table with its row count, every file with its
  SHA-256, and what was left out (counts and why, never content); ``SHA256SUMS``: the
  checksum of every file, the manifest included (``sha256sum -c``).

**Deletion.** ``tenant_deletion_request`` (after an export) starts the confirmation period
(``TENANT_DELETION_CONFIRMATION_DAYS``); the admin may withdraw it until then. ``tenant_delete``
then cancels the Stripe subscription, removes the attachments and export folders, the schema
(``DROP SCHEMA ... CASCADE``), the provider's case-index, outbox and cache entries, its domains,
memberships, keys and every other public row that names it, except the invoices, logged hours
and membership that tax law keeps (7 years): those stay on the provider's row, kept as a
tombstone (``deleted_at``; in no list, search or routing). It checks that each is gone and
writes a ``DeletionCertificate`` in the public schema with counts, checksums and the checks, but
no personal data.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import tarfile
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import connection, models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from billing.memberships import MembershipError, membership_end_now
from billing.models import Invoice
from casework.dossier.access_log import Accessor, Event, access_log_record
from casework.dossier.access_log_csv import access_log_csv_write
from casework.dossier.backup import file_digests, media_folder, schema_tables, table_figures
from casework.index.models import CaseIndex
from casework.models import AccessLogEntry, TenantExport
from casework.reports.annual import PRIVACY_NOTE, annual_report, report_years
from casework.reports.exports import sections_file
from casework.reports.pdf import annual_report_pdf
from casework.reports.tenant_exit.provider_copy import provider_backup
from casework.timesheets.models import TimeEntry
from outbox.models import OutboxMessage
from outbox.services import outbox_enqueue
from tenants.clusters import schema_context
from tenants.models import (
    DeletionCertificate,
    Domain,
    Provider,
    ProviderApiKey,
    ProviderDeletionRequest,
    ProviderMembership,
)

log = structlog.get_logger(__name__)

EXPORT_FORMAT = 1
EXPORT_TASK = "casework.reports.tenant_exit.tasks.tenant_export_task"
CERTIFICATE_TASK = "casework.reports.tenant_exit.tasks.send_deletion_certificate"
SUMS = "SHA256SUMS"
# A pending export older than this lost its worker: it is marked failed and a new one may start.
EXPORT_STALE_AFTER = datetime.timedelta(hours=6)


class TenantExitError(Exception):
    """The export or deletion cannot go ahead; the message is a code the page explains."""


def export_folder(schema_name: str) -> Path:
    """Where ``schema_name``'s export archives lie (apart from its attachments)."""
    return Path(settings.TENANT_EXPORT_ROOT) / schema_name


def export_path(provider: Provider, export: TenantExport) -> Path:
    return export_folder(provider.schema_name) / export.archive_name


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- Export -------------------------------------------------------------------------------


def tenant_export_request(*, provider: Provider, accessor: Accessor) -> TenantExport:
    """Queue an export of ``provider``'s tenant; one at a time (a pending one is returned as is,
    unless it is older than ``EXPORT_STALE_AFTER``: then it failed and a new one is queued).

    The request, its access-log line and the outbox row commit together.
    """
    with transaction.atomic(), schema_context(provider.schema_name):
        TenantExport.objects.filter(
            status=TenantExport.Status.PENDING, requested_at__lt=timezone.now() - EXPORT_STALE_AFTER
        ).update(status=TenantExport.Status.FAILED, finished_at=timezone.now())
        pending = TenantExport.objects.select_for_update().filter(status=TenantExport.Status.PENDING).first()
        if pending is not None:
            return pending
        export = TenantExport.objects.create(
            requested_at=timezone.now(), requested_by_user_id=accessor.user_id
        )
        access_log_record(
            provider=provider,
            event=Event.EXPORT,
            accessor=accessor,
            subject="tenant_export",
            detail=f"export {export.pk} requested",
        )
        outbox_enqueue(
            task_name=EXPORT_TASK,
            kwargs={"provider_id": provider.pk, "export_id": export.pk},
            schema_name=provider.schema_name,
        )
    return export


def _annual_reports(provider: Provider, folder: Path) -> None:
    folder.mkdir()
    for year in report_years(provider=provider):
        report = annual_report(provider=provider, year=year)
        (folder / f"klachtenjaarverslag-{year}.pdf").write_bytes(annual_report_pdf(report))
        title = [
            _("Klachtenjaarverslag %(year)s") % {"year": year},
            provider.name,
            str(PRIVACY_NOTE),
        ]
        content, _type = sections_file(fmt="csv", title=title, sections=report.sections)
        (folder / f"klachtenjaarverslag-{year}.csv").write_bytes(content)


def _write_manifest(
    provider: Provider, root: Path, tables: dict[str, dict[str, Any]], left_out: dict[str, Any]
) -> dict[str, Any]:
    manifest = {
        "format": EXPORT_FORMAT,
        "made_at": timezone.now().isoformat(),
        "organisation": {"name": provider.name, "kvk_number": provider.kvk_number, "slug": provider.slug},
        "schema": provider.schema_name,
        "tables": {table: figure["rows"] for table, figure in sorted(tables.items())},
        "files": file_digests(root),
        "restore": "manage.py tenant_restore backup/",
        # What the provider may not see is not in the export: counted here, with why.
        "left_out": left_out,
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    sums = file_digests(root)
    (root / SUMS).write_text("".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items())))
    return manifest


def tenant_export_build(*, provider: Provider, export_id: int) -> TenantExport:
    """Make the archive of a queued export (see the module docstring); safe to run twice."""
    with schema_context(provider.schema_name):
        export = TenantExport.objects.get(pk=export_id)
    if export.status == TenantExport.Status.READY:
        return export
    folder = export_folder(provider.schema_name)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"klachtpunt-export-{provider.slug}-{timezone.localdate():%Y%m%d}-{uuid.uuid4().hex[:8]}"
    try:
        with tempfile.TemporaryDirectory(dir=folder) as work, translation.override(settings.LANGUAGE_CODE):
            root = Path(work) / name
            backup, left_out = provider_backup(provider=provider, target=root / "backup")
            with schema_context(provider.schema_name):
                entries = AccessLogEntry.objects.order_by("at", "pk").iterator(chunk_size=500)
                with (root / "toegangslog.csv").open("w", encoding="utf-8", newline="") as out:
                    access_log_csv_write(out, provider=provider, entries=entries)
            _annual_reports(provider, root / "jaarverslagen")
            manifest = _write_manifest(provider, root, backup["tables"], left_out)
            partial = folder / f"{name}.tar.gz.part"
            with tarfile.open(partial, "w:gz") as archive:
                archive.add(root, arcname=name)
            archive_path = partial.with_suffix("")
            partial.rename(archive_path)
    except Exception:
        with schema_context(provider.schema_name):
            TenantExport.objects.filter(pk=export_id).update(
                status=TenantExport.Status.FAILED, finished_at=timezone.now()
            )
        log.exception("tenant_export_failed", schema=provider.schema_name, export_id=export_id)
        raise
    with schema_context(provider.schema_name):
        TenantExport.objects.filter(pk=export_id).update(
            status=TenantExport.Status.READY,
            finished_at=timezone.now(),
            archive_name=archive_path.name,
            size=archive_path.stat().st_size,
            sha256=_sha256(archive_path),
            manifest={
                "tables": manifest["tables"],
                "files": manifest["files"],
                "left_out": left_out["counts"],
            },
        )
        export.refresh_from_db()
    log.info("tenant_export_ready", schema=provider.schema_name, export_id=export_id, size=export.size)
    return export


def latest_export(provider: Provider) -> TenantExport | None:
    """The newest export of ``provider`` that is ready to download."""
    with schema_context(provider.schema_name):
        return TenantExport.objects.filter(status=TenantExport.Status.READY).first()


def exports_of(provider: Provider) -> list[TenantExport]:
    with schema_context(provider.schema_name):
        return list(TenantExport.objects.all()[:10])


# --- Deletion -----------------------------------------------------------------------------


def deletion_due_at(request: ProviderDeletionRequest) -> datetime.datetime:
    return request.requested_at + datetime.timedelta(days=settings.TENANT_DELETION_CONFIRMATION_DAYS)


def tenant_deletion_request(*, provider: Provider, user: User) -> ProviderDeletionRequest:
    """Start the confirmation period for deleting ``provider``; needs a ready export (its checksum
    goes on the certificate). Asking again keeps the first request."""
    export = latest_export(provider)
    if export is None:
        raise TenantExitError("no_export")
    request, _created = ProviderDeletionRequest.objects.get_or_create(
        provider=provider,
        defaults={
            "requested_at": timezone.now(),
            "requested_by": user,
            "export_id": export.pk,
            "export_sha256": export.sha256,
        },
    )
    log.info(
        "tenant_deletion_requested", schema=provider.schema_name, due=deletion_due_at(request).isoformat()
    )
    return request


def tenant_deletion_withdraw(*, provider: Provider) -> bool:
    """Withdraw ``provider``'s deletion request; False when there was none."""
    deleted, _rows = ProviderDeletionRequest.objects.filter(provider=provider).delete()
    return bool(deleted)


def schema_cache_keys(schema_name: str, *, delete: bool) -> int:
    """The cache entries that belong to ``schema_name`` (keys carry the schema: klachtpunt.cache),
    counted, or deleted when ``delete``."""
    with schema_context(schema_name):
        prefix = cache.make_key("")
    backend = cache._cache if hasattr(cache, "_cache") else None
    if isinstance(backend, dict):  # LocMemCache (tests)
        keys = [key for key in list(backend) if key.startswith(prefix)]
        if delete:
            with cache._lock:  # type: ignore[attr-defined]
                for key in keys:
                    cache._delete(key)  # type: ignore[attr-defined]
        return len(keys)
    if hasattr(cache, "_table"):  # DatabaseCache
        table = connection.ops.quote_name(cache._table)
        verb = "DELETE FROM" if delete else "SELECT 1 FROM"
        with connection.cursor() as cursor:
            # The table name is our setting, quoted; the prefix is a parameter.
            cursor.execute(f"{verb} {table} WHERE left(cache_key, %s) = %s", [len(prefix), prefix])
            return int(cursor.rowcount)
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]  # RedisCache
    keys = list(client.scan_iter(match=prefix + "*"))
    if delete and keys:
        client.delete(*keys)
    return len(keys)


def _schema_exists(schema_name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", [schema_name])
        return cursor.fetchone() is not None


def _certificate_digest(fields: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class DeletionCounts:
    tables: dict[str, int]
    files: int
    exports: int


def _counts(schema: str) -> DeletionCounts:
    return DeletionCounts(
        tables={table: figure["rows"] for table, figure in table_figures(schema).items()},
        files=len(file_digests(media_folder(schema))),
        exports=len(file_digests(export_folder(schema))),
    )


# Rows that name the provider and stay when it is deleted: the invoices and logged hours (tax
# law keeps them 7 years; they hold references, minutes, amounts and dates, no personal data)
# and the membership (cancelled, the contract behind the invoices). Every other row that names
# the provider goes with it.
KEPT_WITH_TOMBSTONE = ("billing.Invoice", "timesheets.TimeEntry", "billing.Membership")


def _held_by(provider: Provider) -> list[str]:
    """Models outside ``KEPT_WITH_TOMBSTONE`` whose rows protect ``provider`` from deletion."""
    return sorted(
        relation.related_model._meta.label
        for relation in Provider._meta.related_objects
        if relation.on_delete not in (models.CASCADE, models.SET_NULL)
        and relation.related_model._meta.label not in KEPT_WITH_TOMBSTONE
        and relation.related_model._base_manager.filter(**{relation.field.name: provider.pk}).exists()
    )


def _provider_rows_remove(provider: Provider) -> dict[str, int]:
    """Remove or unlink every public-schema row that names ``provider``, except the kept ones.

    Generic over ``Provider``'s relations, so a new one is covered: CASCADE rows are deleted
    (with what cascades from them: a case-index row's time entries lose their case), SET_NULL
    ones unlinked as declared; a PROTECT relation outside ``KEPT_WITH_TOMBSTONE`` refuses.
    """
    removed: dict[str, int] = {}
    for relation in Provider._meta.related_objects:
        model = relation.related_model
        label = model._meta.label
        if label in KEPT_WITH_TOMBSTONE:
            continue
        rows = model._base_manager.filter(**{relation.field.name: provider.pk})
        if relation.on_delete is models.CASCADE:
            count, _by_model = rows.delete()
        elif relation.on_delete is models.SET_NULL:
            count = rows.update(**{relation.field.name: None})
        elif rows.exists():
            raise TenantExitError(f"held_by:{label}")
        else:
            count = 0
        removed[label] = count
    return removed


def tenant_delete(
    *, provider: Provider, verifier: str, now: datetime.datetime | None = None
) -> DeletionCertificate:
    """Delete ``provider``'s data once its confirmation period has passed, check it is gone, and
    return the certificate (public schema, no personal data).

    Refused (nothing removed) before the period ends. Its Stripe subscription is cancelled
    first (a failure refuses: it runs again tomorrow). Then the files go, and, in one
    transaction: the schema (``DROP SCHEMA ... CASCADE``), the case-index rows (the kept time
    entries lose their case, not their reference), the domains (the host no longer resolves),
    memberships, keys, widget settings, login links and every other row naming the provider
    (``_provider_rows_remove``), the outbox rows and the cache entries; the provider's row
    stays as a tombstone (``deleted_at``, slug and schema name freed) for the invoices and
    logged hours kept by tax law. Then the checks and the certificate: a failing check rolls the
    database part back and the task runs again.
    """
    now = now or timezone.now()
    request = ProviderDeletionRequest.objects.filter(provider=provider).first()
    if request is None:
        raise TenantExitError("not_requested")
    if deletion_due_at(request) > now:
        raise TenantExitError("not_due")
    schema = provider.schema_name
    if not schema.startswith("p_") or schema != Provider.schema_name_for(provider.slug):
        raise TenantExitError("not_a_provider_schema")
    held = _held_by(provider)
    if held:
        raise TenantExitError(f"held_by:{','.join(held)}")
    try:
        stripe_subscription = membership_end_now(provider=provider)
    except MembershipError as error:
        raise TenantExitError(f"stripe:{error}") from error

    counts = _counts(schema) if _schema_exists(schema) else DeletionCounts(tables={}, files=0, exports=0)
    for folder in (media_folder(schema), export_folder(schema)):
        shutil.rmtree(folder, ignore_errors=True)

    with transaction.atomic():
        provider_id = provider.pk
        notify_user_id = request.requested_by_id
        facts = {
            "provider_id_then": provider_id,
            "organisation": provider.name,
            "kvk_number": provider.kvk_number,
            "schema_name": schema,
            "requested_at": request.requested_at,
            "export_sha256": request.export_sha256,
        }
        index_rows = CaseIndex.every_kind.filter(provider=provider).count()
        OutboxMessage.objects.filter(schema_name=schema).delete()
        with connection.cursor() as cursor:
            # The name is checked above (p_ + the validated slug), quoted: not user input.
            cursor.execute("DROP SCHEMA IF EXISTS " + connection.ops.quote_name(schema) + " CASCADE")
        removed = _provider_rows_remove(provider)
        # The tombstone: an organisation's name and KvK number for the invoices, nothing else;
        # its slug and schema name are free again (a restore of the export may use them).
        Provider.all_objects.filter(pk=provider_id).update(
            deleted_at=timezone.now(),
            slug=f"verwijderd-{provider_id}",
            schema_name=f"deleted_{provider_id}",
            services=[],
        )
        cache_keys = schema_cache_keys(schema, delete=True)
        kept_entries = TimeEntry.objects.filter(provider_id=provider_id)
        checks = {
            "schema_absent": not _schema_exists(schema),
            "tables_absent": not schema_tables(schema),
            "attachments_folder_absent": not media_folder(schema).exists(),
            "export_folder_absent": not export_folder(schema).exists(),
            "provider_in_no_list": not Provider.objects.filter(pk=provider_id).exists(),
            "domains_absent": not Domain.objects.filter(tenant_id=provider_id).exists(),
            "memberships_absent": not ProviderMembership.objects.filter(provider_id=provider_id).exists(),
            "api_keys_absent": not ProviderApiKey.objects.filter(provider_id=provider_id).exists(),
            "case_index_rows_absent": not CaseIndex.every_kind.filter(provider_id=provider_id).exists(),
            "time_entries_without_case": not kept_entries.filter(case__isnull=False).exists(),
            "outbox_rows_absent": not OutboxMessage.objects.filter(schema_name=schema).exists(),
            "cache_keys_absent": schema_cache_keys(schema, delete=False) == 0,
        }
        if not all(checks.values()):
            failed = sorted(name for name, ok in checks.items() if not ok)
            raise TenantExitError(f"verification_failed:{','.join(failed)}")
        fields = {
            **facts,
            "deleted_at": timezone.now(),
            "counts": {
                "tables": counts.tables,
                "rows": sum(counts.tables.values()),
                "files": counts.files,
                "export_files": counts.exports,
                "case_index_rows": index_rows,
                "cache_keys": cache_keys,
                "public_rows_removed": {label: n for label, n in sorted(removed.items()) if n},
                # Kept by tax law (7 years), on the provider's tombstone: no personal data.
                "kept_invoices": Invoice.objects.filter(provider_id=provider_id).count(),
                "kept_time_entries": kept_entries.count(),
                "stripe_subscription": stripe_subscription,
            },
            "checks": checks,
            "verifier": verifier[:100],
        }
        certificate = DeletionCertificate.objects.create(**fields, digest=_certificate_digest(fields))
        if notify_user_id is not None:
            outbox_enqueue(
                task_name=CERTIFICATE_TASK,
                kwargs={"certificate_id": certificate.pk, "user_id": notify_user_id},
                schema_name="public",
            )
    log.info("tenant_deleted", schema=schema, certificate_id=certificate.pk)
    return certificate


def deletion_certificate_send(*, certificate_id: int, user_id: int) -> int:
    """E-mail the certificate to the admin who asked for the deletion, once; returns the mails sent.

    The address is read from the account now and is not kept with the certificate.
    """
    with transaction.atomic():
        certificate = DeletionCertificate.objects.select_for_update().get(pk=certificate_id)
        if certificate.sent_at is not None:
            return 0
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is not None:
            context = {"certificate": certificate}
            with translation.override(user.preferred_language or "nl"):
                subject = render_to_string("casework/email/deletion_certificate_subject.txt", context).strip()
                body = render_to_string("casework/email/deletion_certificate_body.txt", context)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        certificate.sent_at = timezone.now()
        certificate.save(update_fields=["sent_at"])
    return 0 if user is None else 1


def tenant_deletions_run(*, verifier: str, now: datetime.datetime | None = None) -> list[DeletionCertificate]:
    """Delete every provider whose confirmation period has passed; one failure does not stop the others."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.TENANT_DELETION_CONFIRMATION_DAYS)
    done = []
    for request in ProviderDeletionRequest.objects.filter(requested_at__lte=cutoff).select_related(
        "provider"
    ):
        try:
            done.append(tenant_delete(provider=request.provider, verifier=verifier, now=now))
        except TenantExitError as error:
            # Shown to the platform admin with the request (Django admin); it runs again tomorrow.
            ProviderDeletionRequest.objects.filter(pk=request.pk).update(
                refused_at=now, refused_reason=str(error)[:200]
            )
            log.error("tenant_deletion_refused", schema=request.provider.schema_name, reason=str(error))
    return done
