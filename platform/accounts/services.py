"""Account actions: creating users with their roles and second factor."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.db import transaction

from accounts.models import Professional, User


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str,
    display_name: str = "",
    roles: list[str] | None = None,
    is_superuser: bool = False,
) -> User:
    """Create a user whose e-mail address counts as verified (for invited and seeded users)."""
    user = User.objects.create_user(
        email=email,
        password=password,
        display_name=display_name,
        roles=list(roles or []),
        is_staff=is_superuser,
        is_superuser=is_superuser,
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def professional_create(
    *,
    user: User,
    qualifications: list[str],
    sectors: list[str],
    languages: list[str],
    categories: list[str] | None = None,
    home_postcode: str = "",
    travel_radius_km: int | None = None,
    capacity: int | None = None,
) -> Professional:
    """Put ``user`` in the directory; fields left out keep the model's defaults."""
    optional = {"travel_radius_km": travel_radius_km, "capacity": capacity}
    return Professional.objects.create(
        user=user,
        qualifications=qualifications,
        sectors=sectors,
        languages=languages,
        categories=list(categories or []),
        home_postcode=home_postcode,
        **{name: value for name, value in optional.items() if value is not None},
    )


def totp_activate(*, user: User, secret: str | None = None) -> str:
    """Give ``user`` a TOTP authenticator; return its base32 secret."""
    secret = secret or generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_secret(user: User) -> str | None:
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return None
    return get_mfa_adapter().decrypt(authenticator.data["secret"])


def totp_uri(user: User, secret: str) -> str:
    issuer = settings.MFA_TOTP_ISSUER
    label = quote(f"{issuer}:{user.email}")
    return f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer)}&digits=6&period=30"


def emails_by_language(users: Iterable[User]) -> dict[str, list[str]]:
    """The users' e-mail addresses grouped by their preferred language, so each reads a notice in theirs."""
    grouped: dict[str, list[str]] = {}
    for user in users:
        grouped.setdefault(user.preferred_language or settings.LANGUAGE_CODE, []).append(user.email)
    return grouped
