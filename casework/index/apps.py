from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CaseIndexConfig(AppConfig):
    name = "casework.index"
    label = "caseindex"
    verbose_name = "Case index (public schema)"

    def ready(self) -> None:
        post_migrate.connect(_prepare_cluster_after_migrate, sender=self)


def _prepare_cluster_after_migrate(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """A cluster's public schema, once migrated, gets the index triggers (tenants.clusters)."""
    from django.conf import settings
    from django.db import connections

    if using not in getattr(settings, "TENANT_CLUSTERS", {}):
        return
    if getattr(connections[using], "schema_name", "public") != "public":
        return
    from casework.index.replication import cluster_prepare

    cluster_prepare(using)
