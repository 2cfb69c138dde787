"""Benchmarks run against committed data in the test database, never in a test transaction.

pytest-django creates the test database only when a collected test carries
the ``django_db`` marker or asks for ``db``; the benchmarks do neither (they
need real commits, and ``transactional_db`` would flush the session's world
afterwards). Without the override below, ``world`` would be built in the
development database. So the test database is created here unconditionally
and the world is built in it, as tests/conftest.py does for the suite.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection, connections

from tests.support import build_world


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_modify_db_settings, django_db_blocker):  # type: ignore[no-untyped-def]
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        # With KLACHTPUNT_CLUSTERS (make bench-clusters) every cluster's test database too.
        aliases = set(settings.DATABASES) if settings.TENANT_CLUSTERS else {"default"}
        config = setup_databases(verbosity=0, interactive=False, aliases=aliases)
        assert connection.settings_dict["NAME"] == settings.DATABASES["default"]["TEST"]["NAME"]
        world = build_world()
    yield world
    with django_db_blocker.unblock():
        connections.close_all()
        teardown_databases(config, verbosity=0)


@pytest.fixture
def committed_db(world, django_db_blocker):  # type: ignore[no-untyped-def]
    """The test database in autocommit, as a web process sees it: what a bench does is committed."""
    with django_db_blocker.unblock():
        yield world
