"""The provider admin's access log: every access to its dossiers, by its own people and systems,
by Klachtpunt's staff and by complainants, per party, employee and period.

Reading the log is itself logged (a search on the page, an export for the CSV).
"""

from __future__ import annotations

import datetime

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import User
from casework.dossier.access_log import Event, access_log_request
from casework.dossier.access_log_csv import access_log_csv_write
from casework.dossier.forms import AccessLogFilterForm
from casework.dossier.selectors import AccessLogFilter, access_rows, provider_access_log
from reference.dates import today_amsterdam
from tenants.models import ProviderMembership
from tenants.permissions import READ_ACCESS_LOG, provider_member_required
from tenants.tenancy import request_provider

PAGE_SIZE = 50
DEFAULT_DAYS = 30


def _members(request: HttpRequest) -> list[tuple[int, str]]:
    users = User.objects.filter(
        pk__in=ProviderMembership.objects.filter(provider=request_provider(request)).values("user_id")
    ).order_by("display_name", "email")
    return [(user.pk, str(user)) for user in users]


def _filters(request: HttpRequest) -> tuple[AccessLogFilterForm, AccessLogFilter]:
    today = today_amsterdam()
    data = request.GET.copy()
    if "since" not in data and "until" not in data:
        data["since"] = (today - datetime.timedelta(days=DEFAULT_DAYS)).isoformat()
        data["until"] = today.isoformat()
    form = AccessLogFilterForm(data, members=_members(request))
    if not form.is_valid():
        return form, AccessLogFilter(since=today - datetime.timedelta(days=DEFAULT_DAYS), until=today)
    return form, AccessLogFilter(
        user_id=form.cleaned_data["user"],
        since=form.cleaned_data["since"],
        until=form.cleaned_data["until"],
        party=form.cleaned_data["party"] or "",
    )


def _describe(filters: AccessLogFilter) -> str:
    return (
        f"party={filters.party or '*'} user={filters.user_id or '*'}"
        f" since={filters.since or ''} until={filters.until or ''}"
    )


@require_GET
@never_cache
@provider_member_required(perm=READ_ACCESS_LOG)
def provider_access_log_view(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    # Logged first, so the page (counted and sliced lazily) agrees with itself.
    access_log_request(request, Event.SEARCH, subject="access_log", detail=_describe(filters))
    entries = provider_access_log(provider=request_provider(request), filters=filters)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "casework/provider/access_log.html",
        {
            "form": form,
            "page": page,
            "rows": access_rows(provider=request_provider(request), entries=page),
            "query": query.urlencode(),
        },
    )


@require_GET
@never_cache
@provider_member_required(perm=READ_ACCESS_LOG)
def provider_access_log_export(request: HttpRequest) -> HttpResponse:
    _form, filters = _filters(request)
    entries = provider_access_log(provider=request_provider(request), filters=filters)
    access_log_request(request, Event.EXPORT, subject="access_log", detail=_describe(filters))
    filename = f"toegangslog-{request_provider(request).slug}-{today_amsterdam():%Y-%m-%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    access_log_csv_write(
        response, provider=request_provider(request), entries=entries.iterator(chunk_size=500)
    )
    return response
