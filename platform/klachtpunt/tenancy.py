"""Small guards for code that must run in a tenant's schema."""

from __future__ import annotations

from django.db import connection
from django_tenants.utils import get_public_schema_name


class WrongSchemaError(RuntimeError):
    pass


def require_tenant_schema() -> str:
    """Fail loudly when dossier code runs in the public schema; return the schema name."""
    schema = connection.schema_name
    if not schema or schema == get_public_schema_name():
        raise WrongSchemaError("this code touches a dossier and must run in a tenant schema, not public")
    return schema
