"""Helpers for the widget and intake API tests: read the form's hidden fields, solve its challenge."""

from __future__ import annotations

import base64
import html
import json
import re
from typing import Any

import altcha
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client

from tests.casework.factories import WHAT_HAPPENED

VALID_FIELDS: dict[str, str] = {
    "complainant_kind": "client",
    "complainant_name": "Jan Jansen",
    "complainant_email": "jan.jansen@example.nl",
    "complainant_postcode": "3511 AB",
    "what_happened": WHAT_HAPPENED,
    "location": "Locatie De Linde",
    "category": "treatment",
    "law": "wlz",
    "goal": "explanation",
    "track": "informal",
    "consent": "given",
}

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ELF_AS_PDF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
MZ_AS_PDF = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 50 + b"PE\x00\x00" + b"\x00" * 200
)


API_URL = "/api/v1/complaints"


def origin_of(client: Client) -> str:
    return f"http://{client.defaults['HTTP_HOST']}"


def solve(challenge: dict[str, Any]) -> str:
    """What the form's script does: find the number and send the solution as base64 JSON."""
    solution = altcha.solve_challenge_v1(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxNumber"]
    )
    assert solution is not None
    payload = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": solution.number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


def hidden_fields(page: str) -> dict[str, str]:
    """The form's token, idempotency key and the solved challenge, as the browser would send them."""
    values = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    }
    match = re.search(r'<script id="kp-challenge" type="application/json">(.*?)</script>', page, re.S)
    assert match, "the form carries no challenge"
    challenge = json.loads(match.group(1))
    if challenge:
        values["altcha"] = solve(challenge)
    return values


def widget_post_data(client: Client, path: str = "/widget/", **overrides: Any) -> dict[str, Any]:
    """A complete, valid submission of a freshly loaded form (overrides replace or add fields)."""
    page = client.get(path).content.decode()
    return {**hidden_fields(page), **VALID_FIELDS, **overrides}


def post_form(client: Client, data: dict[str, Any], path: str = "/widget/", origin: str | None = None):  # type: ignore[no-untyped-def]
    headers = {} if origin == "" else {"HTTP_ORIGIN": origin or origin_of(client)}
    return client.post(path, data, **headers)


def guard_fields(client: Client) -> dict[str, str]:
    """A fresh token and solved challenge, fetched from the API the way the widget's script does."""
    response = client.get(f"{API_URL}/challenge")
    assert response.status_code == 200
    body = response.json()
    return {"token": body["token"], "altcha": solve(body["challenge"])}


def post_json(client: Client, payload: dict[str, Any], *, origin: str | None = None, **headers: str):  # type: ignore[no-untyped-def]
    extra = {"HTTP_ORIGIN": origin if origin is not None else origin_of(client)}
    extra.update(headers)
    return client.post(API_URL, json.dumps(payload), content_type="application/json", **extra)


class KeyExpiresBeforeFirstIncrement(LocMemCache):
    """Django's in-process cache, where a key has expired by the time it is first incremented.

    The moment a rate-limit counter's key runs out between ``cache.add`` (which
    found it) and ``cache.incr`` (which no longer does): a race with the clock
    that a real cache allows and a single-threaded test cannot otherwise arrange.
    """

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        if not getattr(self, "_expired_once", False):
            self._expired_once = True
            self.delete(key, version=version)
        return super().incr(key, delta, version)
