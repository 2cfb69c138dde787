"""Who may do what: the one place views ask.

Platform roles live on the user (``User.roles``); roles at a provider are
``ProviderMembership`` rows. Views use the decorators below, or call the
predicates, never their own checks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from accounts.models import PlatformRole
from tenants.models import Provider, ProviderMembership, ProviderRole

STAFF_ROLES = frozenset({PlatformRole.PLATFORM_ADMIN, PlatformRole.COORDINATOR, PlatformRole.PROFESSIONAL})


def provider_role(user: Any, provider: Provider) -> str | None:
    """The user's role at ``provider`` (admin or staff), or None."""
    if not getattr(user, "is_authenticated", False) or provider.is_platform:
        return None
    cache = user.__dict__.setdefault("_kp_provider_roles", {})
    if provider.pk not in cache:
        cache[provider.pk] = (
            ProviderMembership.objects.filter(user=user, provider=provider)
            .values_list("role", flat=True)
            .first()
        )
    return cache[provider.pk]


def has_platform_role(user: Any, *roles: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return any(role in user.roles for role in roles)


def requires_mfa(user: Any) -> bool:
    """Staff, professionals and everyone working for a provider need a second factor.

    Only complainants (and users with no role yet) log in with a password alone.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser or STAFF_ROLES.intersection(user.roles):
        return True
    return ProviderMembership.objects.filter(user=user).exists()


def can_use_provider_workspace(user: Any, provider: Provider) -> bool:
    return provider_role(user, provider) is not None


def can_admin_provider(user: Any, provider: Provider) -> bool:
    return provider_role(user, provider) == ProviderRole.ADMIN


def provider_member_required(*, admin: bool = False) -> Callable:
    """Decorate a tenant-host view: only members (or admins) of this provider pass."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            from django.contrib.auth.views import redirect_to_login

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            allowed = (
                can_admin_provider(request.user, request.tenant)
                if admin
                else can_use_provider_workspace(request.user, request.tenant)
            )
            if not allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def platform_role_required(*roles: str) -> Callable:
    """Decorate a platform-host view: only users holding one of ``roles`` pass."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            from django.contrib.auth.views import redirect_to_login

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.tenant.is_platform or not has_platform_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
