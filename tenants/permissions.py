"""Who may do what at a provider: the roles a member holds (``ProviderMembership.roles``).

Need-to-know (DESIGN.md section 1): the provider's admin manages users,
settings, the widget, API keys and the subscription, and reads the access
log and the annual report, but no dossier; the complaint handler and the
decision maker read the complaints they work on; the employee concerned is
recorded per complaint; plain staff (a member without a role) see no dossier.

The provider-level rules are django-rules permissions on the provider
(``allowed(user, MANAGE_PROVIDER, provider)``); the rules on one
complaint live next to the dossier, in ``casework.dossier.permissions``
(tenants must not import casework). Views use ``provider_member_required``,
or ask ``allowed``, never their own checks. Platform roles live in
``accounts.permissions``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rules import permissions as _rules
from rules.predicates import Predicate

from accounts.models import AnyUser, User
from tenants.models import Provider, ProviderMembership, ProviderRole
from tenants.tenancy import request_provider


# django-rules with its types (the package leaves ``predicate`` and ``add_perm`` unannotated).
def predicate(fn: Callable[[Any, Any], bool]) -> Predicate:
    """A django-rules predicate of (user, object)."""
    return Predicate(fn)


def add_rule(name: str, rule: Predicate) -> None:
    """Register ``rule`` as the permission ``name`` in django-rules' registry."""
    _rules.add_perm(name, rule)  # type: ignore[no-untyped-call]


def provider_roles(user: AnyUser, provider: Provider) -> frozenset[str] | None:
    """The roles ``user`` holds at ``provider`` (empty: plain staff), or None for a non-member.

    Read once per request (cached on the user object).
    """
    # Not a User: an anonymous visitor (a User is always authenticated).
    if not isinstance(user, User) or provider is None or provider.is_platform:
        return None
    cache: dict[int, frozenset[str] | None] = user.__dict__.setdefault("_kp_provider_roles", {})
    if provider.pk not in cache:
        held = (
            ProviderMembership.objects.filter(user=user, provider=provider)
            .values_list("roles", flat=True)
            .first()
        )
        cache[provider.pk] = None if held is None else frozenset(held)
    return cache[provider.pk]


def holds_provider_role(user: AnyUser, provider: Provider, role: str) -> bool:
    return role in (provider_roles(user, provider) or ())


@predicate
def is_provider_member(user: AnyUser, provider: Provider | None) -> bool:
    return provider is not None and provider_roles(user, provider) is not None


@predicate
def is_provider_admin(user: AnyUser, provider: Provider | None) -> bool:
    return provider is not None and holds_provider_role(user, provider, ProviderRole.ADMIN)


@predicate
def is_provider_handler(user: AnyUser, provider: Provider | None) -> bool:
    return provider is not None and holds_provider_role(user, provider, ProviderRole.HANDLER)


@predicate
def is_provider_decision_maker(user: AnyUser, provider: Provider | None) -> bool:
    return provider is not None and holds_provider_role(user, provider, ProviderRole.DECISION_MAKER)


# Provider-level permissions (the object is the provider).
USE_WORKSPACE = "tenants.use_workspace"
MANAGE_PROVIDER = "tenants.manage_provider"  # users and roles, settings, widget, API keys, subscription
READ_ACCESS_LOG = "tenants.read_access_log"
READ_ANNUAL_REPORT = "tenants.read_annual_report"  # aggregate figures, no dossier
EXIT_PROVIDER = "tenants.exit_provider"  # contract end: export the whole tenant, ask for its deletion

add_rule(USE_WORKSPACE, is_provider_member)
add_rule(MANAGE_PROVIDER, is_provider_admin)
add_rule(READ_ACCESS_LOG, is_provider_admin)
add_rule(READ_ANNUAL_REPORT, is_provider_admin)
add_rule(EXIT_PROVIDER, is_provider_admin)


def allowed(user: AnyUser | None, perm: str, obj: Any) -> bool:
    """Whether ``user`` holds ``perm`` on ``obj``, by the rules alone.

    Not ``user.has_perm``: Django answers True to every question a superuser
    asks, and a platform superuser has no business in a provider's dossiers.
    """
    if not isinstance(user, User):  # an anonymous visitor (a User is always authenticated)
        return False
    return bool(_rules.has_perm(perm, user, obj))  # type: ignore[no-untyped-call]


def can_use_provider_workspace(user: AnyUser, provider: Provider) -> bool:
    return allowed(user, USE_WORKSPACE, provider)


def can_admin_provider(user: AnyUser, provider: Provider) -> bool:
    return allowed(user, MANAGE_PROVIDER, provider)


def provider_member_required(*, admin: bool = False, perm: str | None = None) -> Callable:
    """Decorate a tenant-host view: only members of this provider pass, and with ``admin`` (or
    ``perm``) only those holding that provider-level permission."""
    needed = perm or (MANAGE_PROVIDER if admin else USE_WORKSPACE)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            from django.contrib.auth.views import redirect_to_login

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            tenant = request_provider(request)
            if not allowed(request.user, USE_WORKSPACE, tenant) or not allowed(request.user, needed, tenant):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
