"""Reports and dashboards: the provider's annual report (provider host), staff dashboards (platform host).

Views parse the request, call one selector in ``casework.reports``, and render
the result as a page, a PDF, a CSV or an XLSX; every download is logged
(``casework.reports.exports``).
"""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import PlatformRole
from accounts.permissions import (
    coordinator_required,
    platform_role_required,
    professional_required,
    signed_in,
)
from casework.reports import exports
from casework.reports.annual import FIRST_YEAR, PRIVACY_NOTE, annual_report, report_years
from casework.reports.dashboards import coordinator_dashboard, platform_trends, professional_dashboard
from casework.reports.pdf import annual_report_pdf
from reference.dates import today_amsterdam
from tenants.permissions import READ_ANNUAL_REPORT, provider_member_required

# The annual report is aggregate (no dossier, small counts suppressed): the admin's, by need-to-know.
provider_admin_required = provider_member_required(perm=READ_ANNUAL_REPORT)
platform_admin_required = platform_role_required(PlatformRole.PLATFORM_ADMIN)

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
MONTH_CHOICES = (12, 24)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _year(year: int) -> int:
    if not FIRST_YEAR <= year <= today_amsterdam().year:
        raise Http404
    return year


def _fmt(fmt: str) -> str:
    if fmt not in exports.FORMATS:
        raise Http404
    return fmt


def _report_name() -> str:
    # A file name: lower case, no spaces.
    return _("klachtenjaarverslag")


def _generated() -> str:
    return _("Gemaakt op %(date)s") % {"date": formats.date_format(timezone.localtime(), "j F Y H:i")}


# --- The provider's annual report ---------------------------------------------------------


@require_GET
@never_cache
@provider_admin_required
def report_index(request: HttpRequest) -> HttpResponse:
    years = report_years(provider=request.tenant)
    return render(request, "casework/reports/annual_index.html", {"years": years})


@require_GET
@never_cache
@provider_admin_required
def report_page(request: HttpRequest, year: int) -> HttpResponse:
    report = annual_report(provider=request.tenant, year=_year(year))
    years = report_years(provider=request.tenant)
    return render(
        request,
        "casework/reports/annual.html",
        {"report": report, "years": years, "privacy_note": PRIVACY_NOTE},
    )


@require_GET
@never_cache
@provider_admin_required
def report_pdf(request: HttpRequest, year: int) -> HttpResponse:
    report = annual_report(provider=request.tenant, year=_year(year))
    content = annual_report_pdf(report)
    exports.report_export_log(
        request, provider=request.tenant, detail=f"Klachtenjaarverslag {year} (PDF, {get_language()})"
    )
    return _download(content, "application/pdf", f"{_report_name()}-{request.tenant.slug}-{year}.pdf")


@require_GET
@never_cache
@provider_admin_required
def report_export(request: HttpRequest, year: int, fmt: str) -> HttpResponse:
    report = annual_report(provider=request.tenant, year=_year(year))
    title = [
        _("Klachtenjaarverslag %(year)s") % {"year": year},
        request.tenant.name,
        _generated(),
        str(PRIVACY_NOTE),
    ]
    content, content_type = exports.sections_file(fmt=_fmt(fmt), title=title, sections=report.sections)
    exports.report_export_log(
        request, provider=request.tenant, detail=f"Klachtenjaarverslag {year} ({fmt.upper()})"
    )
    return _download(content, content_type, f"{_report_name()}-{request.tenant.slug}-{year}.{fmt}")


@require_GET
@never_cache
@provider_admin_required
def cases_export(request: HttpRequest, year: int, fmt: str) -> HttpResponse:
    fmt = _fmt(fmt)
    complaints = list(exports.case_export_queryset(provider=request.tenant, year=_year(year)))
    content, content_type = exports.cases_file(fmt=fmt, complaints=complaints)
    exports.cases_export_log(
        request,
        provider=request.tenant,
        complaints=complaints,
        detail=f"Klachten ontvangen in {year} ({fmt.upper()}, {len(complaints)} dossiers)",
    )
    name = _("klachten")
    return _download(content, content_type, f"{name}-{request.tenant.slug}-{year}.{fmt}")


# --- Staff dashboards (platform host) ----------------------------------------------------


@require_GET
@never_cache
@coordinator_required
def coordinator_dashboard_view(request: HttpRequest) -> HttpResponse:
    return render(request, "casework/reports/coordinator.html", {"dashboard": coordinator_dashboard()})


@require_GET
@never_cache
@coordinator_required
def coordinator_dashboard_export(request: HttpRequest, fmt: str) -> HttpResponse:
    dashboard = coordinator_dashboard()
    title = [_("Dashboard klachtencoördinatie"), _generated()]
    content, content_type = exports.sections_file(fmt=_fmt(fmt), title=title, sections=dashboard.sections)
    exports.platform_export_log(request, what="coordinator_dashboard", fmt=fmt)
    return _download(content, content_type, f"dashboard-{dashboard.today.isoformat()}.{fmt}")


@require_GET
@never_cache
@professional_required
def professional_dashboard_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "casework/reports/professional.html",
        {"dashboard": professional_dashboard(user=signed_in(request))},
    )


@require_GET
@never_cache
@professional_required
def professional_dashboard_export(request: HttpRequest, fmt: str) -> HttpResponse:
    dashboard = professional_dashboard(user=signed_in(request))
    title = [_("Mijn dashboard"), str(request.user), _generated()]
    content, content_type = exports.sections_file(fmt=_fmt(fmt), title=title, sections=dashboard.sections)
    exports.platform_export_log(request, what="professional_dashboard", fmt=fmt)
    return _download(content, content_type, f"mijn-dashboard-{dashboard.today.isoformat()}.{fmt}")


def _trends_params(request: HttpRequest) -> tuple[datetime.date | None, int]:
    last_month = None
    match = MONTH_RE.match(request.GET.get("tot", ""))
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if year >= FIRST_YEAR and 1 <= month <= 12:
            last_month = min(datetime.date(year, month, 1), today_amsterdam().replace(day=1))
    try:
        months = int(request.GET.get("maanden", "12"))
    except ValueError:
        months = 12
    return last_month, months if months in MONTH_CHOICES else 12


@require_GET
@never_cache
@platform_admin_required
def trends_view(request: HttpRequest) -> HttpResponse:
    last_month, months = _trends_params(request)
    trends = platform_trends(last_month=last_month, months=months)
    query = "?" + urlencode({"tot": f"{trends.last_month:%Y-%m}", "maanden": months})
    return render(
        request,
        "casework/reports/trends.html",
        {
            "trends": trends,
            "months": months,
            "month_choices": MONTH_CHOICES,
            "csv_url": reverse("platform_trends_export", args=["csv"]) + query,
            "xlsx_url": reverse("platform_trends_export", args=["xlsx"]) + query,
        },
    )


@require_GET
@never_cache
@platform_admin_required
def trends_export(request: HttpRequest, fmt: str) -> HttpResponse:
    last_month, months = _trends_params(request)
    trends = platform_trends(last_month=last_month, months=months)
    title = [
        _("Trends over alle zorgaanbieders"),
        f"{formats.date_format(trends.first_month, 'F Y')} – {formats.date_format(trends.last_month, 'F Y')}",
        _generated(),
    ]
    content, content_type = exports.sections_file(fmt=_fmt(fmt), title=title, sections=trends.sections)
    exports.platform_export_log(request, what="platform_trends", fmt=fmt)
    return _download(content, content_type, f"trends-{trends.last_month:%Y-%m}.{fmt}")
