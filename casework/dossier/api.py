"""Error bodies and headers shared by the status and cases routers."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Schema


class ErrorOut(Schema):
    detail: str


NOT_FOUND = {"detail": "Not Found"}
UNAUTHORIZED = {"detail": "Unauthorized"}


def no_store(response: HttpResponse) -> None:
    """Case data must not sit in shared or browser caches."""
    response["Cache-Control"] = "no-store"
