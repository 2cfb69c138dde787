"""Keep the per-process host lookup cache honest."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tenants.models import Domain, Provider
from tenants.routing import clear_tenant_cache


@receiver([post_save, post_delete], sender=Domain)
@receiver([post_save, post_delete], sender=Provider)
def _invalidate_host_cache(**kwargs: object) -> None:
    clear_tenant_cache()
