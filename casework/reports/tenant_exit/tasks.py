"""The provider's export and the deletions at contract end (thin: load by id, call a service)."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from casework.reports.tenant_exit.services import (
    deletion_certificate_send,
    tenant_deletions_run,
    tenant_export_build,
)
from outbox.services import TRANSIENT_ERRORS
from tenants.models import Provider


# Celery's decorator is untyped (no stubs); the task functions themselves are typed.
@shared_task(  # type: ignore[untyped-decorator]
    name="casework.reports.tenant_exit.tasks.tenant_export_task", acks_late=True, ignore_result=True
)
def tenant_export_task(provider_id: int, export_id: int) -> None:
    """Build a queued export (safe to run twice: a ready export is left as it is).

    Outside any transaction: the backup sets its own isolation level. A worker runs it at once;
    run eagerly inside the outbox relay's transaction (development, tests), after that commits.
    """
    provider = Provider.objects.get(pk=provider_id)
    transaction.on_commit(lambda: tenant_export_build(provider=provider, export_id=export_id))


@shared_task(  # type: ignore[untyped-decorator]
    name="casework.reports.tenant_exit.tasks.tenant_deletions_task", acks_late=True, ignore_result=True
)
def tenant_deletions_task() -> int:
    """Nightly: delete the providers whose confirmation period has passed, each with its certificate."""
    return len(tenant_deletions_run(verifier="casework.reports.tenant_exit.tasks.tenant_deletions_task"))


@shared_task(  # type: ignore[untyped-decorator]
    name="casework.reports.tenant_exit.tasks.send_deletion_certificate",
    acks_late=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=True,
)
def send_deletion_certificate(certificate_id: int, user_id: int) -> int:
    """E-mail a deletion certificate to the admin who asked (safe to run twice: sent once)."""
    return deletion_certificate_send(certificate_id=certificate_id, user_id=user_id)
