"""Tenant routing overhead per request, against plain Django on the same stack.

The same trivial view is served through full WSGI handlers (``WSGIHandler``:
request signals, middleware chain, view, response close) that differ only in
the routing middleware's slot:

- plain:  no routing. In the ``bare`` stack the slot is empty; in the
          ``product`` stack (our MIDDLEWARE) it holds a stand-in that sets a fixed
          ``request.tenant`` without touching the database, because the
          middleware after routing reads it.
- stock:  django-tenants' ``TenantMainMiddleware`` (a domain lookup per request).
- cached: our ``CachedTenantMiddleware`` (host lookup cached per process).

Two views: ``ping`` does no database work (routing's Python cost), ``ping-db``
runs one query, as real pages do, so the ``SET search_path`` that routing
causes is paid. Connections persist between requests as in production
(CONN_MAX_AGE; the test settings would close them after each request), with
the product's health checks on. Variants take turns in rounds, in rotating
order. Target (DESIGN.md section 7): at most 0.1 ms per request over plain Django.
"""

from __future__ import annotations

import gc
import io
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import override_settings

from tests.bench.reporting import environment, print_table, summarize, write_artifact
from tests.bench.routing_stack import FixedTenantMiddleware

REQUESTS = int(os.environ.get("BENCH_ROUTING_REQUESTS", "4000"))  # per stack, view and routing
ROUNDS = 10
WARMUP = 300
TARGET_MS = 0.1

STOCK = "django_tenants.middleware.main.TenantMainMiddleware"
CACHED = "tenants.routing.CachedTenantMiddleware"
FIXED = "tests.bench.routing_stack.FixedTenantMiddleware"
ROUTINGS = ("plain", "stock", "cached")
VIEWS = {"no query": "/ping/", "one query": "/ping-db/"}


def _stacks() -> dict[str, dict[str, list[str]]]:
    product = list(settings.MIDDLEWARE)
    slot = product.index(CACHED)

    def with_routing(middleware: str) -> list[str]:
        stack = product.copy()
        stack[slot] = middleware
        return stack

    return {
        "bare": {"plain": [], "stock": [STOCK], "cached": [CACHED]},
        "product": {
            "plain": with_routing(FIXED),
            "stock": with_routing(STOCK),
            "cached": with_routing(CACHED),
        },
    }


