"""The production processes with a provider on a second PostgreSQL cluster.

gunicorn, a Celery worker and one outbox relay per database (``relay_outbox --follow``,
and ``--database east``) run as deployed (tests/reliability/stack.py) against a control
server and a cluster server of the test's own, with ``KLACHTPUNT_CLUSTERS`` naming the
cluster. The databases are made by ``migrate_clusters``; the provider is provisioned on
the cluster; a complaint goes in through the intake API over HTTP. Then the worker ran
the acknowledgement in the provider's schema *on the cluster* (the task's schema picks
its cluster, tenants.celery_hooks), the e-mail went out once, and the control database
holds the index row but not the dossier.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.casework.widget_support import VALID_FIELDS
from tests.conftest import ROOT, RedisServer, _spawn_redis
from tests.reliability.pgcluster import PgCluster
from tests.reliability.stack import Stack, wait_for
from tests.reliability.support import query
from tests.support import free_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reliability")]


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[Stack, PgCluster, list[subprocess.Popen]]]:
    control, east = PgCluster.create(), PgCluster.create()
    port = free_port()
    broker = RedisServer(port=port, process=_spawn_redis(port))
    stack = Stack(
        cluster=control,
        redis=broker,
        folder=tmp_path,
        extra_env={"KLACHTPUNT_CLUSTERS": f"east={east.url('klachtpunt')}", "WIDGET_POW": "0"},
    )
    relays: list[subprocess.Popen] = []
    try:
        control.start()
        east.start()
        yield stack, east, relays
    finally:
        for relay in relays:
            relay.terminate()
            relay.wait(30)
        stack.stop()
        broker.stop()
        control.destroy()
        east.destroy()


def _request(stack: Stack, method: str, path: str, host: str, body: dict | None = None) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", stack.web_port, timeout=30)
    headers = {"Host": host, "Accept": "application/json"}
    if body is not None:
        headers |= {"Content-Type": "application/json", "Origin": f"http://{host}"}
        headers["Idempotency-Key"] = uuid.uuid4().hex
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    status, data = response.status, response.read()
    conn.close()
    return status, json.loads(data or b"{}")


def test_a_complaint_to_a_provider_on_a_cluster_is_filed_there_and_acknowledged_by_the_worker(
    servers,
) -> None:  # type: ignore[no-untyped-def]
    stack, east, relays = servers
    slug = f"oost-{uuid.uuid4().hex[:6]}"
    schema = f"p_{slug.replace('-', '_')}"
    stack.mail_dir.mkdir(parents=True, exist_ok=True)
    stack.media_dir.mkdir(parents=True, exist_ok=True)
    stack.cluster.create_database(stack.dbname)
    east.create_database("klachtpunt")
    migrated = stack.manage("migrate_clusters", "--noinput")
    assert "default: done" in migrated and "east: done" in migrated
    stack.manage("provision_provider", slug, "Zorg Oost")
    host = f"{slug}.localhost"
    assert query(stack.database_url, "SELECT database FROM tenants_provider WHERE slug = %s", [slug]) == [
        ("east",)
    ]
    stack.start_worker()
    stack.start_relay()
    relays.append(
        subprocess.Popen(
            [sys.executable, "manage.py", "relay_outbox", "--follow", "--database", "east"],
            cwd=ROOT,
            env=stack.env(),
            stdout=stack.log("relay-east.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
    )
    stack.start_web()

    status, challenge = _request(stack, "GET", "/api/v1/complaints/challenge", host)
    assert status == 200 and challenge["challenge"] is None
    # The intake tests' valid submission, to an address of this test's own.
    complaint = {**VALID_FIELDS, "complainant_email": "jan.oost@example.nl", "token": challenge["token"]}
    status, created = _request(stack, "POST", "/api/v1/complaints", host, complaint)
    assert status == 201, created
    reference = created["reference"]

    def acknowledged() -> bool:
        return any(reference in str(m) for m in stack.messages() if m["To"] == "jan.oost@example.nl")

    wait_for(acknowledged, 90, "no acknowledgement from the worker", stack.log("worker.log"))
    cluster_url = east.url("klachtpunt")
    [(acknowledged_at,)] = query(
        cluster_url,
        f'SELECT acknowledged_at FROM "{schema}".casework_complaint WHERE reference = %s',
        [reference],
    )
    assert acknowledged_at is not None
    assert query(stack.database_url, "SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema]) == []
    [(index_id,)] = query(
        stack.database_url, "SELECT id FROM caseindex_caseindex WHERE reference = %s", [reference]
    )
    assert index_id > 10**12
    # Both outboxes are empty: the cluster's rows were sent from the cluster.
    for url in (stack.database_url, cluster_url):
        assert query(url, "SELECT count(*) FROM outbox_outboxmessage WHERE sent_at IS NULL") == [(0,)]
    assert len([m for m in stack.messages() if m["To"] == "jan.oost@example.nl"]) == 1
