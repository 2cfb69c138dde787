"""Tenant actions. Provisioning itself lives in tenants.provisioning."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from tenants.models import Domain, Provider


@transaction.atomic
def platform_tenant_ensure() -> Provider:
    """The public schema's tenant row and the platform host name (idempotent)."""
    provider, _ = Provider.objects.get_or_create(
        schema_name="public", defaults={"name": "Klachtpunt", "slug": "platform"}
    )
    Domain.objects.get_or_create(
        domain=settings.PLATFORM_DOMAIN, defaults={"tenant": provider, "is_primary": True}
    )
    return provider
