"""The trivial views and the stand-in middleware that tests/bench/bench_routing.py serves.

Used as ``ROOT_URLCONF`` and in ``MIDDLEWARE`` by that benchmark only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path


def ping(request: HttpRequest) -> HttpResponse:
    """No database work: what routing costs in Python alone."""
    return HttpResponse(b"ok", content_type="text/plain")


def ping_db(request: HttpRequest) -> HttpResponse:
    """One query, as nearly every real page has: routing's ``SET search_path`` shows here."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("ping/", ping),
    path("ping-db/", ping_db),
]


class FixedTenantMiddleware:
    """Plain Django in the product's stack: the middleware after routing read ``request.tenant``.

    Sets a fixed tenant object and touches neither the database nor the
    connection's schema, so the rest of the stack runs as it does behind routing.
    """

    tenant: ClassVar[object | None] = None

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.tenant = self.tenant  # type: ignore[attr-defined]
        return self.get_response(request)
