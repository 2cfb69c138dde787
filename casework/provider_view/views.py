"""The provider's side: its consented complaints, their export, and its API keys.

Every read goes through ``casework.provider_view.selectors``, whose one gate lets through
only complaints whose complainant consented to sharing them.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import cast

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework.deadlines.selectors import complaint_deadline
from casework.dossier.access_log import Event, access_log_request
from casework.dossier.selectors import provider_complaint_get
from casework.provider_view.forms import ApiKeyForm, ComplaintSearchForm
from casework.provider_view.selectors import provider_complaint_search, provider_timeline
from reference.dates import today_amsterdam
from tenants.models import ProviderApiKey
from tenants.permissions import can_admin_provider, provider_member_required
from tenants.services import api_key_create, api_key_revoke

PAGE_SIZE = 25


@require_GET
@never_cache
@provider_member_required()
def complaint_list(request: HttpRequest) -> HttpResponse:
    form = ComplaintSearchForm(request.GET or None)
    complaints = provider_complaint_search(provider=request.tenant, filters=form.filters())
    page = Paginator(complaints, PAGE_SIZE).get_page(request.GET.get("page"))
    access_log_request(
        request, Event.SEARCH, subject="complaints", detail=_search_detail(form, page.paginator.count)
    )
    rows = [(complaint, complaint_deadline(complaint)) for complaint in page]
    return render(
        request,
        "casework/provider/complaint_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "searching": form.is_bound,
            "is_admin": can_admin_provider(request.user, request.tenant),
        },
    )


@require_GET
@never_cache
@provider_member_required()
def complaint_export(request: HttpRequest) -> HttpResponse:
    """The consented complaints (as searched) as CSV: routing facts only, no personal data or text."""
    form = ComplaintSearchForm(request.GET or None)
    complaints = provider_complaint_search(provider=request.tenant, filters=form.filters())
    access_log_request(request, Event.EXPORT, subject="complaints_csv", detail=_search_detail(form, None))
    filename = f"klachten-{request.tenant.slug}-{today_amsterdam():%Y-%m-%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Excel in Dutch settings expects a semicolon and needs the BOM to read UTF-8.
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("Kenmerk"),
            _("Ontvangen"),
            _("Status"),
            _("Traject"),
            _("Categorie"),
            _("Kanaal"),
            _("Formeel ontvangen op"),
            _("Uiterste datum oordeel"),
        ]
    )
    for complaint in complaints.iterator(chunk_size=500):
        deadline = complaint_deadline(complaint)
        writer.writerow(
            _csv_safe(value)
            for value in (
                complaint.reference,
                timezone.localtime(complaint.received_at).strftime("%Y-%m-%d %H:%M"),
                complaint.get_status_display(),
                complaint.get_track_display(),
                str(complaint.category) if complaint.category_id else "",
                complaint.get_channel_display(),
                complaint.formal_received_on.isoformat() if complaint.formal_received_on else "",
                deadline.isoformat() if deadline else "",
            )
        )
    return response


def _search_detail(form: ComplaintSearchForm, count: int | None) -> str:
    """What was searched, for the access log (the filters, and how many complaints matched)."""
    filters = form.filters()
    found = "" if count is None else f" -> {count}"
    return f"text={filters.text[:60]!r} status={filters.status} category={filters.category}{found}"


def _csv_safe(value: object) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet (CSV injection).
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@require_GET
@never_cache
@provider_member_required()
def complaint_detail(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = provider_complaint_get(provider=request.tenant, reference=reference)
    if complaint is None:
        # Unknown and not consented look the same: existence is not revealed.
        raise Http404
    access_log_request(request, Event.READ, complaint=complaint)
    return render(
        request,
        "casework/provider/complaint_detail.html",
        {
            "complaint": complaint,
            "deadline": complaint_deadline(complaint),
            "timeline": provider_timeline(complaint=complaint),
            "attachments": complaint.attachments.all(),
        },
    )


_View = Callable[..., HttpResponse]


def _asks_for_the_password_again(*, allow_get: bool = False) -> Callable[[_View], _View]:
    """allauth's reauthentication (the password, or the second factor) before the view acts."""

    def decorate(view: _View) -> _View:
        return cast(_View, reauthentication_required(view, allow_get=allow_get))

    return decorate


@require_http_methods(["GET", "POST"])
@never_cache
@provider_member_required(admin=True)
@_asks_for_the_password_again(allow_get=True)  # a new key is a credential
def api_keys(request: HttpRequest) -> HttpResponse:
    """List, and create, the provider's API keys; a new key is shown on this response only."""
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _key, new_key = api_key_create(
            provider=request.tenant, name=form.cleaned_data["name"], created_by=request.user
        )
        form = ApiKeyForm()
    keys = (
        ProviderApiKey.objects.filter(provider=request.tenant)
        .select_related("created_by")
        .order_by("revoked_at", "-created_at")
    )
    return render(
        request,
        "casework/provider/api_keys.html",
        {"form": form, "keys": keys, "new_key": new_key},
    )


@require_POST
@provider_member_required(admin=True)
@_asks_for_the_password_again()
def api_key_revoke_view(request: HttpRequest, key_id: int) -> HttpResponse:
    try:
        key = api_key_revoke(provider=request.tenant, key_id=key_id)
    except ProviderApiKey.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("De sleutel %(name)s is ingetrokken.") % {"name": key.name})
    return redirect("provider_api_keys")
