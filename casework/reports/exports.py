"""CSV and XLSX of report figures and of a provider's cases; every export goes into the access log.

Figures: the same ``Section`` tables the page shows, one block (CSV) or one
sheet (XLSX) per table, hidden figures written as "–" exactly as on the page.

Cases: the provider's consented complaints, read through the one consent gate
(``casework.dossier.selectors.complaints_visible_to_provider``), without confidant
cases (the confidant is on the client's side), with the routing facts the
provider may see: no names, contact details or complaint text.

Logging (NEN 7513): an export of figures is one ``export`` entry in the
provider's access log (no dossier, the report named in ``detail``); an export
of cases is one ``export`` entry per dossier exported, written in one insert.
Exports of platform-wide figures (the coordinator's and the admin's
dashboards) touch no provider's dossier and are logged as structured events.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence

import structlog
from django.db.models import QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from casework.dossier.access_log import access_log_request, accessor_from_request
from casework.dossier.selectors import complaints_visible_to_provider
from casework.index.sharing import shared_case_ids
from casework.models import AccessLogEntry, Complaint
from casework.reports.sql import year_bounds
from casework.reports.tables import Section
from reference.dates import AMSTERDAM
from reference.deadline_rules import complaint_deadline
from tenants.clusters import schema_context
from tenants.models import Provider

log = structlog.get_logger(__name__)

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


def csv_safe(value: object) -> str:
    """A cell starting with = + - @ is a formula to a spreadsheet (CSV injection): quote it."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _xlsx_value(value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return csv_safe("" if value is None else value)


# --- Figures ------------------------------------------------------------------------------


def _section_rows(section: Section) -> list[list[object]]:
    rows: list[list[object]] = [[column.label for column in section.table.columns]]
    for row in section.table.rows:
        rows.append([row.label, *(cell.value if cell.value is not None else cell.text for cell in row.cells)])
    return rows


def sections_csv(*, title: Sequence[str], sections: Iterable[Section]) -> bytes:
    """One CSV: the title lines, then each table (caption, header, rows) with a blank line between."""
    out = io.StringIO()
    # Excel in Dutch settings expects a semicolon and needs the BOM to read UTF-8.
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    for line in title:
        writer.writerow([csv_safe(line)])
    for section in sections:
        writer.writerow([])
        writer.writerow([csv_safe(section.table.caption)])
        for row in _section_rows(section):
            writer.writerow(
                [value if isinstance(value, int | float) else csv_safe(value) for value in _numbers_nl(row)]
            )
        if section.note:
            writer.writerow([csv_safe(section.note)])
    return out.getvalue().encode("utf-8")


def _numbers_nl(row: list[object]) -> list[object]:
    # Dutch spreadsheets read a decimal comma; whole numbers stay as they are.
    return [str(value).replace(".", ",") if isinstance(value, float) else value for value in row]


def _sheet_name(caption: str, used: set[str]) -> str:
    base = "".join(ch for ch in caption if ch not in "[]:*?/\\")[:28].strip() or "Blad"
    name, number = base, 2
    while name.lower() in used:
        name = f"{base[:26]} {number}"
        number += 1
    used.add(name.lower())
    return name


def sections_xlsx(*, title: Sequence[str], sections: Iterable[Section]) -> bytes:
    """One workbook: a sheet per table, the title lines above it, numbers as numbers."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    bold = Font(bold=True)
    for section in sections:
        sheet = workbook.create_sheet(_sheet_name(section.table.caption, used))
        for line in title:
            sheet.append([_xlsx_value(line)])
        sheet.append([_xlsx_value(section.table.caption)])
        sheet.cell(row=sheet.max_row, column=1).font = bold
        header_row = sheet.max_row + 1
        for values in _section_rows(section):
            sheet.append([_xlsx_value(value) for value in values])
        for cell in sheet[header_row]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if section.note:
            sheet.append([])
            sheet.append([_xlsx_value(section.note)])
        sheet.column_dimensions["A"].width = 48
        for index in range(2, len(section.table.columns) + 1):
            sheet.column_dimensions[get_column_letter(index)].width = 16
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def sections_file(*, fmt: str, title: Sequence[str], sections: Iterable[Section]) -> tuple[bytes, str]:
    if fmt == "csv":
        return sections_csv(title=title, sections=sections), CSV_TYPE
    if fmt == "xlsx":
        return sections_xlsx(title=title, sections=sections), XLSX_TYPE
    raise ValueError(f"unknown export format: {fmt}")


def report_export_log(
    request: HttpRequest, *, provider: Provider, detail: str, event: str = "export"
) -> None:
    """One access-log entry for an export (or print) of a provider's report: no dossier, the report named."""
    access_log_request(request, event, provider=provider, subject="report", detail=detail)


