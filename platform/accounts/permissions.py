"""Who may do what on the platform: platform roles and the second factor.

Platform roles live on the user (``User.roles``). Views use the decorators
below, or call the predicates, never their own checks. Roles at a provider are
``ProviderMembership`` rows, checked in ``tenants.permissions``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from accounts.models import AnyUser, PlatformRole, User

STAFF_ROLES = frozenset({PlatformRole.PLATFORM_ADMIN, PlatformRole.COORDINATOR, PlatformRole.PROFESSIONAL})


def signed_in(request: HttpRequest) -> User:
    """The request's user, for views that only signed-in users reach (typed as ``User``).

    The view's own guard (``login_required``, a role decorator) has already sent
    anonymous visitors away; should one slip through, this refuses rather than
    hand an anonymous user to an action.
    """
    user = request.user
    if not isinstance(user, User):  # an anonymous visitor (a User is always authenticated)
        raise PermissionDenied
    return user


def has_platform_role(user: AnyUser, *roles: str) -> bool:
    if not isinstance(user, User):  # an anonymous visitor (a User is always authenticated)
        return False
    if user.is_superuser:
        return True
    return any(role in user.roles for role in roles)


def requires_mfa(user: AnyUser) -> bool:
    """Staff, professionals and everyone working for a provider need a second factor.

    Only complainants (and users with no role yet) log in with a password alone.
    """
    if not isinstance(user, User):  # an anonymous visitor (a User is always authenticated)
        return False
    if user.is_staff or user.is_superuser or STAFF_ROLES.intersection(user.roles):
        return True
    return user.provider_memberships.exists()


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


# The named guards views use (one definition each).
coordinator_required = platform_role_required(PlatformRole.COORDINATOR, PlatformRole.PLATFORM_ADMIN)
professional_required = platform_role_required(PlatformRole.PROFESSIONAL)
time_logger_required = platform_role_required(PlatformRole.PROFESSIONAL, PlatformRole.COORDINATOR)
staff_required = platform_role_required(
    PlatformRole.COORDINATOR, PlatformRole.PLATFORM_ADMIN, PlatformRole.PROFESSIONAL
)
