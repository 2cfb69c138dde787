"""Provider-host pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.models import ProviderMembership
from tenants.permissions import can_admin_provider, provider_member_required


def provider_home(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/home.html", {"provider": request.tenant})


@provider_member_required()
def provider_workspace(request: HttpRequest) -> HttpResponse:
    provider = request.tenant
    members = (
        ProviderMembership.objects.filter(provider=provider)
        .select_related("user")
        .order_by("role", "user__email")
        if can_admin_provider(request.user, provider)
        else None
    )
    return render(request, "tenants/workspace.html", {"provider": provider, "members": members})
