"""Routing by host name, isolation between provider hosts, schema safety."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from casework.models import Category
from tests.support import PASSWORD, World, submit_totp

pytestmark = pytest.mark.django_db


def test_platform_host_serves_landing_page(platform_client: Client) -> None:
    response = platform_client.get("/")
    assert response.status_code == 200
    assert "Onafhankelijke klachtenopvang" in response.content.decode()
    assert response.wsgi_request.tenant.schema_name == "public"


def test_provider_host_is_routed_to_its_schema(alpha_client: Client, world: World) -> None:
    response = alpha_client.get("/")
    assert response.status_code == 200
    assert response.wsgi_request.tenant.schema_name == world.alpha.schema_name
    assert "Zorg Alpha" in response.content.decode()


def test_unknown_host_gets_404() -> None:
    response = Client(HTTP_HOST="onbekend.localhost").get("/")
    assert response.status_code == 404


def test_each_provider_schema_holds_its_own_rows(world: World) -> None:
    connection.set_tenant(world.alpha)
    Category.objects.create(code="alpha-only", name_nl="Alleen alpha", name_en="Alpha only")
    assert Category.objects.filter(code="alpha-only").exists()
    connection.set_tenant(world.beta)
    assert not Category.objects.filter(code="alpha-only").exists()


def _login(client: Client, email: str) -> None:
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    response = submit_totp(client, response.url)
    assert response.status_code == 302, response.content.decode()[:500]


def test_member_of_provider_a_is_refused_on_provider_b(world: World, beta_client: Client) -> None:
    _login(beta_client, world.alpha_admin.email)
    response = beta_client.get("/organisatie/")
    assert response.status_code == 403
    assert "Geen toegang" in response.content.decode()


def test_member_reaches_own_provider_workspace(world: World, alpha_client: Client) -> None:
    _login(alpha_client, world.alpha_admin.email)
    response = alpha_client.get("/organisatie/")
    assert response.status_code == 200
    assert world.alpha_admin.email in response.content.decode()


def test_session_from_one_host_is_refused_on_another(world: World, alpha_client: Client) -> None:
    _login(alpha_client, world.alpha_admin.email)
    assert alpha_client.get("/organisatie/").status_code == 200
    session_cookie = alpha_client.cookies["kp_session"].value
    # Replay the same session id against another provider's host where the
    # user is also... not a member, and against the platform host.
    other = Client(HTTP_HOST="localhost")
    other.cookies["kp_session"] = session_cookie
    response = other.get("/werkplek/")
    assert response.status_code == 302
    assert "/accounts/login/" in response.url
    # The session is flushed, so the original host is logged out too.
    assert alpha_client.get("/organisatie/").status_code == 302


def test_rolled_back_savepoint_does_not_leave_request_in_previous_schema(world: World) -> None:
    """Regression for TENANT_LIMIT_SET_CALLS (FIELD-NOTES.md): a rollback undoes SET search_path."""
    client_alpha = Client(HTTP_HOST=world.alpha_host)
    client_beta = Client(HTTP_HOST=world.beta_host)
    assert client_alpha.get("/").status_code == 200
    connection.set_tenant(world.alpha)
    with transaction.atomic():
        try:
            with transaction.atomic():
                # First query of this "request" runs inside the savepoint that rolls back.
                Category.objects.create(code="treatment", name_nl="dubbel", name_en="dup")
        except IntegrityError:
            pass
        with connection.cursor() as cursor:
            cursor.execute("SHOW search_path")
            assert cursor.fetchone()[0].startswith(world.alpha.schema_name)
    assert client_beta.get("/").status_code == 200
    connection.set_tenant(world.beta)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        assert cursor.fetchone()[0] == world.beta.schema_name


def test_rolled_back_transaction_resets_cached_search_path(world: World) -> None:
    connection.set_tenant(world.alpha)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")  # SET search_path issued inside this atomic
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        assert cursor.fetchone()[0] == world.alpha.schema_name
