"""The layout may move code; it may not move a route, a URL name or a task name.

The snapshot (``routes_and_tasks.json`` beside this file) was taken on the code
before the redesign: the sorted (route, URL name) pairs of both URL confs and
the names of every registered Celery task. Outbox rows and the beat schedule
store task names, and bookmarks and e-mails store routes, so these must survive
any move. Regenerate only for a deliberate change:
``KLACHTPUNT_SNAPSHOT_WRITE=1 pytest tests/architecture/test_routes_and_tasks_snapshot.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

from klachtpunt.celery import app

SNAPSHOT = Path(__file__).with_name("routes_and_tasks.json")
URLCONFS = ("klachtpunt.urls_public", "klachtpunt.urls_tenant")


def _routes(patterns: list, prefix: str = "", namespace: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _routes(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            found.append((route, f"{namespace}{entry.name or ''}"))
    return found


def current() -> dict[str, list]:
    app.loader.import_default_modules()
    snapshot: dict[str, list] = {
        conf: [list(pair) for pair in sorted(set(_routes(get_resolver(conf).url_patterns)))]
        for conf in URLCONFS
    }
    snapshot["tasks"] = sorted(name for name in app.tasks if not name.startswith("celery."))
    return snapshot


def test_routes_url_names_and_task_names_match_the_snapshot() -> None:
    now = current()
    if os.environ.get("KLACHTPUNT_SNAPSHOT_WRITE") == "1":
        SNAPSHOT.write_text(json.dumps(now, indent=1, ensure_ascii=False) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    for key in expected:
        before, after = {str(item) for item in expected[key]}, {str(item) for item in now[key]}
        assert (sorted(before - after), sorted(after - before)) == ([], []), key
    assert now == expected
