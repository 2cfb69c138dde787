"""Keep the per-process host lookup cache honest."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from klachtpunt.middleware import clear_tenant_cache
from tenants.models import Domain, Provider


@receiver([post_save, post_delete], sender=Domain)
@receiver([post_save, post_delete], sender=Provider)
def _invalidate_host_cache(**kwargs: object) -> None:
    clear_tenant_cache()
