from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.network import client_address
from accounts.permissions import STAFF_ROLES


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:  # type: ignore[no-untyped-def]
        # Complainants sign up on the platform host; provider users are invited.
        return request.tenant.is_platform

    def get_login_redirect_url(self, request) -> str:  # type: ignore[no-untyped-def]
        # Klachtpunt's own staff land on their workplace, not on the marketing page;
        # a ?next= the login was given still wins (allauth checks it first).
        user = request.user
        tenant = getattr(request, "tenant", None)
        if tenant is not None and tenant.is_platform and STAFF_ROLES.intersection(user.roles or []):
            return reverse("workspace")
        return str(super().get_login_redirect_url(request))

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # Our own e-mails (account/email/*) end with Klachtpunt's phone number.
        super().send_mail(
            template_prefix, email, {**context, "contact_phone": settings.KLACHTPUNT_CONTACT_PHONE}
        )

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
