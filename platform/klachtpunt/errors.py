"""The 500 handler: a database or cache that is away is a 503 with Retry-After, not an error page.

While PostgreSQL restarts (a failover, a release of the database, a network
blip) every request that touches it raises ``OperationalError`` or
``InterfaceError``. Nothing was saved, and the same request a few seconds later
will very likely succeed, so the client is told exactly that: 503 with
``Retry-After`` (the widget and API clients retry on it; a person sees a short
page saying to try again). Django calls this handler for an exception anywhere
in the middleware or view (``convert_exception_to_response``), inside the
``except`` block, so ``sys.exc_info()`` holds the exception. The answer is built
without templates, sessions or the database, which may all be what is away.
The same holds for the shared cache (Redis: rate-limit counters, sessions' helpers)
while it restarts. Every other exception gets Django's own 500.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.defaults import server_error as django_server_error

try:  # the cache's client when CACHE_URL is Redis
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError)
except ImportError:  # pragma: no cover - redis is installed with Celery's Redis transport
    CACHE_ERRORS = ()

# Long enough for a restart or failover to finish, short enough that people keep waiting.
RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what it was raised from) says the database or cache cannot be reached now."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, (OperationalError, InterfaceError, *CACHE_ERRORS)):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    content_type = request.headers.get("Content-Type", "")
    return (
        request.path.startswith("/api/")
        or "application/json" in accept
        or content_type.startswith("application/json")
        or request.headers.get("X-Requested-With") == "XMLHttpRequest"
    )


def _unavailable_response(request: HttpRequest, language: str) -> HttpResponse:
    message = _(
        "Klachtpunt is even niet bereikbaar. Er is niets opgeslagen; "
        "probeer het over een paar seconden opnieuw."
    )
    if wants_json(request):
        response: HttpResponse = JsonResponse(
            {"detail": message, "retry_after": RETRY_AFTER_SECONDS}, status=503
        )
    else:
        title = _("Even niet bereikbaar")
        response = HttpResponse(
            f'<!doctype html><html lang="{escape(language)}"><head>'
            f'<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>"
            f"<p>{escape(message)}</p></main></body></html>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
    return response


def service_unavailable(request: HttpRequest) -> HttpResponse:
    # The failure may come before LocaleMiddleware ran, leaving this thread in the language of
    # whatever it served last: answer in the visitor's own (cookie or Accept-Language), no database.
    language = translation.get_language_from_request(request)
    with translation.override(language):
        response = _unavailable_response(request, language)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    if database_unavailable(sys.exc_info()[1]):
        return service_unavailable(request)
    return django_server_error(request)
