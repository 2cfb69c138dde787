"""Request middleware: session-to-host binding, staff session timeouts, no route list on 404, headers."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.views.defaults import page_not_found

from accounts.permissions import requires_mfa

SESSION_SCHEMA_KEY = "_kp_schema"
SESSION_LOGIN_AT_KEY = "_kp_login_at"
SESSION_SEEN_AT_KEY = "_kp_seen_at"


class SessionHostBindingMiddleware:
    """Sessions are per host: a session made on one tenant's host is refused on another's.

    Cookies are host-only already; this also stops a session id that is
    copied (or leaked) from one host being replayed on another. The session
    is bound in the response that logs the user in, so it is never
    unbound in between; a session that somehow arrives authenticated but
    unbound (one made before this rule, or by a test's ``force_login``) is
    bound where it is first used.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        schema = request.tenant.schema_name
        if request.user.is_authenticated:
            bound = request.session.get(SESSION_SCHEMA_KEY)
            if bound is None:
                _bind(request, schema)
            elif bound != schema:
                logout(request)
        response = self.get_response(request)
        # Logged in by this request (allauth's login, the second factor, a confirmation link): bind now.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and SESSION_SCHEMA_KEY not in request.session:
            _bind(request, schema)
        return response


def _bind(request: HttpRequest, schema: str) -> None:
    request.session[SESSION_SCHEMA_KEY] = schema
    request.session[SESSION_LOGIN_AT_KEY] = int(time.time())


class StaffSessionTimeoutMiddleware:
    """Staff and provider sessions end after 30 minutes idle and 12 hours in all (settings STAFF_SESSION_*).

    Whoever needs a second factor (``accounts.permissions.requires_mfa``:
    platform staff, professionals, provider users) sees health data; an
    unattended or stolen session of theirs must not live for the cookie's
    14 days. Complainants keep theirs. Times are kept in the session;
    the last-seen time is written at most once a minute.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            login_at = session.setdefault(SESSION_LOGIN_AT_KEY, now)
            seen_at = session.get(SESSION_SEEN_AT_KEY, now)
            expired = (
                now - seen_at > settings.STAFF_SESSION_IDLE_SECONDS
                or now - login_at > settings.STAFF_SESSION_MAX_SECONDS
            )
            if expired and requires_mfa(request.user):
                logout(request)
            elif now - seen_at >= 60 or SESSION_SEEN_AT_KEY not in session:
                session[SESSION_SEEN_AT_KEY] = now
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
        if (
            settings.DEBUG
            and response.status_code == 404
            and getattr(request, "resolver_match", None) is None
        ):
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
