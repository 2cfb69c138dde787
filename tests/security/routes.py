"""Every route of both hosts, read from the URL resolvers and the OpenAPI documents.

Nothing here is listed by hand: a view added to ``urls_public`` or
``urls_tenant`` (or an operation added to the API) shows up in ``routes()``
and the isolation matrix then asks the expectation table for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

PLATFORM = "platform"
TENANT = "tenant"
URLCONFS = {PLATFORM: "klachtpunt.urls_public", TENANT: "klachtpunt.urls_tenant"}

_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    host: str  # PLATFORM or TENANT
    name: str  # the URL name with its namespace, or the pattern when the route has no name
    pattern: str  # the route as the resolver joins it, e.g. "werkplek/zaken/<str:reference>/"
    methods: tuple[str, ...] = ()  # from the OpenAPI document; empty for views

    @property
    def params(self) -> list[str]:
        return [a or b for a, b in _PARAM.findall(self.pattern)]

    def path(self, values: dict[str, str]) -> str:
        filled = _PARAM.sub(lambda m: str(values[m.group(1) or m.group(2)]), self.pattern)
        return "/" + filled.replace("^", "").replace("$", "")

    @property
    def key(self) -> str:
        return f"{self.host}:{self.name}"


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):  # type: ignore[no-untyped-def]
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner or namespace)
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or pattern)
            yield name, pattern


def resolver_routes() -> list[Route]:
    routes = []
    for host, urlconf in URLCONFS.items():
        for name, pattern in _walk(get_resolver(urlconf)):
            routes.append(Route(host=host, name=name, pattern=pattern))
    return routes


def openapi_operations(host: str, http_host: str) -> list[tuple[str, str, str]]:
    """(method, OpenAPI path, URL name) for every operation in ``http_host``'s document."""
    document = Client(HTTP_HOST=http_host).get("/api/v1/openapi.json")
    assert document.status_code == 200, document
    operations = []
    for path, item in document.json()["paths"].items():
        concrete = re.sub(r"\{(\w+)\}", "x", path)
        match = resolve(concrete, urlconf=URLCONFS[host])
        name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
        for method in item:
            if method in {"get", "post", "put", "patch", "delete"}:
                operations.append((method.upper(), path, name))
    return operations


def routes(http_hosts: dict[str, str]) -> list[Route]:
    """The resolvers' routes, with the methods the OpenAPI documents give the API's."""
    api_methods: dict[tuple[str, str], set[str]] = {}
    for host, http_host in http_hosts.items():
        for method, _path, name in openapi_operations(host, http_host):
            api_methods.setdefault((host, name), set()).add(method)
    return [
        Route(
            host=route.host,
            name=route.name,
            pattern=route.pattern,
            methods=tuple(sorted(api_methods.get((route.host, route.name), ()))),
        )
        for route in resolver_routes()
    ]
