"""Tests of tenant schemas on several PostgreSQL clusters (tenants.clusters).

They run only in the second pass of ``make test``, where the root conftest has
started two PostgreSQL servers of the tests' own (``east`` and ``west``) and
``KLACHTPUNT_CLUSTERS`` names them; the control database is the usual test server.
Each test commits for real on every server (``transaction=True``) and makes its
own providers, since a flush between tests empties the control database.
"""

from __future__ import annotations

import os
import uuid

import pytest

from accounts.models import PlatformRole, User
from accounts.services import totp_activate, user_create
from tenants.models import Provider, ProviderRole
from tenants.provisioning import provider_provision
from tenants.services import membership_grant, platform_tenant_ensure
from tests.support import PASSWORD, TOTP_SECRET

collect_ignore_glob = [] if os.environ.get("KLACHTPUNT_CLUSTERS") else ["test_*.py"]


def provision(name: str) -> Provider:
    slug = f"{name}-{uuid.uuid4().hex[:6]}"
    return provider_provision(name=f"Zorg {name.title()}", slug=slug)


def staff_user(email: str, *, role: str) -> User:
    user = user_create(email=email, password=PASSWORD, roles=[role])
    totp_activate(user=user, secret=TOTP_SECRET)
    return user


def provider_admin(provider: Provider) -> User:
    user = user_create(email=f"admin@{provider.slug}.test", password=PASSWORD, display_name="Beslisser")
    membership_grant(user=user, provider=provider, roles=[ProviderRole.ADMIN, ProviderRole.DECISION_MAKER])
    totp_activate(user=user, secret=TOTP_SECRET)
    return user


@pytest.fixture
def platform(transactional_db):  # type: ignore[no-untyped-def]
    return platform_tenant_ensure()


@pytest.fixture
def coordinator(platform) -> User:  # type: ignore[no-untyped-def]
    return staff_user("coordinator@klachtpunt.test", role=PlatformRole.COORDINATOR)


@pytest.fixture
def fake_stripe(settings):  # type: ignore[no-untyped-def]
    """The real stripe client against a fake Stripe on a loopback port (tests/fakestripe.py)."""
    from tests.fakestripe import FakeStripe

    fake = FakeStripe().start()
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_API_BASE = fake.url
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(autouse=True)
def _easy_proof_of_work(settings) -> None:  # type: ignore[no-untyped-def]
    # The real puzzle takes a browser a second or so; tests solve a small one.
    settings.WIDGET_POW_MAX_NUMBER = 2000


def on_cluster(alias: str, sql: str, params: list | None = None) -> list[tuple]:
    """Run ``sql`` on one server directly (what is there, not what the routers show)."""
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall() if cursor.description else []


@pytest.fixture(autouse=True)
def _every_connection_back_in_public(_django_db_helper):  # type: ignore[no-untyped-def]
    """Before the flush between tests: every server's connection in its public schema.

    The flush lists the tables on the connection's search path; a tenant schema's access
    log refuses TRUNCATE (NEN 7513), and the schemas are each test's own anyway.
    """
    yield
    from django.db import connections

    from tenants.clusters import leave_cluster

    leave_cluster()
    for alias in connections:
        connections[alias].set_schema_to_public()