def _environ(host: str, path: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": host,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def _serve(handler: WSGIHandler, host: str, path: str, count: int) -> list[float]:
    """Serve ``count`` requests; return each one's time in microseconds."""
    statuses: list[str] = []

    def start_response(status: str, headers: list, exc_info: Any = None) -> None:
        statuses.append(status)

    times = []
    perf_counter_ns = time.perf_counter_ns
    for _ in range(count):
        environ = _environ(host, path)
        started = perf_counter_ns()
        response = handler(environ, start_response)
        body = b"".join(response)
        response.close()
        times.append((perf_counter_ns() - started) / 1000)
    assert body == b"ok" and set(statuses) == {"200 OK"}, (path, set(statuses))
    return times


@contextmanager
def _persistent_connection() -> Iterator[None]:
    saved = connection.settings_dict["CONN_MAX_AGE"]
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = 600
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["CONN_MAX_AGE"] = saved


@contextmanager
def _counting_statements() -> Iterator[list[int]]:
    """Count every statement sent on the connection, the backend's own SETs and health checks too."""
    connection.ensure_connection()
    raw = connection.connection
    base = raw.cursor_factory
    counter = [0]

    class CountingCursor(base):  # type: ignore[misc, valid-type]
        def execute(self, query: Any, params: Any = None) -> Any:
            counter[0] += 1
            return super().execute(query, params)

    raw.cursor_factory = CountingCursor
    try:
        yield counter
    finally:
        raw.cursor_factory = base


def test_routing_overhead_per_request(committed_db) -> None:  # type: ignore[no-untyped-def]
    world = committed_db
    host = world.alpha_host
    FixedTenantMiddleware.tenant = world.alpha
    stacks = _stacks()
    per_round = max(1, REQUESTS // ROUNDS)
    samples: dict[tuple[str, str, str], list[list[float]]] = {}
    statements: dict[tuple[str, str, str], float] = {}
    with override_settings(ROOT_URLCONF="tests.bench.routing_stack"), _persistent_connection():
        handlers = {}
        for stack, routings in stacks.items():
            for routing, middleware in routings.items():
                with override_settings(MIDDLEWARE=middleware):
                    handlers[stack, routing] = WSGIHandler()
        cells = [(stack, view, routing) for stack in stacks for view in VIEWS for routing in ROUTINGS]

        # Warm up, and check that routing really switched to the tenant's schema.
        for stack, view, routing in cells:
            connection.set_schema_to_public()
            _serve(handlers[stack, routing], host, VIEWS[view], WARMUP)
            expected = "public" if routing == "plain" else world.alpha.schema_name
            assert connection.schema_name == expected, (stack, view, routing, connection.schema_name)
            samples[stack, view, routing] = []

        for round_number in range(ROUNDS):
            shift = round_number % len(ROUTINGS)
            for stack in stacks:
                for view in VIEWS:
                    for routing in ROUTINGS[shift:] + ROUTINGS[:shift]:
                        gc.collect()
                        times = _serve(handlers[stack, routing], host, VIEWS[view], per_round)
                        samples[stack, view, routing].append(times)

        for stack, view, routing in cells:
            connection.set_schema_to_public()
            _serve(handlers[stack, routing], host, VIEWS[view], 5)
            with _counting_statements() as counter:
                _serve(handlers[stack, routing], host, VIEWS[view], 20)
            statements[stack, view, routing] = counter[0] / 20
    FixedTenantMiddleware.tenant = None

    rows = []
    figures: dict[str, Any] = {}
    for stack, view, routing in cells:
        rounds = samples[stack, view, routing]
        plain_rounds = samples[stack, view, "plain"]
        flat = [t for times in rounds for t in times]
        plain_flat = [t for times in plain_rounds for t in times]
        summary = summarize(flat)
        plain_summary = summarize(plain_flat)
        # Paired by round, so drift on a shared machine cancels out.
        mean_overhead = statistics.median(
            statistics.fmean(a) - statistics.fmean(b) for a, b in zip(rounds, plain_rounds, strict=True)
        )
        median_overhead = summary["median"] - plain_summary["median"]
        ratio = summary["median"] / plain_summary["median"]
        rows.append(
            [
                stack,
                view,
                routing,
                summary["n"],
                summary["median"],
                summary["p90"],
                summary["mean"],
                median_overhead / 1000,
                mean_overhead / 1000,
                ratio,
                statements[stack, view, routing],
            ]
        )
        figures[f"{stack}/{view}/{routing}"] = {
            "stack": stack,
            "view": view,
            "routing": routing,
            "per_request_us": summary,
            "overhead_vs_plain_ms": {"median": median_overhead / 1000, "mean_paired": mean_overhead / 1000},
            "ratio_vs_plain_median": ratio,
            "statements_per_request": statements[stack, view, routing],
        }

    print_table(
        f"Tenant routing, per request (us unless marked; {per_round * ROUNDS} requests per row, "
        f"{ROUNDS} rounds; host {host})",
        [
            "stack",
            "view",
            "routing",
            "n",
            "median us",
            "p90 us",
            "mean us",
            "+median ms",
            "+mean ms",
            "x plain",
            "SQL/req",
        ],
        rows,
    )
    headline = figures["product/one query/cached"]["overhead_vs_plain_ms"]
    met = headline["median"] <= TARGET_MS
    print(
        f"target: routing <= {TARGET_MS} ms over plain Django (product stack, one-query view, cached): "
        f"+{headline['median']:.3f} ms median, +{headline['mean_paired']:.3f} ms mean -> "
        f"{'met' if met else 'MISSED'}"
    )
    stock = figures["product/one query/stock"]["overhead_vs_plain_ms"]
    print(f"stock TenantMainMiddleware on the same stack: +{stock['median']:.3f} ms median")

    # Sanity only: the cache saves the domain lookup, and nothing is wildly off.
    for stack in stacks:
        for view in VIEWS:
            assert statements[stack, view, "cached"] < statements[stack, view, "stock"]
    assert headline["median"] < 2.0, headline

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    write_artifact(
        "routing",
        {
            "benchmark": "routing",
            "requests_per_row": per_round * ROUNDS,
            "rounds": ROUNDS,
            "cells": figures,
            "target": {
                "overhead_ms_at_most": TARGET_MS,
                "measured_ms_median": headline["median"],
                "measured_ms_mean": headline["mean_paired"],
                "met": met,
            },
            "environment": environment(pg_version),
        },
    )
