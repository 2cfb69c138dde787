"""Helpers that tests share: the test world and small utilities."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import threading
import time
from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from django.db import connection
from django.http import HttpResponse
from django.test import Client

from accounts.models import PlatformRole, User
from accounts.services import totp_activate, user_create
from tenants.models import Provider, ProviderRole, Sector
from tenants.provisioning import provider_provision
from tenants.services import membership_grant, platform_tenant_ensure
from tests.ports import free_port as free_port  # re-exported: many tests import it from here

PASSWORD = "Test-wachtwoord-2026"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@dataclass
class World:
    platform: Provider
    alpha: Provider
    beta: Provider
    alpha_admin: User
    alpha_staff_no_mfa: User
    beta_admin: User
    coordinator: User
    complainant: User

    @property
    def alpha_host(self) -> str:
        return self.alpha.get_primary_domain().domain

    @property
    def beta_host(self) -> str:
        return self.beta.get_primary_domain().domain


def build_world() -> World:
    platform = platform_tenant_ensure()
    alpha = provider_provision(name="Zorg Alpha", slug="alpha", sector=Sector.ELDERLY, city="Utrecht")
    beta = provider_provision(name="Zorg Beta", slug="beta", sector=Sector.HOSPITAL, city="Leiden")
    alpha_admin = user_create(email="admin@alpha.test", password=PASSWORD, display_name="Admin Alpha")
    # The world's admins also decide (a small practice), so the provider pages' tests read dossiers;
    # tests/casework/test_provider_roles.py covers each role on its own.
    membership_grant(
        user=alpha_admin, provider=alpha, roles=[ProviderRole.ADMIN, ProviderRole.DECISION_MAKER]
    )
    totp_activate(user=alpha_admin, secret=TOTP_SECRET)
    alpha_staff = user_create(email="staff@alpha.test", password=PASSWORD, display_name="Staff Alpha")
    membership_grant(user=alpha_staff, provider=alpha, role=ProviderRole.STAFF)
    beta_admin = user_create(email="admin@beta.test", password=PASSWORD, display_name="Admin Beta")
    membership_grant(user=beta_admin, provider=beta, roles=[ProviderRole.ADMIN, ProviderRole.DECISION_MAKER])
    totp_activate(user=beta_admin, secret=TOTP_SECRET)
    coordinator = user_create(
        email="coordinator@klachtpunt.test", password=PASSWORD, roles=[PlatformRole.COORDINATOR]
    )
    totp_activate(user=coordinator, secret=TOTP_SECRET)
    complainant = user_create(
        email="klager@example.test", password=PASSWORD, roles=[PlatformRole.COMPLAINANT]
    )
    return World(
        platform=platform,
        alpha=alpha,
        beta=beta,
        alpha_admin=alpha_admin,
        alpha_staff_no_mfa=alpha_staff,
        beta_admin=beta_admin,
        coordinator=coordinator,
        complainant=complainant,
    )


def totp_code(secret: str = TOTP_SECRET, at: float | None = None) -> str:
    """The RFC 6238 code for ``secret`` at ``at`` (now), computed here as an authenticator app would."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(
        base64.b32decode(secret, casefold=True), struct.pack(">Q", counter), hashlib.sha1
    ).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def submit_totp(client: Client, url: str, secret: str = TOTP_SECRET) -> HttpResponse:
    """Post the current code to allauth's code form, as a person reading their app would.

    The server accepts the current 30-second window only. If the window turned between
    reading the code and the server checking it, the code was refused for that reason alone,
    and the person types the new one: one more try, never a wait. Any other refusal is returned.
    """
    for _ in range(2):
        window = int(time.time() // 30)
        response = client.post(url, {"code": totp_code(secret, at=window * 30)})
        if response.status_code == 302 or int(time.time() // 30) == window:
            break
    return response


def mfa_login(user: User, host: str, secret: str = TOTP_SECRET) -> Client:
    """``user`` logs in on ``host`` through the real flow and passes the second factor.

    A staff user without an authenticator is sent to set one up before any role check runs,
    so a test that a role is refused must use a user who passed MFA, or it passes for that reason.
    """
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        totp_activate(user=user, secret=secret)
    client = Client(HTTP_HOST=host)
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/accounts/2fa/authenticate/", response
    done = submit_totp(client, response.url, secret)
    assert done.status_code == 302 and not done.url.startswith("/accounts/"), done
    return client


def wait_for_a_lock_wait(threads: list[threading.Thread], *, waiter: str, context: object = "") -> None:
    """Until a connection to this test database waits on a lock, for race tests that hold one side.

    ``threads`` are the race's sides: one ending before anyone waits fails at once.
    Transaction-id locks name no database, so the waiting connection is found by
    its session. The sessions are read afresh each time: inside a transaction (a
    test's), PostgreSQL keeps the first look at ``pg_stat_activity`` until told to
    forget it, and a side that connected after it would never be seen. At most 60 seconds.
    """
    deadline = time.monotonic() + 60
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND pid IN "
                "(SELECT pid FROM pg_stat_activity WHERE datname = current_database())"
            )
            if cursor.fetchone()[0]:
                return
            assert all(thread.is_alive() for thread in threads), f"a side ended before the race {context}"
            time.sleep(0.01)
    raise AssertionError(f"{waiter} never waited on a lock")
