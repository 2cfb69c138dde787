"""The provider admin's contract-end page (from the subscription page): export, download, deletion."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from casework.dossier.access_log import Event, access_log_request, request_accessor
from casework.reports.tenant_exit.services import (
    TenantExitError,
    deletion_due_at,
    export_path,
    exports_of,
    latest_export,
    tenant_deletion_request,
    tenant_deletion_withdraw,
    tenant_export_request,
)
from tenants.models import ProviderDeletionRequest
from tenants.permissions import EXIT_PROVIDER, provider_member_required
from tenants.tenancy import request_provider

EXIT_MESSAGES = {
    "no_export": gettext_lazy("Maak en download eerst een export. Daarna kunt u verwijderen aanvragen."),
}


@require_GET
@never_cache
@provider_member_required(perm=EXIT_PROVIDER)
def exit_page(request: HttpRequest) -> HttpResponse:
    provider = request_provider(request)
    deletion = ProviderDeletionRequest.objects.filter(provider=provider).first()
    return render(
        request,
        "casework/reports/tenant_exit.html",
        {
            "provider": provider,
            "exports": exports_of(provider),
            "ready": latest_export(provider),
            "deletion": deletion,
            "deletion_due": deletion_due_at(deletion) if deletion else None,
            "settings_days": settings.TENANT_DELETION_CONFIRMATION_DAYS,
        },
    )


@require_POST
@provider_member_required(perm=EXIT_PROVIDER)
def exit_export(request: HttpRequest) -> HttpResponse:
    provider = request_provider(request)
    tenant_export_request(provider=provider, accessor=request_accessor(request, provider=provider))
    messages.success(request, _("De export wordt gemaakt. Ververs deze pagina over een paar minuten."))
    return redirect("provider_exit")


@require_GET
@never_cache
@provider_member_required(perm=EXIT_PROVIDER)
def exit_download(request: HttpRequest) -> FileResponse:
    provider = request_provider(request)
    export = latest_export(provider)
    if export is None or not export_path(provider, export).is_file():
        raise Http404
    access_log_request(
        request, Event.EXPORT, subject="tenant_export", detail=f"export {export.pk} downloaded"
    )
    response = FileResponse(
        export_path(provider, export).open("rb"), as_attachment=True, filename=export.archive_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@provider_member_required(perm=EXIT_PROVIDER)
def exit_delete(request: HttpRequest) -> HttpResponse:
    provider = request_provider(request)
    if request.POST.get("confirm") != provider.slug:
        messages.error(request, _("Typ de adres-naam van uw organisatie om het verwijderen te bevestigen."))
        return redirect("provider_exit")
    try:
        tenant_deletion_request(provider=provider, user=request.user)  # type: ignore[arg-type]
    except TenantExitError as error:
        messages.error(request, EXIT_MESSAGES.get(str(error), str(error)))
    else:
        messages.success(request, _("Uw verzoek om te verwijderen is vastgelegd."))
    return redirect("provider_exit")


@require_POST
@provider_member_required(perm=EXIT_PROVIDER)
def exit_delete_withdraw(request: HttpRequest) -> HttpResponse:
    if not tenant_deletion_withdraw(provider=request_provider(request)):
        return HttpResponseBadRequest()
    messages.success(request, _("Uw verzoek om te verwijderen is ingetrokken. Er wordt niets verwijderd."))
    return redirect("provider_exit")
