"""Tenant routing by host name, with the host lookup cached per process."""

from __future__ import annotations

import time

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_tenant_domain_model, remove_www

from tenants.clusters import (
    CONTROL,
    cluster_of_schema,
    clustered,
    enter_cluster,
    leave_cluster,
    refuse_while_moving,
)

# Host name -> (tenant, fetched at). Process-local: invalidated in this process
# by tenants.models on save/delete of Provider or Domain, and by the TTL in
# other processes.
_TENANT_CACHE: dict[str, tuple[object, float]] = {}


TENANT_CACHE_TTL = 30.0

# Paths of a provider's host that keep answering while it moves between clusters: the complaint
# form, the intake API (casework.intake.holding) and static files.
OPEN_WHILE_MOVING = ("/widget/", "/klacht/", "/api/v1/complaints", "/static/")


def clear_tenant_cache() -> None:
    _TENANT_CACHE.clear()


class CachedTenantMiddleware(TenantMainMiddleware):
    """django-tenants routing with the host lookup cached per process.

    The stock middleware looks up the domain on every request (about 1 ms);
    with the cache and ``TENANT_LIMIT_SET_CALLS`` the overhead is a dict lookup
    and one ``SET search_path`` per request (tests/bench/bench_routing.py).
    """

    def get_tenant(self, domain_model, hostname):  # type: ignore[override]
        hit = _TENANT_CACHE.get(hostname)
        now = time.monotonic()
        if hit is not None and now - hit[1] < TENANT_CACHE_TTL:
            return hit[0]
        tenant = super().get_tenant(domain_model, hostname)
        _TENANT_CACHE[hostname] = (tenant, now)
        return tenant

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        leave_cluster()  # a request starts on the control database
        connection.set_schema_to_public()
        try:
            hostname = remove_www(request.get_host().split(":")[0])
        except Exception:  # DisallowedHost and malformed hosts
            return HttpResponseNotFound()
        domain_model = get_tenant_domain_model()
        try:
            tenant = self.get_tenant(domain_model, hostname)
        except domain_model.DoesNotExist:
            return self.no_tenant_found(request, hostname)
        request.tenant = tenant
        if clustered() and not request.path.startswith(OPEN_WHILE_MOVING):
            # While the provider moves to another cluster only the complaint form and the intake
            # API answer (they hold what comes in); the rest gets 503 with Retry-After.
            refuse_while_moving(tenant.schema_name)
        # The provider's own cluster for the rest of the request (tenants.clusters).
        enter_cluster(cluster_of_schema(tenant.schema_name) if clustered() else CONTROL)
        connection.set_tenant(tenant)
        self.setup_url_routing(request)
        return None

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if clustered():
            connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants' wrapper
            leave_cluster(failed=response.status_code >= 500)
        return response
