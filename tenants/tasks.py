from __future__ import annotations

from celery import shared_task

from tenants.provisioning import provider_provision, spare_schemas_refill


@shared_task(acks_late=True, max_retries=3, default_retry_delay=5)
def provider_provision_task(
    *, name: str, slug: str, sector: str = "other", kvk_number: str = "", city: str = ""
) -> int:
    """Provision a provider from a sign-up; safe to run twice (idempotent by slug)."""
    return provider_provision(name=name, slug=slug, sector=sector, kvk_number=kvk_number, city=city).pk


@shared_task(acks_late=True, ignore_result=True)
def spare_schemas_refill_task() -> int:
    """Keep a few empty tenant schemas ready, so provisioning only renames one."""
    return spare_schemas_refill()


@shared_task(name="tenants.tasks.relay_cluster_outboxes", acks_late=True, ignore_result=True)  # type: ignore[untyped-decorator]  # celery is untyped
def relay_cluster_outboxes() -> int:
    """Hand every other cluster's pending outbox rows to the broker (beat, when clusters are set)."""
    from outbox.services import outbox_relay
    from tenants.clusters import cluster_active, cluster_aliases

    sent = 0
    for alias in cluster_aliases()[1:]:
        with cluster_active(alias):
            sent += outbox_relay()
    return sent
