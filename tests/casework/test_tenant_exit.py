"""A provider at contract end: the export of its whole tenant, then its verified deletion.

The provider, its complaints, attachments and access log are committed for real (the export
runs ``pg_dump`` from another process, which sees only committed rows); its admin works
through the real HTTP stack on the provider's host. The export's archive is checked against
its manifest and checksums, the deletion against the database, the folders and the cache, and
the archive's backup is restored into the same database (as after a mistaken deletion) and
must reproduce every table's row count.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import subprocess  # nosec B404  # pg_restore in the test, never a shell
import tarfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Max
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.services import user_create
from billing.invoicing import invoicing_run
from billing.memberships import membership_create, membership_push
from billing.models import Invoice, Membership, MembershipStatus
from casework.dossier.access_log import SYSTEM, access_log_record
from casework.dossier.attachments import check_attachments
from casework.dossier.backup import _tool, media_folder, table_figures, tenant_restore
from casework.index.models import CaseIndex, Channel, Consent
from casework.intake.services import complaint_submit
from casework.models import AccessLogEntry, Complaint, ConfidantNote, TenantExport
from casework.reports.tenant_exit.services import (
    EXPORT_STALE_AFTER,
    EXPORT_TASK,
    TenantExitError,
    export_folder,
    schema_cache_keys,
    tenant_delete,
    tenant_export_request,
)
from casework.reports.tenant_exit.tasks import tenant_deletions_task
from casework.timesheets.models import TimeEntry
from outbox.models import OutboxMessage
from tenants.clusters import schema_context
from tenants.models import (
    DeletionCertificate,
    Domain,
    Provider,
    ProviderApiKey,
    ProviderDeletionRequest,
    ProviderMembership,
    ProviderRole,
)
from tenants.services import membership_grant
from tests.billing import conftest as billing_fixtures
from tests.billing.conftest import log_time, make_case
from tests.casework.accessors import COMPLAINANT, PROVIDER
from tests.casework.factories import submission
from tests.casework.factories_professionals import staff_client
from tests.fakestripe import FakeStripe
from tests.reliability.support import committed, make_provider_with_complaints
from tests.support import PASSWORD, World, mfa_login

pytestmark = [pytest.mark.django_db]

# Billing's fixtures (a fake Stripe server per test; no Stripe keys) for the deletion tests.
fake_stripe = billing_fixtures.fake_stripe
no_stripe = billing_fixtures.no_stripe

PAGE = "/instellingen/abonnement/einde/"
COMPLAINTS = 2


def _schema_exists(schema: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", [schema])
        return cursor.fetchone() is not None


def _extract(archive: bytes, target: Path) -> Path:
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        tar.extractall(target, filter="data")
    (root,) = list(target.iterdir())
    return root


def _in_schema(schema: str, admin_id: int) -> tuple[TenantExport, int]:
    # Read from a thread: the test's own connection stays out of the provider's schema, or the
    # locks it holds until the end of its transaction would block dropping the schema.
    with schema_context(schema):
        export = TenantExport.objects.get()
        logged = AccessLogEntry.objects.filter(subject="tenant_export", event="export", user_id=admin_id)
        return export, logged.count()


def _remove(provider: Provider) -> None:
    CaseIndex.every_kind.filter(provider=provider).delete()
    OutboxMessage.objects.filter(schema_name=provider.schema_name).delete()
    provider.delete(force_drop=True)


@pytest.mark.slow  # pg_dump and pg_restore
def test_a_provider_exports_its_tenant_then_it_is_deleted_with_a_certificate_and_the_export_restores(
    tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TENANT_EXPORT_ROOT = str(tmp_path / "exports")
    slug = f"einde-{uuid.uuid4().hex[:8]}"
    admin_email = f"beheer-{slug}@example.nl"

    secret = uuid.uuid4().hex[:12]

    def make() -> dict[str, Any]:
        made = make_provider_with_complaints(slug, COMPLAINTS)
        admin = user_create(email=admin_email, password=PASSWORD, display_name="Bea Beheer")
        membership_grant(user=admin, provider=made["provider"], roles=[ProviderRole.ADMIN])
        host = Domain.objects.get(tenant=made["provider"], is_primary=True).domain
        # Not for the provider: a complaint without consent (with its attachment and access-log
        # lines) and a confidant's note the client did not share; a note shared with it is.
        hidden = complaint_submit(
            provider=made["provider"],
            submission=submission(consent=Consent.REFUSED, what_happened=f"Geheime klacht {secret}. " * 3),
            channel=Channel.WIDGET,
            accessor=COMPLAINANT,
            attachments=check_attachments(
                [SimpleUploadedFile("geheim.txt", f"Geheim verslag {secret}\n".encode() * 20)]
            ),
        ).complaint
        access_log_record(
            provider=made["provider"],
            event=AccessLogEntry.Event.READ,
            accessor=SYSTEM,
            case_id=hidden.pk,
            reference=hidden.reference,
            detail=f"geheim gelezen {secret}",
        )
        with schema_context(made["provider"].schema_name):
            shared = Complaint.objects.get(reference=made["references"][0])
            for text, shared_with in (
                (f"Vertrouwelijke notitie {secret}", ""),
                (f"Gedeelde notitie {secret}", ConfidantNote.SharedWith.PROVIDER),
            ):
                ConfidantNote.objects.create(
                    complaint=shared, text=text, created_at=timezone.now(), shared_with=shared_with
                )
        return {**made, "admin": admin, "host": host, "hidden": hidden.reference}

    made = committed(make)
    provider: Provider = made["provider"]
    schema = provider.schema_name
    restored: list[Provider] = []
    try:
        client: Client = committed(lambda: mfa_login(made["admin"], made["host"]))

        # The subscription page leads to the contract-end page.
        page = committed(lambda: client.get("/instellingen/abonnement/")).content.decode()
        assert f'href="{PAGE}"' in page
        page = committed(lambda: client.get(PAGE)).content.decode()
        assert "Maak een export" in page and "Verwijderen aanvragen" not in page

        # The export: asked for on the page, made by the task after commit (Celery runs eagerly).
        response = committed(lambda: client.post(f"{PAGE}export/"))
        assert response.status_code == 302
        export, requested = committed(lambda: _in_schema(schema, made["admin"].pk))
        assert export.status == TenantExport.Status.READY, export
        assert requested == 1
        download = committed(lambda: client.get(f"{PAGE}export/download/"))
        assert download.status_code == 200
        archive = b"".join(download.streaming_content)
        assert hashlib.sha256(archive).hexdigest() == export.sha256

        root = _extract(archive, tmp_path / "unpacked")
        manifest = json.loads((root / "manifest.json").read_text())
        # Every file is listed with its checksum, and SHA256SUMS covers the manifest too.
        sums = dict(reversed(line.split("  ", 1)) for line in (root / "SHA256SUMS").read_text().splitlines())
        files = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} - {"SHA256SUMS"}
        assert set(sums) == files and set(manifest["files"]) == files - {"manifest.json"}
        for name, digest in sums.items():
            assert hashlib.sha256((root / name).read_bytes()).hexdigest() == digest, name
        # The shared dossiers, their attachments, the access log and reports are in it.
        assert manifest["tables"]["casework_complaint"] == COMPLAINTS
        # Every access is in the log (the export's line too), that to the hidden dossier without which.
        assert manifest["tables"]["casework_accesslogentry"] == 2 * (COMPLAINTS + 1) + 1
        assert manifest["tables"]["casework_confidantnote"] == 1
        assert len([name for name in files if name.startswith("backup/media/")]) == COMPLAINTS
        log_csv = (root / "toegangslog.csv").read_text(encoding="utf-8-sig")
        assert all(reference in log_csv for reference in made["references"])
        # Not in it: the complaint without consent and the confidant's own note (counted, with why).
        assert manifest["left_out"]["counts"]["dossiers_without_consent"] == 1
        assert manifest["left_out"]["counts"]["confidant_notes"] == 1
        assert manifest["left_out"]["counts"]["files"] == 1
        assert manifest["left_out"]["counts"]["access_log_rows_without_dossier"] == 2
        assert set(manifest["left_out"]["why"]) <= set(manifest["left_out"]["counts"])
        dump_sql = subprocess.run(  # the test's own pg_restore, no shell
            [_tool("pg_restore"), "--file=-", str(root / "backup" / "schema.dump")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert made["references"][0] in dump_sql and f"Gedeelde notitie {secret}" in dump_sql
        everything = dump_sql + "".join(
            p.read_text(encoding="utf-8", errors="replace")
            for p in root.rglob("*")
            if p.is_file()
            if p.suffix != ".pdf"
        )
        for hidden in (
            made["hidden"],
            f"Geheime klacht {secret}",
            f"Vertrouwelijke notitie {secret}",
            f"Geheim verslag {secret}",
            f"geheim gelezen {secret}",
        ):
            assert hidden not in everything, hidden
        year = timezone.localdate().year
        assert {
            f"jaarverslagen/klachtenjaarverslag-{year}.pdf",
            f"jaarverslagen/klachtenjaarverslag-{year}.csv",
        } <= files
        # Row counts as they are in the database now: the hidden dossier and note are there, and the
        # download added its own access-log line.
        live = {table: figure["rows"] for table, figure in committed(lambda: table_figures(schema)).items()}
        assert set(live) == set(manifest["tables"])
        assert live["casework_complaint"] == COMPLAINTS + 1 and live["casework_confidantnote"] == 2
        assert live["casework_accesslogentry"] == manifest["tables"]["casework_accesslogentry"] + 1
        assert all(manifest["tables"][table] <= rows for table, rows in live.items())

        # Deleting: confirmed by typing the slug, only after an export, not before the period ends.
        committed(lambda: client.post(f"{PAGE}verwijderen/", {"confirm": "verkeerd"}))
        assert not ProviderDeletionRequest.objects.filter(provider=provider).exists()
        committed(lambda: client.post(f"{PAGE}verwijderen/", {"confirm": slug}))
        request = ProviderDeletionRequest.objects.get(provider=provider)
        assert request.export_sha256 == export.sha256
        assert "Verzoek intrekken" in committed(lambda: client.get(PAGE)).content.decode()
        assert committed(tenant_deletions_task) == 0
        with pytest.raises(TenantExitError, match="not_due"):
            tenant_delete(provider=provider, verifier="test")
        assert _schema_exists(schema)

        # The confirmation period has passed; the schema has cache entries.
        def due() -> None:
            ProviderDeletionRequest.objects.filter(pk=request.pk).update(
                requested_at=timezone.now()
                - datetime.timedelta(days=settings.TENANT_DELETION_CONFIRMATION_DAYS, minutes=1)
            )
            with schema_context(schema):
                cache.set("tenant-exit-probe", "x")

        committed(due)
        assert schema_cache_keys(schema, delete=False) == 1
        assert committed(tenant_deletions_task) == 1

        # Gone: the schema, the files, the cache entries, the provider and its index rows.
        assert not _schema_exists(schema)
        assert not media_folder(schema).exists() and not export_folder(schema).exists()
        assert schema_cache_keys(schema, delete=False) == 0
        assert not Provider.objects.filter(pk=provider.pk).exists()
        assert Provider.all_objects.get(pk=provider.pk).deleted_at is not None  # the tombstone
        assert not CaseIndex.every_kind.filter(provider_id=provider.pk).exists()
        assert not ProviderMembership.objects.filter(provider_id=provider.pk).exists()

        certificate = DeletionCertificate.objects.get(schema_name=schema)
        assert certificate.organisation == provider.name and certificate.export_sha256 == export.sha256
        assert certificate.counts["tables"] == live
        assert (
            certificate.counts["files"] == COMPLAINTS + 1
            and certificate.counts["case_index_rows"] == COMPLAINTS + 1
        )
        assert certificate.counts["cache_keys"] == 1
        assert certificate.checks and all(certificate.checks.values())
        # No personal data on it: not the admin, not a complainant.
        written = json.dumps(
            {f.name: getattr(certificate, f.name) for f in DeletionCertificate._meta.fields}, default=str
        )
        for personal in (admin_email, "Bea Beheer", "herstel-0@example.nl", "@"):
            assert personal not in written

        # The admin who asked gets the certificate by e-mail; the address is not on it.
        (sent,) = [message for message in mail.outbox if message.to == [admin_email]]
        assert export.sha256 in sent.body and provider.name in sent.subject
        assert DeletionCertificate.objects.get(pk=certificate.pk).sent_at is not None

        # The export's backup restores into this database with every table's row count.
        result = committed(lambda: tenant_restore(source=root / "backup"))
        restored.append(result.provider)
        assert result.tables == manifest["tables"]
        assert result.files == COMPLAINTS and result.index_rows == COMPLAINTS
        assert result.provider.schema_name == schema and _schema_exists(schema)

        def restored_content() -> tuple[set[str], list[str], bool]:
            # Read from a thread (see _in_schema): the cleanup drops this schema.
            with schema_context(schema):
                return (
                    set(Complaint.objects.values_list("reference", flat=True)),
                    list(ConfidantNote.objects.values_list("text", flat=True)),
                    AccessLogEntry.objects.filter(reference=made["hidden"]).exists(),
                )

        references, notes, hidden_logged = committed(restored_content)
        assert references == set(made["references"])
        assert notes == [f"Gedeelde notitie {secret}"] and not hidden_logged
    finally:
        for leftover in [*restored, *Provider.all_objects.filter(pk=provider.pk)]:
            committed(lambda leftover=leftover: _remove(leftover))
        committed(lambda: DeletionCertificate.objects.filter(schema_name=schema).delete())
        committed(lambda: User.objects.filter(email=admin_email).delete())


def test_only_the_provider_admin_reaches_the_contract_end_page(world: World, alpha_client: Client) -> None:
    assert alpha_client.get(PAGE).status_code == 302  # to the login page
    alpha_client.force_login(world.beta_admin)  # an admin elsewhere
    assert alpha_client.get(PAGE).status_code == 403
    assert alpha_client.post(f"{PAGE}export/").status_code == 403
    staff = mfa_login(world.alpha_staff_no_mfa, world.alpha_host)  # past the second factor: the role decides
    assert staff.get(PAGE).status_code == 403
    assert staff.post(f"{PAGE}verwijderen/", {"confirm": world.alpha.slug}).status_code == 403
    assert not ProviderDeletionRequest.objects.filter(provider=world.alpha).exists()


def test_deletion_is_refused_without_an_export(world: World, alpha_client: Client) -> None:
    alpha_client.force_login(world.alpha_admin)
    response = alpha_client.post(f"{PAGE}verwijderen/", {"confirm": world.alpha.slug}, follow=True)
    assert "Maak en download eerst een export" in response.content.decode()
    assert not ProviderDeletionRequest.objects.filter(provider=world.alpha).exists()
    assert alpha_client.get(f"{PAGE}export/download/").status_code == 404


def test_a_provider_with_invoices_and_logged_hours_is_deleted_and_they_stay_without_personal_data(
    world: World, fake_stripe: FakeStripe, tmp_path: Path, settings: Any
) -> None:
    """The usual provider at contract end: invoiced hours, a Stripe subscription, a member.

    Its schema, files, cache entries, index rows, domains, memberships and keys go; the
    invoices and time entries (tax law: 7 years) stay on the provider's tombstone, with
    references, minutes and amounts but nothing that leads to a complainant.
    (In the test's transaction: the schema comes back when it rolls back.)
    """
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TENANT_EXPORT_ROOT = str(tmp_path / "exports")
    alpha = world.alpha
    schema, slug, host = alpha.schema_name, alpha.slug, world.alpha_host
    membership = membership_push(membership_id=membership_create(provider=alpha, services=["officer"]).pk)
    subscription_id = membership.stripe_subscription_id
    shared = make_case(alpha)
    hidden = make_case(alpha, consent=Consent.PENDING)
    log_time(shared, world.coordinator, minutes=60, worked_on=datetime.date(2026, 3, 3))
    log_time(hidden, world.coordinator, minutes=30, worked_on=datetime.date(2026, 3, 4))
    invoicing_run(month=datetime.date(2026, 3, 1))
    log_time(shared, world.coordinator, minutes=15, worked_on=datetime.date(2026, 4, 2))  # not billed yet
    invoices = set(Invoice.objects.filter(provider=alpha).values_list("pk", flat=True))
    assert Invoice.objects.filter(provider=alpha, kind="hours").exists()
    entries = set(TimeEntry.objects.filter(provider=alpha).values_list("pk", flat=True))
    assert len(entries) == 3
    key = ProviderApiKey.objects.create(provider=alpha, name="koppeling", prefix="kp_exit", key_hash="x" * 64)
    (media_folder(schema) / "complaints" / "1").mkdir(parents=True)
    (media_folder(schema) / "complaints" / "1" / "brief.pdf").write_bytes(b"%PDF")
    with schema_context(schema):
        cache.set("tenant-exit-probe", "x")
    ProviderDeletionRequest.objects.create(
        provider=alpha,
        requested_at=timezone.now() - datetime.timedelta(days=365),
        requested_by=world.alpha_admin,
        export_id=1,
        export_sha256="0" * 64,
    )

    certificate = tenant_delete(provider=alpha, verifier="test")

    # Gone: the schema, its files and cache entries, the index rows, domains, memberships, keys.
    assert not _schema_exists(schema) and not media_folder(schema).exists()
    assert schema_cache_keys(schema, delete=False) == 0
    assert not CaseIndex.every_kind.filter(provider_id=alpha.pk).exists()
    assert not Domain.objects.filter(tenant_id=alpha.pk).exists()
    assert not ProviderMembership.objects.filter(provider_id=alpha.pk).exists()
    assert not ProviderApiKey.objects.filter(pk=key.pk).exists()
    assert Client(HTTP_HOST=host).get("/").status_code == 404  # the host no longer resolves
    # The provider is in no list any more; its tombstone holds the organisation only.
    assert not Provider.objects.filter(pk=alpha.pk).exists()
    assert not Provider.objects.filter(slug=slug).exists()
    tombstone = Provider.all_objects.get(pk=alpha.pk)
    assert tombstone.deleted_at is not None and tombstone.name == alpha.name
    assert tombstone.slug != slug and tombstone.schema_name != schema
    # The Stripe subscription is cancelled now, not at the end of the period.
    assert fake_stripe.get("subscription", subscription_id)["status"] == "canceled"
    assert Membership.objects.get(pk=membership.pk).status == MembershipStatus.CANCELLED

    # Kept: the invoices and the hours, with their references and minutes but no case any more.
    assert set(Invoice.objects.filter(provider_id=alpha.pk).values_list("pk", flat=True)) == invoices
    kept = TimeEntry.objects.filter(pk__in=entries)
    assert kept.count() == 3 and not kept.filter(case__isnull=False).exists()
    assert sorted(kept.values_list("reference", "minutes")) == sorted(
        [(shared.reference, 60), (shared.reference, 15), (hidden.reference, 30)]
    )
    # A kept entry is for the fiscal record only: its professional cannot open it to change it.
    (entry,) = kept.filter(minutes=15)
    staff = staff_client(world.coordinator)
    assert staff.get(f"/werkplek/zaken/{entry.reference}/uren/{entry.pk}/").status_code == 404
    assert tombstone.invoices.count() == len(invoices)  # still reachable from the invoices' side
    assert Invoice.objects.filter(pk__in=invoices).first().provider.name == alpha.name

    assert (
        certificate.counts["kept_invoices"] == len(invoices) and certificate.counts["kept_time_entries"] == 3
    )
    assert certificate.counts["stripe_subscription"] == "cancelled"
    assert certificate.counts["files"] == 1 and certificate.counts["cache_keys"] == 1
    assert certificate.counts["case_index_rows"] == 2
    assert certificate.checks and all(certificate.checks.values())
    assert not ProviderDeletionRequest.objects.filter(provider_id=alpha.pk).exists()
    # The nightly run and the month's invoicing pass the tombstone by.
    assert tenant_deletions_task() == 0
    invoicing_run(month=datetime.date(2026, 3, 1))
    assert set(Invoice.objects.filter(provider_id=alpha.pk).values_list("pk", flat=True)) == invoices
    # The hours logged before the deletion are still invoiced, on one pooled line: no case to name.
    invoicing_run(month=datetime.date(2026, 4, 1))
    (april,) = Invoice.objects.filter(provider_id=alpha.pk).exclude(pk__in=invoices)
    assert [(line.minutes, line.pooled, line.label) for line in april.lines.all()] == [(15, True, "")]


def test_deletion_is_refused_while_stripe_cannot_be_reached(
    world: World, no_stripe: None, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    Membership.objects.create(provider=world.alpha, status="active", stripe_subscription_id="sub_exit")
    ProviderDeletionRequest.objects.create(
        provider=world.alpha,
        requested_at=timezone.now() - datetime.timedelta(days=365),
        export_id=1,
        export_sha256="0" * 64,
    )
    with pytest.raises(TenantExitError, match="stripe:stripe_unavailable"):
        tenant_delete(provider=world.alpha, verifier="test")
    # The nightly run leaves it, and says why to the platform admin.
    assert tenant_deletions_task() == 0
    refused = ProviderDeletionRequest.objects.get(provider=world.alpha)
    assert refused.refused_at is not None and refused.refused_reason.startswith("stripe:")
    assert _schema_exists(world.alpha.schema_name)
    assert Provider.objects.filter(pk=world.alpha.pk).exists()


@pytest.mark.parametrize(
    "backend",
    ["django.core.cache.backends.db.DatabaseCache", "django.core.cache.backends.locmem.LocMemCache"],
)
def test_a_schemas_cache_entries_are_counted_and_purged_and_no_others(
    world: World, settings: Any, backend: str
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": backend,
            "LOCATION": settings.CACHE_TABLE,
            "KEY_FUNCTION": "klachtpunt.cache.make_key",
        }
    }
    for schema in (world.alpha.schema_name, world.beta.schema_name):
        with schema_context(schema):
            cache.set("tenant-exit-probe", schema)
            cache.set("tenant-exit-probe-2", schema)
    cache.set("security:tenant-exit-probe", "shared")  # a security counter is nobody's tenant's

    assert schema_cache_keys(world.alpha.schema_name, delete=False) == 2
    assert schema_cache_keys(world.alpha.schema_name, delete=True) == 2
    assert schema_cache_keys(world.alpha.schema_name, delete=False) == 0
    with schema_context(world.alpha.schema_name):
        assert cache.get("tenant-exit-probe") is None
    with schema_context(world.beta.schema_name):
        assert cache.get("tenant-exit-probe") == world.beta.schema_name
    assert cache.get("security:tenant-exit-probe") == "shared"


def test_one_export_at_a_time_and_a_stale_one_gives_way(world: World) -> None:
    # The provider's log and the outbox may hold rows other tests committed (a browser test's).
    with schema_context(world.alpha.schema_name):
        log_before = AccessLogEntry.objects.aggregate(last=Max("pk"))["last"] or 0
    outbox_before = OutboxMessage.objects.aggregate(last=Max("pk"))["last"] or 0
    first = tenant_export_request(provider=world.alpha, accessor=PROVIDER)
    assert tenant_export_request(provider=world.alpha, accessor=PROVIDER).pk == first.pk
    with schema_context(world.alpha.schema_name):
        TenantExport.objects.filter(pk=first.pk).update(
            requested_at=timezone.now() - EXPORT_STALE_AFTER - datetime.timedelta(minutes=1)
        )
    second = tenant_export_request(provider=world.alpha, accessor=PROVIDER)
    assert second.pk != first.pk
    with schema_context(world.alpha.schema_name):
        first.refresh_from_db()
        assert first.status == TenantExport.Status.FAILED
        logged = AccessLogEntry.objects.filter(subject="tenant_export", event="export", pk__gt=log_before)
        assert logged.count() == 2 and {entry.user_id for entry in logged} == {PROVIDER.user_id}
    queued = OutboxMessage.objects.filter(
        task_name=EXPORT_TASK, schema_name=world.alpha.schema_name, pk__gt=outbox_before
    )
    assert sorted(m.kwargs["export_id"] for m in queued) == [first.pk, second.pk]
