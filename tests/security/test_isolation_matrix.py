"""The isolation matrix: every route × every role × the own and the other tenant's objects.

Routes come from the URL resolvers and the OpenAPI documents (``routes.py``),
roles from one table (``roles.py``), the expected outcome from
``isolation_expectations.py``. Every response is also searched for data of a
tenant the role may not see (its dossier text, complainant name, references,
and on a provider's host the other provider's name).
"""

from __future__ import annotations

import logging
import sys
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.http import HttpResponse

from tests.security.isolation_expectations import expectation, expected, visible_sides
from tests.security.matrix import PLATFORM_HOST, Clients, leaks, param_values, request
from tests.security.roles import OTHER, OWN, ROLES
from tests.security.routes import PLATFORM, TENANT, routes
from tests.security.seed import MatrixWorld, matrix_world_build
from tests.support import World

# Shards per host, so the matrix spreads over the suite's workers.
SHARDS = 3
REFUSALS = {"login", "401", "403", "404", "405", "410"}


def _outcome(response: HttpResponse) -> str:
    status = response.status_code
    if status == 302 and "/login/" in response.get("Location", ""):
        return "login"
    if status == 302 and "/reauthenticate/" in response.get("Location", ""):
        return "reauth"
    if 200 <= status < 400 or status == 400:  # a 400 is a form error: the gate let the request in
        return "ok"
    return str(status)


def _matches(want: str, got: str) -> bool:
    return got in want.split("|") or (want == "any" and not got.startswith("5"))


def _all_routes(world: World):  # type: ignore[no-untyped-def]
    return routes({PLATFORM: PLATFORM_HOST, TENANT: world.alpha_host})


def test_every_route_has_an_isolation_expectation(db, world: World) -> None:
    missing = [route.key for route in _all_routes(world) if not expectation(route.key)]
    assert not missing, (
        "routes without an entry in tests/security/isolation_expectations.py (say who may reach them): "
        + ", ".join(missing)
    )


def test_every_api_operation_is_in_the_matrix_with_its_methods(db, world: World) -> None:
    api = {(route.host, route.name): route.methods for route in _all_routes(world) if route.methods}
    assert api[(TENANT, "api-v1:complaint_create")] == ("POST",)
    assert api[(PLATFORM, "api-v1:case_list")] == ("GET",)
    assert all(expectation(f"{host}:{name}") for host, name in api)


@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)
    leaked: list[str] = field(default_factory=list)


def _run(matrix: MatrixWorld, host: str, shard: int, tally: Tally) -> int:
    clients = Clients.build(matrix)
    roles = ROLES[shard::SHARDS]
    host_routes = [route for route in _all_routes(matrix.world) if route.host == host]
    for route in host_routes:
        rule = expectation(route.key)
        assert rule is not None, route.key
        for role in roles:
            seen: set[str] = set()
            for side in (OWN, OTHER):
                path = route.path(param_values(route, role, matrix, side))
                if path in seen:
                    continue  # no object of a tenant in this URL: once is enough
                seen.add(path)
                for method in route.methods or (rule.method,):
                    response, body = request(clients.get(role, host), method, path)
                    cell = f"{method} {path} [{route.key}] as {role.name} ({side})"
                    got, want = _outcome(response), expected(rule, role, side, host)
                    tally.counts["tried"] += 1
                    tally.counts["refused"] += got in REFUSALS
                    if not _matches(want, got):
                        tally.wrong.append(f"{cell}: {got}, expected {want}")
                    forbidden = {OWN, OTHER} - visible_sides(rule, role, side)
                    # A reference the requester typed into the URL comes back in the page's own
                    # links (the language switcher's "next"): that is not a leak.
                    found = [marker for marker in leaks(body, matrix, forbidden) if marker not in path]
                    if host == TENANT and matrix.other.name.encode() in body:
                        found.append(matrix.other.name)  # nobody sees another provider on this host
                    if found:
                        tally.counts["leaked"] += 1
                        tally.leaked.append(f"{cell}: {found}")
    return len(host_routes)


@pytest.mark.parametrize("shard", range(SHARDS))
@pytest.mark.parametrize("host", [PLATFORM, TENANT])
def test_isolation_matrix_refuses_and_leaks_nothing(db, world: World, host: str, shard: int) -> None:
    matrix = matrix_world_build(world)
    tally = Tally()
    quiet = logging.getLogger("django.request")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # the matrix's 404s and 403s are expected, not news
    try:
        route_count = _run(matrix, host, shard, tally)
    finally:
        quiet.setLevel(level)
    roles = len(ROLES[shard::SHARDS])
    counts = tally.counts
    print(
        f"\nisolation matrix {host} shard {shard + 1}/{SHARDS}: {route_count} routes x {roles} roles"
        f" x 2 tenants -> {counts['tried']} requests, {counts['refused']} refused, {counts['leaked']} leaked",
        file=sys.stderr,
    )
    assert not tally.leaked, "responses with another tenant's data:\n" + "\n".join(tally.leaked)
    assert not tally.wrong, f"{len(tally.wrong)} cells differ from isolation_expectations.py:\n" + "\n".join(
        tally.wrong
    )
