"""Helpers that tests share: the test world and small utilities."""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
import struct
import time
from dataclasses import dataclass

from accounts.models import PlatformRole, User
from accounts.services import totp_activate, user_create
from tenants.models import Provider, ProviderRole, Sector
from tenants.provisioning import provider_provision
from tenants.services import membership_grant, platform_tenant_ensure

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
    """The RFC 6238 code for ``secret`` now, computed here as an authenticator app would.

    The server accepts the current 30-second window only, so, like a person watching the
    app's countdown, it waits for the next code when this one has less than a second left
    (otherwise a login now and then fails because the window turned while the code was on its way).
    """
    if at is None:
        left = 30 - time.time() % 30
        if left < 1:
            time.sleep(left + 0.01)
        at = time.time()
    counter = int(at // 30)
    digest = hmac.new(
        base64.b32decode(secret, casefold=True), struct.pack(">Q", counter), hashlib.sha1
    ).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
