"""Provider-host pages: the home page, the workspace, and the admin's users and roles."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from tenants.forms import DisputesBodyForm, MemberRolesForm
from tenants.models import Provider, ProviderAuditEvent, ProviderMembership
from tenants.permissions import MANAGE_PROVIDER, can_admin_provider, provider_member_required
from tenants.services import membership_roles_set, provider_disputes_body_set
from tenants.tenancy import request_provider


def provider_home(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/home.html", {"provider": request_provider(request)})


def _members(provider: Provider) -> list[ProviderMembership]:
    return list(
        ProviderMembership.objects.filter(provider=provider)
        .select_related("user")
        .order_by("user__display_name", "user__email")
    )


@provider_member_required()
def provider_workspace(request: HttpRequest) -> HttpResponse:
    provider = request_provider(request)
    members = _members(provider) if can_admin_provider(request.user, provider) else None
    return render(request, "tenants/workspace.html", {"provider": provider, "members": members})


@require_GET
@never_cache
@provider_member_required(perm=MANAGE_PROVIDER)
def member_roles(request: HttpRequest) -> HttpResponse:
    """The admin gives members their roles: admin, complaint handler, decision maker (or none)."""
    return _roles_page(request)


@require_POST
@provider_member_required(perm=MANAGE_PROVIDER)
def member_roles_update(request: HttpRequest, user_id: int) -> HttpResponse:
    form = MemberRolesForm(request.POST, user_id=user_id)
    if form.is_valid():
        try:
            membership_roles_set(
                provider=request_provider(request),
                user_id=user_id,
                roles=form.cleaned_data["roles"],
                actor=cast(User, request.user),
            )
        except ProviderMembership.DoesNotExist:
            raise Http404 from None
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            messages.success(request, _("De rollen zijn opgeslagen."))
            return redirect("provider_member_roles")
    return _roles_page(request, invalid=form, status=400)


def _roles_page(
    request: HttpRequest, *, invalid: MemberRolesForm | None = None, status: int = 200
) -> HttpResponse:
    members = _members(request_provider(request))
    rows = [
        (
            member,
            invalid
            if invalid is not None and invalid.user_id == member.user_id
            else MemberRolesForm(user_id=member.user_id, initial={"roles": member.roles}),
        )
        for member in members
    ]
    return render(
        request,
        "tenants/member_roles.html",
        {"provider": request_provider(request), "rows": rows},
        status=status,
    )


DISPUTES_HISTORY_ROWS = 20


@never_cache
@require_http_methods(["GET", "POST"])
@provider_member_required(perm=MANAGE_PROVIDER)
def disputes_body_settings(request: HttpRequest) -> HttpResponse:
    """The admin chooses the disputes body from the platform's list; every change is logged."""
    # Read fresh: the routing keeps provider rows for a while, this page shows what is stored now.
    provider = Provider.objects.select_related("disputes_body").get(pk=request_provider(request).pk)
    status = 200
    if request.method == "POST":
        form = DisputesBodyForm(request.POST)
        if form.is_valid():
            try:
                changed = provider_disputes_body_set(
                    provider=provider,
                    disputes_body=form.cleaned_data["disputes_body"],
                    actor=cast(User, request.user),
                )
            except ValidationError as refusal:
                form.add_error("disputes_body", refusal)
            else:
                if changed:
                    messages.success(request, _("De geschilleninstantie is opgeslagen."))
                else:
                    messages.info(request, _("Dit was al uw geschilleninstantie; er is niets gewijzigd."))
                return redirect("provider_disputes_body")
        status = 400
    else:
        form = DisputesBodyForm(initial={"disputes_body": provider.disputes_body_id})
    history = list(
        ProviderAuditEvent.objects.filter(
            provider=provider, action=ProviderAuditEvent.Action.DISPUTES_BODY_CHANGED
        ).order_by("-at", "-pk")[:DISPUTES_HISTORY_ROWS]
    )
    return render(
        request,
        "tenants/disputes_body.html",
        {"provider": provider, "current": provider.disputes_body, "form": form, "history": history},
        status=status,
    )
