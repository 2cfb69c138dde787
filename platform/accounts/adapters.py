from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied

from accounts.network import client_address


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:  # type: ignore[no-untyped-def]
        # Complainants sign up on the platform host; provider users are invited.
        return request.tenant.is_platform

    def get_client_ip(self, request) -> str:  # type: ignore[no-untyped-def]
        # Rate limits and login lockout count the client behind our proxies, as the intake does.
        ip = client_address(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip


class MultiFactorAdapter(DefaultMFAAdapter):
    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        # The relying party is the platform's parent domain, so one security
        # key works on the platform host and on every provider host.
        return {"id": settings.MFA_WEBAUTHN_RP_ID, "name": "Klachtpunt"}
