"""Request middleware: cached tenant routing, session-to-host binding, headers."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_tenant_domain_model, remove_www

# Host name -> (tenant, fetched at). Process-local: invalidated in this process
# by tenants.models on save/delete of Provider or Domain, and by the TTL in
# other processes.
_TENANT_CACHE: dict[str, tuple[object, float]] = {}
TENANT_CACHE_TTL = 30.0


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
        connection.set_tenant(tenant)
        self.setup_url_routing(request)
        return None


SESSION_SCHEMA_KEY = "_kp_schema"


class SessionHostBindingMiddleware:
    """Sessions are per host: a session made on one tenant's host is refused on another's.

    Cookies are host-only already; this also stops a session id that is
    copied (or leaked) from one host being replayed on another.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        schema = request.tenant.schema_name
        if request.user.is_authenticated:
            bound = request.session.get(SESSION_SCHEMA_KEY)
            if bound is None:
                request.session[SESSION_SCHEMA_KEY] = schema
            elif bound != schema:
                logout(request)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Content-Security-Policy and friends on every response.

    Widget pages set their own ``frame-ancestors`` (the provider's allowed
    sites) by putting ``request.csp_frame_ancestors``; every other page
    refuses to be framed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        ancestors = getattr(request, "csp_frame_ancestors", None) or "'none'"
        # A form whose answer redirects elsewhere (sign-up to Stripe Checkout) names that origin.
        form_action = " ".join(["'self'", *getattr(request, "csp_form_action", [])])
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = (
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                f"object-src 'none'; base-uri 'self'; form-action {form_action}; frame-ancestors {ancestors}"
            )
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if settings.PRODUCTION:
            response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response
