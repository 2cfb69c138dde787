"""Retention: closed dossiers past the provider's period become anonymous figures, files and all."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from casework.closing.retention import retention_due, retention_run
from casework.closing.services import case_close
from casework.closing.tasks import send_closing_letter
from casework.decision.tasks import send_decision
from casework.dossier.attachments import check_attachments
from casework.index.models import CaseIndex, Outcome
from casework.models import (
    AccessLogEntry,
    Attachment,
    CaseStatistic,
    ClosingNotice,
    Complaint,
    ConsentRecord,
    FollowLink,
    Letter,
    TimelineEntry,
)
from outbox.models import OutboxMessage
from tenants.clusters import schema_context
from tenants.models import Provider
from tests.casework.accessors import STAFF
from tests.casework.factories import submission, submit
from tests.casework.factories_decision import record_decision
from tests.support import World

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def closed_case(world: World, *, closed_ago: datetime.timedelta) -> tuple[int, CaseIndex, Path]:
    """A closed dossier with an attachment on disk, closed ``closed_ago`` before now."""
    attachments = check_attachments([SimpleUploadedFile("brief.pdf", PDF, content_type="application/pdf")])
    result = submit(world.alpha, submission=submission(track="formal"), attachments=attachments)
    complaint = result.complaint
    # A formal complaint closes only on the provider's decision (or a recorded withdrawal/referral).
    decision = record_decision(world.alpha, complaint, world.alpha_admin)
    closing = case_close(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=complaint.pk,
        actor=world.coordinator,
        outcome=Outcome.NOT_RESOLVED,
    )
    # The decision and the closing letter are PDFs kept in the dossier.
    with schema_context(world.alpha.schema_name):
        send_decision(decision_id=decision.pk)
        send_closing_letter(closing_id=closing.pk)
    closed_at = timezone.now() - closed_ago
    received_at = closed_at - datetime.timedelta(days=40)
    dates = {"closed_at": closed_at, "received_at": received_at}
    CaseIndex.objects.filter(reference=complaint.reference).update(**dates)
    with schema_context(world.alpha.schema_name):
        Complaint.objects.filter(pk=complaint.pk).update(**dates)
        attachment = Attachment.objects.get(complaint_id=complaint.pk)
        path = Path(attachment.file.path)
    assert path.is_file()
    return complaint.pk, CaseIndex.objects.get(reference=complaint.reference), path


def run_retention(world: World, django_capture_on_commit_callbacks) -> int:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        return retention_run()


def test_dossier_closed_5_years_and_a_day_ago_is_reduced_with_its_files(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    complaint_id, case, path = closed_case(world, closed_ago=datetime.timedelta(days=5 * 365 + 2))
    with schema_context(world.alpha.schema_name):
        letters = [Path(letter.file.path) for letter in Letter.objects.filter(complaint_id=complaint_id)]
    assert len(letters) == 2 and all(letter.is_file() for letter in letters)
    CaseIndex.objects.filter(pk=case.pk).update(complainant_user=world.complainant)
    run_retention(world, django_capture_on_commit_callbacks)
    # One task per provider, with the provider's schema stamped.
    assert OutboxMessage.objects.filter(
        task_name="casework.tasks_closing.retention_reduce_tenant", schema_name=world.alpha.schema_name
    ).exists()
    assert not path.exists() and not any(letter.exists() for letter in letters)
    with schema_context(world.alpha.schema_name):
        assert not Complaint.objects.filter(pk=complaint_id).exists()
        for model in (Attachment, ConsentRecord, FollowLink, TimelineEntry, ClosingNotice, Letter):
            assert not model.objects.filter(complaint_id=complaint_id).exists(), model
        [figures] = CaseStatistic.objects.all()
    assert figures.category_code == "treatment" and figures.law == "wlz" and figures.channel == "widget"
    assert figures.track == "formal" and figures.outcome == Outcome.NOT_RESOLVED
    assert figures.received_month.day == 1 and figures.closed_month.day == 1
    assert abs(figures.handling_days - 40) <= 1  # whole Amsterdam days; a DST change may shift one
    row = CaseIndex.objects.get(pk=case.pk)
    assert row.complainant_user_id is None and row.reduced_at is not None
    # The deletion is in the provider's access log, which outlives the dossier.
    with schema_context(world.alpha.schema_name):
        deleted = AccessLogEntry.objects.get(case_id=complaint_id, event="delete")
    assert deleted.reference == case.reference and deleted.channel == "system"
    # A second run finds nothing more to do.
    run_retention(world, django_capture_on_commit_callbacks)
    with schema_context(world.alpha.schema_name):
        assert CaseStatistic.objects.count() == 1


def test_dossier_closed_4_years_ago_is_kept(world: World, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    complaint_id, case, path = closed_case(world, closed_ago=datetime.timedelta(days=4 * 365))
    run_retention(world, django_capture_on_commit_callbacks)
    assert path.is_file()
    with schema_context(world.alpha.schema_name):
        assert Complaint.objects.filter(pk=complaint_id).exists()
        assert not CaseStatistic.objects.exists()
    assert CaseIndex.objects.get(pk=case.pk).reduced_at is None


def test_retention_period_is_the_providers(world: World) -> None:
    _complaint_id, case, _path = closed_case(world, closed_ago=datetime.timedelta(days=3 * 365 + 2))
    now = timezone.now()
    assert not retention_due(now=now).filter(pk=case.pk).exists()
    Provider.objects.filter(pk=world.alpha.pk).update(retention_years=3)
    assert retention_due(now=now).filter(pk=case.pk).exists()


def test_open_cases_are_never_reduced(world: World) -> None:
    result = submit(world.alpha)
    CaseIndex.objects.filter(reference=result.complaint.reference).update(
        closed_at=timezone.now() - datetime.timedelta(days=10 * 365)
    )
    assert not retention_due(now=timezone.now()).filter(reference=result.complaint.reference).exists()


def test_retention_job_purges_access_log_entries_older_than_5_years_only(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from casework.dossier.access_log import SYSTEM, access_log_record

    now = timezone.now()
    old = access_log_record(
        provider=world.alpha, event="read", accessor=SYSTEM, at=now - datetime.timedelta(days=5 * 365 + 2)
    )
    recent = access_log_record(
        provider=world.alpha, event="read", accessor=SYSTEM, at=now - datetime.timedelta(days=4 * 365)
    )
    run_retention(world, django_capture_on_commit_callbacks)
    with schema_context(world.alpha.schema_name):
        assert not AccessLogEntry.objects.filter(pk=old.pk).exists()
        assert AccessLogEntry.objects.filter(pk=recent.pk).exists()


def test_retention_job_keeps_the_access_log_of_a_dossier_it_keeps(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    """A dossier open (or closed) for longer than 5 years keeps every line of its access log."""
    from casework.dossier.access_log import SYSTEM, access_log_record

    result = submit(world.alpha)
    long_ago = timezone.now() - datetime.timedelta(days=8 * 365)
    kept = access_log_record(
        provider=world.alpha,
        event="read",
        accessor=SYSTEM,
        case_id=result.complaint.pk,
        reference=result.complaint.reference,
        at=long_ago,
    )
    run_retention(world, django_capture_on_commit_callbacks)
    with schema_context(world.alpha.schema_name):
        assert Complaint.objects.filter(pk=result.complaint.pk).exists()
        assert AccessLogEntry.objects.filter(pk=kept.pk).exists()
