"""Small guards for code that must run in a tenant's schema."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.db import connection
from django_tenants.utils import get_public_schema_name

from tenants.clusters import refuse_while_moving

if TYPE_CHECKING:
    from tenants.models import Provider


class WrongSchemaError(RuntimeError):
    pass


def require_tenant_schema() -> str:
    """Fail loudly when dossier code runs in the public schema; return the schema name."""
    schema = connection.schema_name
    if not schema or schema == get_public_schema_name():
        raise WrongSchemaError("this code touches a dossier and must run in a tenant schema, not public")
    refuse_while_moving(schema)  # a task for a provider being moved retries after the move
    return schema


def current_provider():  # type: ignore[no-untyped-def]
    """The Provider whose schema is active (loaded by name: ``connection.tenant`` may be a FakeTenant)."""
    from tenants.models import Provider

    tenant = getattr(connection, "tenant", None)
    schema = require_tenant_schema()
    if isinstance(tenant, Provider) and tenant.schema_name == schema:
        return tenant
    return Provider.objects.get(schema_name=schema)


def request_provider(request: object) -> Provider:
    """The provider whose host ``request`` came in on (set by the tenant middleware), typed."""
    return cast("Provider", getattr(request, "tenant", None))
