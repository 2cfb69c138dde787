"""Two PostgreSQL servers of the tests' own, for the tests of tenant schemas on several clusters.

A pytest plugin (``pytest -p tests.clusters.servers``, as ``make test`` runs tests/clusters):
plugins named with ``-p`` are imported before pytest-django reads the settings, so
``KLACHTPUNT_CLUSTERS`` is set in time. The servers are made with Debian's PostgreSQL
binaries on free loopback ports (tests/reliability/pgcluster.py) and removed at exit.
"""

from __future__ import annotations

import atexit
import os

from tests.reliability.pgcluster import PgCluster

CLUSTER_NAMES = ("east", "west")

if not os.environ.get("KLACHTPUNT_CLUSTERS"):
    _servers = []
    for _name in CLUSTER_NAMES:
        _server = PgCluster.create()
        atexit.register(_server.destroy)
        _server.start()
        _servers.append((_name, _server))
    os.environ["KLACHTPUNT_CLUSTERS"] = ",".join(f"{n}={s.url('klachtpunt')}" for n, s in _servers)
