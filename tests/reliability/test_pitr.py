"""Point-in-time recovery of the whole cluster with pgBackRest (docs/OPERATIONS.md, "Backups").

A private cluster archives its WAL into a pgBackRest repository (the
``archive_command`` of the documented setup), a full backup is taken, a
complaint-like row is written and then deleted by mistake; the cluster is
restored to the moment before the delete and the row is back.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.reliability.pgcluster import PgCluster
from tests.reliability.stack import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reliability")]

STANZA = "klachtpunt"


def _pgbackrest() -> str:
    binary = shutil.which("pgbackrest")
    if binary is None:
        # Debian's package; deploy/dev/ensure-system-deps.sh installs it for `make test-slow`.
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "pgbackrest"], check=False
        )
        binary = shutil.which("pgbackrest")
    assert binary, "pgbackrest is missing: apt-get install pgbackrest"
    return binary


@pytest.fixture
def archived_cluster() -> Iterator[tuple[PgCluster, list[str]]]:
    binary = _pgbackrest()
    cluster = PgCluster.create()
    config = cluster.root / "pgbackrest.conf"
    for folder in ("repo", "log", "lock", "spool"):
        (cluster.root / folder).mkdir()
    config.write_text(
        "[global]\n"
        f"repo1-path={cluster.root / 'repo'}\n"
        "repo1-retention-full=2\n"
        f"log-path={cluster.root / 'log'}\n"
        f"lock-path={cluster.root / 'lock'}\n"
        f"spool-path={cluster.root / 'spool'}\n"
        "log-level-console=warn\n"
        "start-fast=y\n"
        f"[{STANZA}]\n"
        f"pg1-path={cluster.data_dir}\n"
        f"pg1-port={cluster.port}\n"
        f"pg1-socket-path={cluster.root}\n"
        "pg1-user=postgres\n"
    )
    subprocess.run(["chown", "-R", "postgres:postgres", str(cluster.root)], check=True)
    command = [binary, f"--config={config}", f"--stanza={STANZA}"]
    cluster.settings.update(
        wal_level="replica",
        archive_mode="on",
        archive_command=" ".join(command) + " archive-push %p",
        fsync="on",
    )
    try:
        cluster.start()
        yield cluster, command
    finally:
        cluster.destroy()


def test_pitr_restores_the_cluster_to_the_moment_before_a_row_was_deleted(
    archived_cluster: tuple[PgCluster, list[str]],
) -> None:
    cluster, pgbackrest = archived_cluster
    cluster.run(*pgbackrest, "stanza-create")
    cluster.run(*pgbackrest, "check")
    cluster.run(*pgbackrest, "--type=full", "backup")
    # pgBackRest records the backup's stop time in whole seconds and restores only to a target
    # after it: the rows below are written once the clock has passed that second.
    info = json.loads(cluster.run(*pgbackrest, "--output=json", "info").stdout)
    stopped = info[0]["backup"][-1]["timestamp"]["stop"]
    wait_for(lambda: time.time() > stopped + 1, 30, "the clock did not pass the backup's stop time")

    cluster.create_database("klachtpunt")
    cluster.psql("klachtpunt", "CREATE TABLE klacht (id serial PRIMARY KEY, reference text NOT NULL)")
    cluster.psql("klachtpunt", "INSERT INTO klacht (reference) VALUES ('KP-1-000001'), ('KP-1-000002')")
    ((moment,),) = cluster.psql("klachtpunt", "SELECT clock_timestamp()::text")
    cluster.psql("klachtpunt", "SELECT pg_sleep(0.05)")
    cluster.psql("klachtpunt", "DELETE FROM klacht WHERE reference = 'KP-1-000002'")
    assert cluster.psql("klachtpunt", "SELECT reference FROM klacht ORDER BY id") == [("KP-1-000001",)]
    # The WAL with the delete is archived before the disaster.
    cluster.psql("postgres", "SELECT pg_switch_wal()")
    cluster.run(*pgbackrest, "check")

    cluster.stop("immediate")  # the disaster: the server is gone, its data not to be trusted
    cluster.run(
        *pgbackrest, "--delta", "--type=time", f"--target={moment}", "--target-action=promote", "restore"
    )
    cluster.start()
    wait_for(
        lambda: cluster.psql("postgres", "SELECT pg_is_in_recovery()") == [(False,)], 120, "still recovering"
    )

    restored = cluster.psql("klachtpunt", "SELECT reference FROM klacht ORDER BY id")
    print(f"recovered to {moment}: {restored}")  # the record (pytest -s)
    assert restored == [("KP-1-000001",), ("KP-1-000002",)]
    # And it is a working primary again, on a new timeline.
    cluster.psql("klachtpunt", "INSERT INTO klacht (reference) VALUES ('KP-1-000003')")
    ((timeline,),) = cluster.psql("postgres", "SELECT timeline_id FROM pg_control_checkpoint()")
    assert timeline >= 2