def platform_export_log(request: HttpRequest, *, what: str, fmt: str) -> None:
    """Platform-wide figures name no dossier of any provider: a structured audit event."""
    log.info(
        "report_exported",
        report=what,
        format=fmt,
        user_id=getattr(request.user, "pk", None),
        host=request.get_host(),
        path=request.path,
    )


# --- Cases --------------------------------------------------------------------------------


def case_export_queryset(*, provider: Provider, year: int) -> QuerySet[Complaint]:
    """The complaints shared with the provider, received in ``year``: the gate, the rule, the year."""
    start, end = year_bounds(year)
    return (
        complaints_visible_to_provider(provider=provider)
        .filter(pk__in=Subquery(shared_case_ids(provider=provider)))
        .filter(received_at__gte=start, received_at__lt=end)
        .prefetch_related("decisions")
        .order_by("received_at", "pk")
    )


def case_header() -> list[str]:
    return [
        _("Kenmerk"),
        _("Ontvangen"),
        _("Status"),
        _("Traject"),
        _("Categorie"),
        _("Kanaal"),
        _("Wet"),
        _("Formeel ontvangen op"),
        _("Uiterste datum oordeel"),
        _("Oordeel gegeven op"),
        _("Uitkomst"),
        _("Afgesloten op"),
    ]


def _date(value: datetime.date | datetime.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.astimezone(AMSTERDAM).strftime("%Y-%m-%d")
    return value.isoformat()


def case_row(complaint: Complaint) -> list[str]:
    # The first version's date is the day the decision was given; later versions correct it.
    versions = list(complaint.decisions.all())
    decision = versions[0] if versions else None
    return [
        complaint.reference,
        timezone.localtime(complaint.received_at, AMSTERDAM).strftime("%Y-%m-%d %H:%M"),
        complaint.get_status_display(),
        complaint.get_track_display(),
        str(complaint.category) if complaint.category_id else "",
        complaint.get_channel_display(),
        complaint.get_law_display(),
        _date(complaint.formal_received_on),
        _date(complaint_deadline(complaint)),
        _date(decision.decided_on if decision else None),
        complaint.get_outcome_display() if complaint.outcome else "",
        _date(complaint.closed_at),
    ]


def cases_file(*, fmt: str, complaints: Sequence[Complaint]) -> tuple[bytes, str]:
    header = case_header()
    rows = [case_row(complaint) for complaint in complaints]
    if fmt == "csv":
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out, delimiter=";")
        writer.writerow(header)
        writer.writerows([csv_safe(value) for value in row] for row in rows)
        return out.getvalue().encode("utf-8"), CSV_TYPE
    if fmt == "xlsx":
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("Klachten")[:31]
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_xlsx_value(value) for value in row])
        for index in range(1, len(header) + 1):
            sheet.column_dimensions[get_column_letter(index)].width = 20
        sheet.freeze_panes = "B2"
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue(), XLSX_TYPE
    raise ValueError(f"unknown export format: {fmt}")


def cases_export_log(
    request: HttpRequest, *, provider: Provider, complaints: Sequence[Complaint], detail: str
) -> int:
    """One ``export`` entry per exported dossier in ``provider``'s access log, in one insert."""
    accessor = accessor_from_request(request, provider=provider)
    now = timezone.now()
    entries = [
        AccessLogEntry(
            at=now,
            event=AccessLogEntry.Event.EXPORT,
            case_id=complaint.pk,
            reference=complaint.reference,
            subject="dossier",
            detail=detail[:300],
            user_id=accessor.user_id,
            user_label=accessor.user_label,
            role=accessor.role,
            organisation=accessor.organisation[:200],
            on_behalf_of_user_id=accessor.on_behalf_of_user_id,
            on_behalf_of_label=accessor.on_behalf_of_label,
            channel=accessor.channel,
            host=accessor.host,
            path=accessor.path,
            method=accessor.method,
            ip_address=accessor.ip_address,
        )
        for complaint in complaints
    ]
    with schema_context(provider.schema_name):
        AccessLogEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)
