"""Runs one cell of the isolation matrix: a route, as a role, on the own or the other tenant's objects."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.test import Client

from casework.complainant.display import DECISION_BY_SLUG
from tests.security.roles import OTHER, OWN, Role
from tests.security.routes import PLATFORM, Route
from tests.security.seed import MISSING_ID, MatrixWorld, TenantObjects

PLATFORM_HOST = "localhost"


def objects_of(matrix: MatrixWorld, side: str) -> TenantObjects:
    return matrix.own if side == OWN else matrix.other


def param_values(route: Route, role: Role, matrix: MatrixWorld, side: str) -> dict[str, str]:
    """Fill every URL parameter from the seeded objects of ``side``'s tenant.

    A professional works on their own service's case; everyone else is tried on
    the officer case. Objects the seed does not make get an id nothing has.
    """
    objects = objects_of(matrix, side)
    service = role.service or "officer"
    case = objects.cases[service]
    token = objects.follow_tokens[service]
    values = {
        "reference": case.reference,
        "token": token,
        "claim_token": objects.claim_token,
        "decision_slug": next(iter(DECISION_BY_SLUG)),
        "slug": objects.provider.slug,
        "pk": matrix.professional_pk,
        "user_id": matrix.users[f"assigned_{service}"].pk,
        "entry_id": objects.entry_id,
        "meeting_id": objects.meeting_id,
        # The provider sees documents shared with it; the complainant those shared with them.
        "record_id": objects.provider_record_id if route.name.startswith("provider_") else objects.record_id,
        "note_id": objects.note_id,
        "part_id": objects.part_id,
        "measure_id": objects.measure_id,
        "key_id": objects.api_key_id,
        "year": datetime.date.today().year,
        "fmt": "csv",
        "file_format": "json",
        "action": "toevoegen",
        "attachment_id": objects.attachment_id,
        "letter_id": MISSING_ID,  # the seed sends no letters
        "participant_id": MISSING_ID,  # nor names people at a complaint
        "absence_id": MISSING_ID,
        "version": MISSING_ID,  # nor publishes a complaints scheme
        "conflict_id": MISSING_ID,
        "object_id": 1,  # the admin site is not per tenant: one object id for both sides
        "id": matrix.users["complainant"].pk,
        "content_type_id": 1,
        "app_label": "tenants",
        "url": "onbekend/",
        "key": "onbekend",
        "uidb36": "0",
    }
    if route.host == PLATFORM and route.name.startswith("billing_signup"):
        values["token"] = "onbekend-" + side  # sign-up tokens are not per tenant; the seed makes none
    if route.name == "billing_login_link":
        values["token"] = "onbekend-" + side  # one-time: a working link would log the client in
    return {name: str(values[name]) for name in route.params}


@dataclass
class Clients:
    """One client per role and host, logged in the way the product lets that role in."""

    matrix: MatrixWorld
    _clients: dict[tuple[str, str], Client]

    @classmethod
    def build(cls, matrix: MatrixWorld) -> Clients:
        return cls(matrix=matrix, _clients={})

    def get(self, role: Role, host: str) -> Client:
        http_host = PLATFORM_HOST if host == PLATFORM else self.matrix.own.host
        key = (role.name, http_host)
        if key not in self._clients:
            extra = {}
            if role.kind == "api_key":
                extra["HTTP_AUTHORIZATION"] = f"Bearer {objects_of(self.matrix, role.side).api_key}"
            client = Client(HTTP_HOST=http_host, **extra)
            if role.logged_in:
                # Staff have TOTP (the seed activates it); force_login stands for password + code.
                client.force_login(self.matrix.users[role.name])
            self._clients[key] = client
        return self._clients[key]


def request(client: Client, method: str, path: str) -> tuple[HttpResponse, bytes]:
    """One request in a savepoint that is rolled back, so no cell sees what another one changed.

    (An allowed role's empty POST can still act: revoking an API key needs no form.)
    """
    # Rate limits count per process: the matrix is not a flood, so each request starts afresh.
    cache.clear()
    with transaction.atomic():
        if method == "GET":
            response = client.get(path)
        elif method == "POST":
            response = client.post(path, {})
        else:
            response = client.generic(method, path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        transaction.set_rollback(True)
    return response, body


def leaks(body: bytes, matrix: MatrixWorld, forbidden_sides: set[str]) -> list[str]:
    """Markers of the tenants in ``forbidden_sides`` found in ``body``."""
    text = body.decode("utf-8", "replace")
    found = []
    for side in forbidden_sides:
        objects = objects_of(matrix, side)
        found += [marker for marker in objects.markers if marker in text]
    return found


__all__ = ["OTHER", "OWN", "Clients", "leaks", "param_values", "request"]
