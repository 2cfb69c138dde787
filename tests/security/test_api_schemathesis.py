"""Bad input against the API: schemathesis on both hosts' OpenAPI documents, through the WSGI app.

Bounded: ``EXAMPLES`` cases per operation and generation mode (positive: what
the document allows; negative: what it does not). Each response must not be
a 5xx and must match the document (status code, content type, body schema,
headers). Requests run through Django's WSGI handler in the test's
transaction, so nothing a case creates outlives the test.
"""

from __future__ import annotations

import sys
from collections import Counter

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support import World

EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
HOSTS = {"platform": "localhost", "alpha": "alpha.localhost"}

# Known product bugs, each marked xfail(strict=True) with the bug named, until its fix lands
# (issue 11's two, multipart without a boundary and a schema-valid body refused, are fixed on main).
KNOWN_BUGS: dict[tuple[str, str, str, GenerationMode], str] = {}


@pytest.fixture
def wsgi_in_test_transaction():  # type: ignore[no-untyped-def]
    """Django's WSGI handler closes the connection around each request; the test's transaction
    lives on that connection, so (as Django's own test client does) keep it open."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _operations(host: str):  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", get_wsgi_application(), base_url=f"http://{HOSTS[host]}"
    )
    return [result.ok() for result in schema.get_all_operations()]


def _ids() -> list[tuple[str, str, str, GenerationMode]]:
    # The documents list the same operations on both hosts (the API is one NinjaAPI).
    from klachtpunt.api import api

    paths = api.get_openapi_schema()["paths"]
    # Negative cases need something to break: only operations that take a body get them
    # (path and query parameters here are free strings, which no value violates).
    return [
        (host, method.upper(), path, mode)
        for host in HOSTS
        for path, item in paths.items()
        for method, operation in item.items()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if mode == GenerationMode.POSITIVE or "requestBody" in operation
    ]


def _params():  # type: ignore[no-untyped-def]
    try:
        ids = _ids()
    except Exception:  # Django not set up at collection (never in this suite): one placeholder
        return [pytest.param("platform", "GET", "/api/v1/prices", GenerationMode.POSITIVE)]
    params = []
    for host, method, path, mode in ids:
        marks = []
        reason = KNOWN_BUGS.get((host, method, path, mode))
        if reason:
            marks.append(pytest.mark.xfail(strict=True, reason=reason))
        params.append(
            pytest.param(host, method, path, mode, marks=marks, id=f"{host}-{method}-{path}-{mode.value}")
        )
    return params


RUNS: Counter[str] = Counter()


@pytest.mark.parametrize(("host", "method", "path", "mode"), _params())
def test_api_answers_bad_input_without_5xx_and_as_documented(
    db, world: World, wsgi_in_test_transaction, host: str, method: str, path: str, mode: GenerationMode
) -> None:
    [operation] = [op for op in _operations(host) if op.method.upper() == method and op.path == path]
    failures: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def run(case, data) -> None:  # type: ignore[no-untyped-def]
        cache.clear()  # intake rate limits count per process; each case starts afresh
        response = case.call(base_url=f"http://{HOSTS[host]}")
        RUNS["cases"] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as failure:  # schemathesis raises one error naming every failed check
            failures.append(
                f"{case.method} {case.formatted_path} -> {response.status_code}: {failure}"[:2000]
            )
        if mode == GenerationMode.POSITIVE and response.status_code in (400, 422):
            # Input the document allows must not be refused as malformed (a 403 for a missing
            # proof of work, a 404 for an unknown token are answers about state, not shape).
            failures.append(
                f"schema-valid input refused: {case.method} {case.formatted_path} {case.body!r:.500}"
            )

    run()
    print(
        f"\nschemathesis {host} {method} {path} {mode.value}: {RUNS['cases']} cases so far", file=sys.stderr
    )
    assert not failures, f"{len(failures)} failing cases, first:\n" + "\n".join(failures[:3])


def test_api_intake_multipart_without_boundary_is_a_client_error(db, world: World) -> None:
    # Issue 11 saw a 500 here against `make demo`: a client error now, never a 5xx.
    from django.test import Client

    response = Client(HTTP_HOST=world.alpha_host).generic(
        "POST", "/api/v1/complaints", b"what_happened=x", content_type="multipart/form-data"
    )
    assert 400 <= response.status_code < 500, response.status_code
