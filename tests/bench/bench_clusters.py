"""Providers on two extra PostgreSQL clusters: what the switch, the index relay and a move cost.

``make bench-clusters`` (two servers of the bench's own, tests/clusters/servers.py):

- **intake**: ``complaint_submit`` for a provider on the control database and for one on
  a cluster (the cluster's dossier transaction, its index copy, the relay to the
  control database right after commit);
- **relay**: one statement changes ``BENCH_CLUSTERS_ROWS`` index rows on a cluster (as
  many recorded changes), then ``replicate_cluster`` applies them to the control database;
- **move**: ``move_provider`` of a provider with ``BENCH_CLUSTERS_COMPLAINTS`` complaints
  (settle 0: the copy, the checks and the switch).

Figures are printed and written to tests/artifacts/bench-clusters.json; no target is asserted.
"""

from __future__ import annotations

import io
import os
import time
import uuid

import pytest
from django.core.management import call_command
from django.db import connections

from casework.index.models import CaseIndex
from casework.index.replication import replicate_cluster
from tenants.clusters import forget_schema_clusters
from tenants.provisioning import provider_provision
from tests.bench.reporting import environment, print_table, summarize, write_artifact
from tests.casework.factories import submit

pytestmark = pytest.mark.skipif(
    not os.environ.get("KLACHTPUNT_CLUSTERS"), reason="make bench-clusters starts the servers"
)

INTAKES = int(os.environ.get("BENCH_CLUSTERS_INTAKES", "100"))
ROWS = int(os.environ.get("BENCH_CLUSTERS_ROWS", "2000"))
COMPLAINTS = int(os.environ.get("BENCH_CLUSTERS_COMPLAINTS", "200"))


def _provider(name: str, settings, cluster: str):  # type: ignore[no-untyped-def]
    settings.TENANT_CLUSTERS_OPEN = [cluster]
    return provider_provision(name=name, slug=f"{name}-{uuid.uuid4().hex[:6]}")


def _intake_ms(provider) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(INTAKES):
        started = time.perf_counter()
        submit(provider)
        times.append((time.perf_counter() - started) * 1000)
    return times


def test_bench_clusters(committed_db, settings) -> None:  # type: ignore[no-untyped-def]
    on_control = _provider("control", settings, "default")
    on_east = _provider("east", settings, "east")
    control_ms, cluster_ms = _intake_ms(on_control), _intake_ms(on_east)

    many = _provider("relay", settings, "east")
    for _ in range(ROWS // INTAKES):
        _intake_ms(many)
    rows = CaseIndex.objects.filter(provider=many).count()
    with connections["east"].cursor() as cursor:
        cursor.execute("UPDATE caseindex_caseindex SET priority = 2 WHERE provider_id = %s", [many.pk])
    started = time.perf_counter()
    applied = replicate_cluster("east")
    relay_s = time.perf_counter() - started
    assert CaseIndex.objects.filter(provider=many, priority=2).count() == rows

    mover = _provider("mover", settings, "east")
    for _ in range(COMPLAINTS):
        submit(mover)
    started = time.perf_counter()
    call_command("move_provider", mover.slug, "west", settle=0, stdout=io.StringIO())
    move_s = time.perf_counter() - started
    forget_schema_clusters()

    figures = {
        "intake_control_ms": summarize(control_ms),
        "intake_cluster_ms": summarize(cluster_ms),
        "relay": {"changes": applied, "seconds": relay_s, "per_second": applied / relay_s},
        "move": {"complaints": COMPLAINTS, "seconds": move_s},
    }
    print_table(
        "Providers on several clusters",
        ["measure", "value"],
        [
            ["intake on the control database, median ms", figures["intake_control_ms"]["median"]],
            [
                "intake on a cluster (with the relay after commit), median ms",
                figures["intake_cluster_ms"]["median"],
            ],
            [f"relay of {applied} index changes, s", relay_s],
            ["relay, changes per second", applied / relay_s],
            [f"move of a provider with {COMPLAINTS} complaints, s", move_s],
        ],
    )
    write_artifact("clusters", {"environment": environment(), "figures": figures})
