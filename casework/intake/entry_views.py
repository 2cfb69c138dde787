"""The coordinator records a complaint received by phone, letter or e-mail (platform host)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import PlatformRole
from accounts.permissions import platform_role_required
from casework.dossier.access_log import request_accessor
from casework.intake.entry import coordinator_complaint_enter
from casework.intake.forms import CoordinatorComplaintForm, ProviderSearchForm, complaint_form_for
from casework.intake.services import CONFLICT_MESSAGE, IdempotencyConflict, form_key_or_new, new_form_key
from tenants.hosts import provider_url
from tenants.models import Provider
from tenants.selectors import provider_by_slug, provider_search


@require_GET
@platform_role_required(PlatformRole.COORDINATOR)
def entry_start(request: HttpRequest) -> HttpResponse:
    form = ProviderSearchForm(request.GET if "q" in request.GET else None)
    providers, more = provider_search(query=form.cleaned_data["q"]) if form.is_valid() else ([], False)
    return render(
        request,
        "casework/coordinator/entry_start.html",
        {"form": form, "providers": providers, "more": more, "searched": form.is_bound},
    )


@require_http_methods(["GET", "POST"])
@never_cache
@platform_role_required(PlatformRole.COORDINATOR)
def entry(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        provider = provider_by_slug(slug=slug)
    except Provider.DoesNotExist as exc:
        raise Http404 from exc
    form = complaint_form_for(provider, CoordinatorComplaintForm, request)
    form_key = form_key_or_new(request.POST.get("form_key"))
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = coordinator_complaint_enter(
                provider=provider,
                submission=form.submission(),
                channel=form.cleaned_data["channel"],
                received_on=form.cleaned_data["received_on"],
                coordinator_id=request.user.pk,
                form_key=form_key,
                accessor=request_accessor(request, provider=provider, on_behalf_of_label="klager"),
                attachments=form.checked_files,
            )
        except IdempotencyConflict:
            form.add_error(None, CONFLICT_MESSAGE)
            form_key = new_form_key()
    if result is not None:
        # Shown here once, not after a redirect: the link is a secret we keep only as a hash.
        return render(
            request,
            "casework/coordinator/entry_done.html",
            {
                "provider": provider,
                "result": result,
                "complaint": result.complaint,
                "follow_url": provider_url(
                    provider, reverse("follow", args=[result.follow_token], urlconf="klachtpunt.urls_tenant")
                ),
            },
        )
    return render(
        request,
        "casework/coordinator/entry.html",
        {"form": form, "provider": provider, "form_key": form_key},
    )
