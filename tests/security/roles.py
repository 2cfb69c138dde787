"""Who the isolation matrix tries every route as: one table, built from the role enums.

A provider role added to ``tenants.models.ProviderRole`` appears here twice
(at the own and at the other provider) without an edit; a service added to
``seed.SERVICES`` adds its assigned and unassigned professional.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenants.models import ProviderRole
from tests.security.seed import SERVICES

OWN, OTHER = "own", "other"


@dataclass(frozen=True)
class Role:
    name: str
    kind: str  # anonymous, complainant, provider, professional, coordinator, platform_admin, api_key
    side: str = OWN  # whose objects the role belongs to: the own (alpha) or the other (beta) tenant
    provider_role: str = ""
    service: str = ""
    assigned: bool = False

    @property
    def logged_in(self) -> bool:
        return self.kind not in {"anonymous", "api_key"}


def _roles() -> list[Role]:
    roles = [
        Role("anonymous", "anonymous"),
        Role("complainant", "complainant", OWN),
        Role("other_complainant", "complainant", OTHER),
    ]
    for side in (OWN, OTHER):
        roles += [
            Role(f"provider_{role}_{side}", "provider", side, provider_role=role)
            for role in ProviderRole.values
        ]
    for service in SERVICES:
        roles.append(Role(f"unassigned_{service}", "professional", OWN, service=service))
        roles.append(Role(f"assigned_{service}", "professional", OWN, service=service, assigned=True))
    roles += [
        Role("coordinator", "coordinator"),
        Role("platform_admin", "platform_admin"),
        Role("api_key_own", "api_key", OWN),
        Role("api_key_other", "api_key", OTHER),
    ]
    return roles


ROLES: list[Role] = _roles()
