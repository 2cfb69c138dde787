"""One-time, short-lived login links onto a provider's host.

Sessions are per host (klachtpunt.middleware.SessionHostBindingMiddleware),
so the admin who just signed up on the platform host cannot simply be
"logged in" on the new provider's host. The platform makes a random token,
keeps only its SHA-256, and sends the browser to the provider's host, where
the token is consumed once, before it expires, on that provider's host only.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from allauth.account.models import EmailAddress
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from billing.models import LoginLink
from tenants.hosts import provider_url
from tenants.models import Provider

LOGIN_LINK_TTL = datetime.timedelta(minutes=2)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login_link_create(*, user: User, provider: Provider, next_path: str = "/") -> str:
    """A URL on ``provider``'s host that logs ``user`` in once, within ``LOGIN_LINK_TTL``."""
    token = secrets.token_urlsafe(32)
    LoginLink.objects.create(
        token_hash=_hash(token),
        user=user,
        provider=provider,
        next_path=next_path if next_path.startswith("/") and not next_path.startswith("//") else "/",
        expires_at=timezone.now() + LOGIN_LINK_TTL,
    )
    return provider_url(provider, f"/inloggen/eenmalig/{token}/")


def login_link_consume(*, token: str, provider: Provider) -> LoginLink | None:
    """The link for ``token`` if it is unused, unexpired and for this host; it is used up now."""
    now = timezone.now()
    with transaction.atomic():
        link = (
            LoginLink.objects.select_for_update()
            .select_related("user")
            .filter(token_hash=_hash(token), provider=provider, used_at__isnull=True, expires_at__gt=now)
            .first()
        )
        if link is None or not link.user.is_active:
            return None
        link.used_at = now
        link.save(update_fields=["used_at"])
    return link


def login_link_verification_send(*, request: HttpRequest, user: User) -> bool:
    """After the first login: ask the new admin to confirm the e-mail address they signed up with.

    A second factor can only be set up with a confirmed address; True when a message went out.
    """
    address = EmailAddress.objects.filter(user=user, primary=True, verified=False).first()
    if address is None:
        return False
    address.send_confirmation(request, signup=True)
    return True
