"""Workloads apart: every Celery task is routed, by one table, to a queue a worker consumes."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings

from klachtpunt.celery import app

SNAPSHOT = Path(__file__).parent / "architecture" / "routes_and_tasks.json"
QUEUES = set(settings.CELERY_WORKLOAD_QUEUES)


def _registered() -> set[str]:
    app.loader.import_default_modules()
    return {name for name in app.tasks if not name.startswith("celery.")}


def test_every_registered_task_has_a_route_to_a_declared_queue() -> None:
    registered = _registered()
    assert len(registered) >= 20
    unrouted = registered - set(settings.CELERY_TASK_ROUTES)
    assert not unrouted, f"tasks without a route in CELERY_TASK_ROUTES: {sorted(unrouted)}"
    for name in registered:
        # What Celery's own router decides, not just what the table says.
        queue = app.amqp.router.route({}, name)["queue"].name
        assert queue == settings.CELERY_TASK_ROUTES[name]["queue"] and queue in QUEUES, name
    # A worker started without -Q (make demo, the tests) consumes every queue, the legacy one too.
    declared = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    assert declared == {*QUEUES, settings.CELERY_LEGACY_QUEUE}


def test_every_route_names_a_task_that_exists() -> None:
    stale = set(settings.CELERY_TASK_ROUTES) - _registered()
    assert not stale, f"routes for tasks that do not exist: {sorted(stale)}"


def test_every_pinned_task_name_is_routed() -> None:
    pinned = set(json.loads(SNAPSHOT.read_text())["tasks"])
    assert pinned <= set(settings.CELERY_TASK_ROUTES)


def test_workloads_are_apart_e_mail_never_shares_a_queue_with_sweeps_billing_or_provisioning() -> None:
    route = {name: entry["queue"] for name, entry in settings.CELERY_TASK_ROUTES.items()}
    assert {"intake", "reminders", "billing", "reports", "provisioning"} == QUEUES
    assert route["casework.tasks.send_acknowledgement"] == "intake"
    assert route["casework.tasks_deadlines.deadline_reminders_task"] == "reminders"
    assert route["casework.tasks_deadlines.send_deadline_reminder"] == "reminders"
    assert route["billing.tasks.bill_hours_task"] == "billing"
    assert route["billing.tasks.stripe_event_process_task"] == "billing"
    assert route["tenants.tasks.provider_provision_task"] == "provisioning"
    # An unrouted task would land where a worker listens, never on a queue nobody consumes.
    assert settings.CELERY_TASK_DEFAULT_QUEUE in QUEUES
