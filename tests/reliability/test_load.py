"""Load without loss: 100 complainants submitting through the widget's API for 60 s.

gunicorn (production profile, deploy/gunicorn.conf.py), the outbox relay and a
Celery worker run against a private PostgreSQL cluster and a private Redis
(tests/reliability/stack.py); locust drives them over loopback
(tests/reliability/locustfile.py). The widget's defences are configured for the
run: proof of work off (``WIDGET_POW=0``: a load generator would only burn CPU
solving it) and the rate limits raised far above what 100 users on one address
can send (``WIDGET_RATE_LIMIT_*``), so what is measured is the intake itself;
their counters are still kept, in the shared Redis cache. ``LOAD_USERS`` and
``LOAD_SECONDS`` shorten the run.

Then: every 201 reference exists exactly once, with its dossier, case-index row
and both outbox rows, and every acknowledgement e-mail was delivered exactly once.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RedisServer, _spawn_redis
from tests.reliability.load import drain, run_locust, verify
from tests.reliability.pgcluster import PgCluster
from tests.reliability.stack import Stack
from tests.support import free_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reliability")]

LOAD_LIMITS = {
    "WIDGET_POW": "0",
    "WIDGET_RATE_LIMIT_IP": "100000000/1m",
    "WIDGET_RATE_LIMIT_PROVIDER": "100000000/1m",
    "WIDGET_RATE_LIMIT_GLOBAL": "100000000/1m",
}


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    cluster = PgCluster.create()
    port = free_port()
    broker = RedisServer(port=port, process=_spawn_redis(port))
    stack = Stack(cluster=cluster, redis=broker, folder=tmp_path)
    try:
        cluster.start()
        yield stack
    finally:
        stack.stop()
        broker.stop()
        cluster.destroy()


def test_load_every_accepted_complaint_is_stored_once_and_acknowledged_once(stack: Stack) -> None:
    slug = f"last-{uuid.uuid4().hex[:6]}"
    host = stack.prepare(slug)
    stack.start_worker()
    stack.start_relay()
    stack.start_web(**LOAD_LIMITS)

    run = run_locust(stack, host)
    summary = run.summary()
    assert summary["accepted"] > 0 and summary["other_4xx"] == 0, summary
    drain(stack, f"p_{slug.replace('-', '_')}", summary["accepted"])
    figures = verify(stack, f"p_{slug.replace('-', '_')}", run)
    print(json.dumps({"load": summary, "checks": figures}, indent=2))  # the record (pytest -s)

    assert summary["5xx"] == 0 and summary["gave_up"] == 0, summary
    assert stack.worker_restarts == 0, "without faults the worker never exits"
    assert figures["lost_dossiers"] == 0 and figures["duplicated_dossiers"] == 0, figures
    assert figures["lost_index_rows"] == 0 and figures["duplicated_index_rows"] == 0, figures
    assert figures["complaints_with_wrong_outbox_rows"] == 0 and figures["unsent_outbox_rows"] == 0, figures
    assert figures["acknowledgements_missing"] == 0 and figures["acknowledgements_duplicated"] == 0, figures
