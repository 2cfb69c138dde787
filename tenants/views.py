"""Provider-host pages: the home page, the workspace, and the admin's users and roles."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tenants.forms import MemberRolesForm
from tenants.models import ProviderMembership
from tenants.permissions import MANAGE_PROVIDER, can_admin_provider, provider_member_required
from tenants.services import membership_roles_set


def provider_home(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/home.html", {"provider": request.tenant})


def _members(provider: object) -> list[ProviderMembership]:
    return list(
        ProviderMembership.objects.filter(provider=provider)
        .select_related("user")
        .order_by("user__display_name", "user__email")
    )


@provider_member_required()
def provider_workspace(request: HttpRequest) -> HttpResponse:
    provider = request.tenant
    members = _members(provider) if can_admin_provider(request.user, provider) else None
    return render(request, "tenants/workspace.html", {"provider": provider, "members": members})


@require_http_methods(["GET", "POST"])
@never_cache
@provider_member_required(perm=MANAGE_PROVIDER)
def member_roles(request: HttpRequest) -> HttpResponse:
    """The admin gives members their roles: admin, complaint handler, decision maker (or none)."""
    provider = request.tenant
    members = _members(provider)
    status = 200
    if request.method == "POST":
        form = MemberRolesForm(request.POST, members=members)
        if form.is_valid():
            try:
                membership_roles_set(
                    provider=provider,
                    user_id=form.cleaned_data["user"],
                    roles=form.cleaned_data["roles"],
                    actor=request.user,
                )
            except ProviderMembership.DoesNotExist:
                raise Http404 from None
            except ValidationError as refusal:
                messages.error(request, " ".join(refusal.messages))
            else:
                messages.success(request, _("De rollen zijn opgeslagen."))
                return redirect("provider_member_roles")
        status = 400
    forms = [
        (member, MemberRolesForm(members=members, initial={"user": member.user_id, "roles": member.roles}))
        for member in members
    ]
    return render(request, "tenants/member_roles.html", {"provider": provider, "rows": forms}, status=status)
