"""Who may do what at a provider: roles are ``ProviderMembership`` rows.

Views on a provider's host use ``provider_member_required``, or call the
predicates, never their own checks. Platform roles live in ``accounts.permissions``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from tenants.models import Provider, ProviderMembership, ProviderRole


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
