"""Navigation per role, for the base layout."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import PlatformRole
from accounts.permissions import has_platform_role
from tenants.permissions import can_admin_provider, can_use_provider_workspace


def _link(name: str, label: Any) -> dict[str, Any] | None:
    try:
        return {"url": reverse(name), "label": label}
    except NoReverseMatch:
        return None


def navigation(request: HttpRequest) -> dict[str, Any]:
    tenant = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    items: list[dict[str, Any] | None] = [_link("home", _("Start"))]
    if tenant is not None and user is not None and user.is_authenticated:
        if tenant.is_platform:
            # Complainants file and follow their own complaints here. Klachtpunt's
            # staff see their work instead, unless they also hold the complainant role.
            staff = has_platform_role(
                user, PlatformRole.COORDINATOR, PlatformRole.PROFESSIONAL, PlatformRole.PLATFORM_ADMIN
            )
            if not staff or user.has_role(PlatformRole.COMPLAINANT):
                items.append(_link("portal_cases", _("Mijn klachten")))
                items.append(_link("portal_file_search", _("Klacht indienen")))
            if has_platform_role(
                user, PlatformRole.COORDINATOR, PlatformRole.PROFESSIONAL, PlatformRole.PLATFORM_ADMIN
            ):
                items.append(_link("workspace", _("Werkplek")))
            if has_platform_role(user, PlatformRole.COORDINATOR, PlatformRole.PLATFORM_ADMIN):
                items.append(_link("case_queue", _("Wachtrij")))
                items.append(_link("coordinator_dashboard", _("Dashboard")))
                items.append(_link("professional_directory", _("Professionals")))
            if user.has_role(PlatformRole.PROFESSIONAL):
                items.append(_link("my_cases", _("Mijn zaken")))
                items.append(_link("my_hours", _("Mijn uren")))
                items.append(_link("professional_dashboard", _("Mijn dashboard")))
            if has_platform_role(user, PlatformRole.PLATFORM_ADMIN):
                items.append(_link("platform_trends", _("Trends")))
                items.append(_link("admin:index", _("Beheer")))
        elif can_use_provider_workspace(user, tenant):
            items.append(_link("provider_workspace", _("Organisatie")))
            items.append(_link("provider_complaints", _("Klachten")))
            if can_admin_provider(user, tenant):
                items.append(_link("provider_member_roles", _("Gebruikers")))
                items.append(_link("provider_reports", _("Jaarverslag")))
                items.append(_link("billing_subscription", _("Abonnement")))
                items.append(_link("provider_access_log", _("Toegangslog")))
        items.append(_link("mfa_index", _("Beveiliging")))
    current = request.path
    nav = [dict(item, current=item["url"] == current) for item in items if item]
    return {"nav_items": nav, "tenant": tenant}


def contact(request: HttpRequest) -> dict[str, str]:
    """Klachtpunt's phone number and postal address, for the footer and dead-end pages."""
    return {
        "contact_phone": settings.KLACHTPUNT_CONTACT_PHONE,
        "contact_address": settings.KLACHTPUNT_CONTACT_ADDRESS,
    }
