"""``manage.py migrate_clusters``: every cluster at once; a broken tenant is reported, the rest go on."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db.migrations.loader import MigrationLoader

from tests.clusters.conftest import on_cluster, provision

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__", serialized_rollback=True)


def latest_casework_migration() -> str:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return max(name for app, name in loader.disk_migrations if app == "casework")


def test_every_cluster_migrates_in_parallel_and_a_broken_tenant_fails_only_its_cluster(
    platform, capfd
) -> None:
    east, west = provision("eerste"), provision("tweede")
    assert {east.database, west.database} == {"east", "west"}
    latest = latest_casework_migration()
    # ``west`` forgets it ran the latest migration: running it again fails (its change is there).
    forget = f"DELETE FROM \"{west.schema_name}\".django_migrations WHERE app = 'casework' AND name = %s"
    on_cluster(west.database, forget, [latest])

    with pytest.raises(CommandError, match=f"failed on: {west.database}$"):
        call_command("migrate_clusters")

    out = capfd.readouterr()
    lines = (out.out + out.err).splitlines()
    # Each cluster ran on its own, its lines prefixed, each with only the schemas it holds.
    east_lines = [line for line in lines if line.startswith(f"[{east.database}] ")]
    west_lines = [line for line in lines if line.startswith(f"[{west.database}] ")]
    assert east_lines and west_lines
    assert not any(west.schema_name in line for line in east_lines)
    assert any(west.schema_name in line and "failed" in line.lower() for line in west_lines), west_lines
    assert f"{east.database}: done" in out.out and f"{west.database}: failed" in out.out
    # The broken tenant stays as it was; the other cluster's tenant is current.
    recorded = (
        f"SELECT count(*) FROM \"{east.schema_name}\".django_migrations WHERE app = 'casework' AND name = %s"
    )
    assert on_cluster(east.database, recorded, [latest]) == [(1,)]

    call_command("migrate_clusters", "--cluster", east.database, "--check")  # nothing behind there
