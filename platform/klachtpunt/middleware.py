"""Request middleware: cached tenant routing, session-to-host binding, headers."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.views.defaults import page_not_found

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


class NoRouteListMiddleware:
    """With DEBUG on, an unknown path gets the ordinary 404 page, not Django's list of every route.

    Django's debug 404 enumerates the URL patterns: a map for anyone who can
    reach a development server or a demo run with ``KLACHTPUNT_DEBUG=1``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404 and getattr(request, "resolver_match", None) is None:
            return page_not_found(request, Http404())
        return response


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
