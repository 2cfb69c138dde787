"""Faults during load: a worker SIGKILLed mid-task, the broker killed and restarted, PostgreSQL restarted.

The same run as tests/reliability/test_load.py (gunicorn, relay, worker, a
private PostgreSQL cluster, a private Redis that persists as deployed), and
while locust's users submit, the faults come one after another, each once the
previous one is over and more complaints have come in:

1. a worker child busy with a task is killed with SIGKILL (acks_late and
   reject-on-worker-lost: its task is delivered again);
2. Redis is killed with SIGKILL and started again on the same port after 3 s;
3. PostgreSQL is shut down (fast: every connection dropped), and while it is
   down the test itself submits and must be told 503 with Retry-After, no stack
   trace; then it starts again.

Then: no accepted complaint lost, none stored twice; every acknowledgement
delivered at least once. E-mail and database cannot commit together, so a task
whose e-mail went out but whose record did not may send it once more: the one
child killed mid-send, and each child (``worker_concurrency``) that was sending
when PostgreSQL went away. That is the bound asserted; clients saw 503s, not 500s.
"""

from __future__ import annotations

import http.client
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from tests.reliability.load import drain, run_locust, verify
from tests.reliability.pgcluster import PgCluster
from tests.reliability.stack import Broker, Stack, wait_for
from tests.reliability.test_load import LOAD_LIMITS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reliability")]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    cluster = PgCluster.create()
    broker = Broker(folder=tmp_path / "redis")
    # Deliveries lost with the broker connection come back after 30 s instead of an hour.
    stack = Stack(
        cluster=cluster, redis=broker, folder=tmp_path, extra_env={"CELERY_VISIBILITY_TIMEOUT": "30"}
    )
    try:
        cluster.start()
        broker.start()
        yield stack
    finally:
        stack.stop()
        broker.stop()
        cluster.destroy()


def _stored(stack: Stack, schema: str) -> int:
    try:
        (count,) = stack.cluster.psql(stack.dbname, f'SELECT count(*) FROM "{schema}".casework_complaint')[0]
    except psycopg2.Error:
        return -1
    return count


def _probe_while_database_is_down(stack: Stack) -> tuple[int, str | None, str]:
    # A provider host the web workers have not resolved yet: routing itself must ask the database.
    host = f"afwezig-{uuid.uuid4().hex[:6]}.localhost"
    conn = http.client.HTTPConnection("127.0.0.1", stack.web_port, timeout=30)
    try:
        conn.request(
            "POST",
            "/api/v1/complaints",
            body=json.dumps({"what_happened": "proef"}),
            headers={"Host": host, "Content-Type": "application/json", "Origin": f"http://{host}"},
        )
        response = conn.getresponse()
        return response.status, response.getheader("Retry-After"), response.read().decode(errors="replace")
    finally:
        conn.close()


def test_faults_under_load_lose_no_accepted_complaint_and_deliver_every_acknowledgement(stack: Stack) -> None:
    slug = f"storing-{uuid.uuid4().hex[:6]}"
    schema = f"p_{slug.replace('-', '_')}"
    host = stack.prepare(slug)
    stack.start_worker()
    stack.start_relay()
    stack.start_web(**LOAD_LIMITS)
    faults: dict[str, object] = {}

    def inject() -> None:
        wait_for(lambda: _stored(stack, schema) >= 40, 120, "no load arrived")
        faults["worker_sigkill_pid"] = stack.kill_busy_worker_child()
        seen = _stored(stack, schema)
        wait_for(lambda: _stored(stack, schema) >= seen + 40, 120, "load stopped after the worker kill")
        stack.redis.kill()
        time.sleep(3)  # the outage itself: the broker is away this long
        stack.redis.start()
        faults["broker_restarts"] = 1
        seen = _stored(stack, schema)
        wait_for(lambda: _stored(stack, schema) >= seen + 40, 120, "load stopped after the broker restart")
        stack.cluster.stop("fast")
        status, retry_after, body = _probe_while_database_is_down(stack)
        faults["probe_while_database_down"] = {"status": status, "retry_after": retry_after}
        faults["probe_body_has_traceback"] = "Traceback" in body or "OperationalError" in body
        time.sleep(2)  # the outage itself
        stack.cluster.start()
        faults["database_restarts"] = 1

    run = run_locust(stack, host, during=inject)
    summary = run.summary()
    drain(stack, schema, summary["accepted"])
    # A worker that exits (kombu can give up on a broker that comes back mid-acknowledgement)
    # is started again by its supervisor, as in deploy/compose.yaml and Kubernetes.
    faults["worker_restarts"] = stack.worker_restarts
    figures = verify(stack, schema, run)
    print(
        json.dumps({"faults": faults, "load": summary, "checks": figures}, indent=2)
    )  # the record (pytest -s)

    assert faults.get("database_restarts") == 1, "the faults did not all happen within the run"
    assert faults["probe_while_database_down"] == {"status": 503, "retry_after": "5"}, faults
    assert not faults["probe_body_has_traceback"]
    assert summary["accepted"] > 0 and summary["other_4xx"] == 0 and summary["gave_up"] == 0, summary
    assert run.count(lambda code: code >= 500 and code != 503) == 0, "only 503s: told to retry, no 500s"
    assert figures["lost_dossiers"] == 0 and figures["duplicated_dossiers"] == 0, figures
    assert figures["lost_index_rows"] == 0 and figures["duplicated_index_rows"] == 0, figures
    assert figures["complaints_with_wrong_outbox_rows"] == 0 and figures["unsent_outbox_rows"] == 0, figures
    assert figures["acknowledgements_missing"] == 0, figures
    # At most the child killed mid-send plus every child sending when the database went away.
    assert figures["acknowledgements_duplicated"] <= 1 + stack.worker_concurrency, figures
