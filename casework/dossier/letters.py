"""What every letter task shares: the provider it runs for, the follow link it points to,
and the rendering of a subject and body from templates.
"""

from __future__ import annotations

from django.db import connection
from django.template.loader import render_to_string
from django.utils import translation

from casework.dossier.services import follow_link_create
from casework.models import Complaint
from tenants.hosts import platform_url, provider_url
from tenants.models import Provider
from tenants.tenancy import require_tenant_schema


def _provider() -> Provider:
    """The provider whose schema is active (``connection.tenant`` may be a stand-in in a worker)."""
    schema = require_tenant_schema()
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Provider) and tenant.schema_name == schema:
        return tenant
    return Provider.objects.get(schema_name=schema)


def _follow_url(complaint: Complaint) -> str:
    if complaint.complainant_user_id:
        return platform_url(f"/mijn-klachten/{complaint.reference}/")
    return provider_url(_provider(), f"/volg/{follow_link_create(complaint=complaint)}/")


def _render(complaint: Complaint, name: str, context: dict) -> tuple[str, str]:
    with translation.override(complaint.language or "nl"):
        subject = render_to_string(f"casework/email/{name}_subject.txt", context).strip()
        body = render_to_string(f"casework/email/{name}_body.txt", context)
    return subject, body
