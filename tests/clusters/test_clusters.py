from __future__ import annotations

import pytest
from django.db import connections

from casework.index.models import CaseIndex, IndexChange
from casework.models import Complaint
from tenants.clusters import cluster_aliases, schema_context
from tests.casework.factories import submit
from tests.clusters.conftest import provision

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def test_providers_spread_over_the_clusters_and_their_dossiers_stay_there(platform) -> None:
    assert cluster_aliases() == ["default", "east", "west"]
    first, second = provision("noord"), provision("zuid")
    assert {first.database, second.database} == {"east", "west"}

    result = submit(first)

    with schema_context(first.schema_name):
        assert Complaint.objects.filter(pk=result.complaint.pk).exists()
    # The dossier is on its cluster only.
    for alias in ("default", second.database):
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [first.schema_name])
            assert cursor.fetchone() is None, alias
    # The control database has the index row, with the cluster's id and version, and nothing waits.
    row = CaseIndex.objects.get(reference=result.complaint.reference)
    copy = CaseIndex.objects.using(first.database).get(reference=result.complaint.reference)
    assert (row.pk, row.version, row.status) == (copy.pk, copy.version, copy.status)
    assert row.pk > 10**12
    assert not IndexChange.objects.using(first.database).exists()
