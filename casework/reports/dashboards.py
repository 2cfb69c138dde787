"""Dashboards on the platform host: the coordinator's, the professional's, the platform admin's trends.

All of them read public-schema tables only (the case index, the time ledger,
invoices and memberships) in aggregate queries: one query per chart or
table, ``COUNT(*) FILTER (...)`` for the counts of each filter, whatever the
number of cases or providers. They are Klachtpunt's own working figures:
staff see the whole case index, so nothing here is suppressed; they name no
complainant and say nothing of what a complaint is about beyond its category.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import Professional, User
from billing.models import BilledLine, Invoice, InvoiceKind, MembershipService, MembershipStatus
from casework.index.models import CaseIndex, CaseStatus, Channel
from casework.index.selectors import OPEN_STATUSES
from casework.reports import charts
from casework.reports.tables import Cell, Column, Row, Section, Table, count, decimal
from casework.timesheets.models import TimeEntry, TimeKind
from reference.categories import STANDARD_CATEGORIES, category_label
from reference.dates import AMSTERDAM, month_start, today_amsterdam
from tenants.models import Provider, Sector

WEEKS = 12
MONTHS = 12
OVERDUE_LIST = 10
UPCOMING_DAYS = 14


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _week_label(day: datetime.date) -> str:
    return _("wk %(week)s") % {"week": day.isocalendar().week}


def _month_label(day: datetime.date) -> str:
    return formats.date_format(day, "M Y")


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.astimezone(AMSTERDAM).date() if value.tzinfo else value.date()
    return value


def _hours(minutes: int | None) -> float:
    return round((minutes or 0) / 60, 1)


def _overdue(today: datetime.date) -> Q:
    return Q(deadline__lt=today, decided_on__isnull=True)


@dataclass
class StatusCounts:
    """Open cases per status, with overdue, due this week and unassigned: one query."""

    rows: list[tuple[str, str, int, int, int, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(row[2] for row in self.rows)

    @property
    def overdue(self) -> int:
        return sum(row[3] for row in self.rows)

    @property
    def due_soon(self) -> int:
        return sum(row[4] for row in self.rows)

    @property
    def unassigned(self) -> int:
        return sum(row[5] for row in self.rows)


def status_counts(cases: Any, today: datetime.date) -> StatusCounts:
    soon = today + datetime.timedelta(days=6 - today.weekday())
    found = {
        row["status"]: row
        for row in cases.exclude(status=CaseStatus.CLOSED)
        .values("status")
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=_overdue(today)),
            due_soon=Count("pk", filter=Q(deadline__gte=today, deadline__lte=soon, decided_on__isnull=True)),
            unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        )
        .order_by("status")
    }
    counts = StatusCounts()
    for status in OPEN_STATUSES:
        row = found.get(status, {})
        counts.rows.append(
            (
                status.value,
                str(status.label),
                row.get("n", 0),
                row.get("overdue", 0),
                row.get("due_soon", 0),
                row.get("unassigned", 0),
            )
        )
    return counts


def _status_section(counts: StatusCounts, chart_id: str, title: str, *, unassigned: bool = True) -> Section:
    """Open cases per status; ``unassigned`` adds that column (not on a professional's own page)."""

    def cells(n: int, overdue: int, due_soon: int, not_assigned: int) -> list[Cell]:
        values = [count(n), count(overdue), count(due_soon)]
        return [*values, count(not_assigned)] if unassigned else values

    rows = [
        Row(label, cells(n, overdue, due_soon, not_assigned), key=status)
        for status, label, n, overdue, due_soon, not_assigned in counts.rows
    ]
    rows.append(
        Row(
            _("Totaal"),
            cells(counts.total, counts.overdue, counts.due_soon, counts.unassigned),
            kind="total",
            key="_total",
        )
    )
    columns = [
        Column(_("Status"), numeric=False),
        Column(_("Open")),
        Column(_("Termijn verstreken")),
        Column(_("Termijn verloopt deze week")),
    ]
    if unassigned:
        columns.append(Column(_("Niet toegewezen")))
    table = Table(caption=title, columns=columns, rows=rows)
    chart = charts.bar_chart(
        chart_id=chart_id,
        title=title,
        labels=[row[1] for row in counts.rows],
        series=[charts.Series(_("Open"), [row[2] for row in counts.rows])],
    )
    return Section(key="status", title=title, table=table, chart=chart)


# --- The coordinator -------------------------------------------------------------------


@dataclass
class WorkloadRow:
    name: str
    open_cases: int
    overdue: int
    capacity: int
    minutes: int

    @property
    def load(self) -> float:
        return self.open_cases / self.capacity if self.capacity else 0.0


@dataclass
class CoordinatorDashboard:
    today: datetime.date
    status: StatusCounts
    overdue_cases: list[CaseIndex]
    workload: list[WorkloadRow]
    sections: list[Section]


def incoming_per_week(cases: Any, today: datetime.date, weeks: int = WEEKS) -> Section:
    """Complaints received per week (Monday to Sunday) and channel over the last ``weeks``: one query."""
    first = week_start(today) - datetime.timedelta(weeks=weeks - 1)
    start = datetime.datetime.combine(first, datetime.time(), tzinfo=AMSTERDAM)
    found: dict[tuple[datetime.date, str], int] = {}
    for row in (
        cases.filter(received_at__gte=start)
        .annotate(week=TruncWeek("received_at", tzinfo=AMSTERDAM))
        .values("week", "channel")
        .annotate(n=Count("pk"))
        .order_by("week", "channel")
    ):
        found[(_as_date(row["week"]), row["channel"])] = row["n"]
    week_days = [first + datetime.timedelta(weeks=i) for i in range(weeks)]
    channels = [channel for channel in Channel if any(key[1] == channel for key in found)] or [Channel.WIDGET]
    rows = [
        Row(
            f"{_week_label(day)} ({formats.date_format(day, 'MONTH_DAY_FORMAT')})",
            [count(found.get((day, channel), 0)) for channel in channels]
            + [count(sum(found.get((day, channel), 0) for channel in channels))],
            key=day.isoformat(),
        )
        for day in week_days
    ]
    title = _("Binnengekomen klachten per week")
    table = Table(
        caption=title,
        columns=[Column(_("Week"), numeric=False)]
        + [Column(str(channel.label)) for channel in channels]
        + [Column(_("Totaal"))],
        rows=rows,
    )
    chart = charts.column_chart(
        chart_id="chart-incoming",
        title=title,
        labels=[_week_label(day) for day in week_days],
        series=[
            charts.Series(str(channel.label), [found.get((day, channel), 0) for day in week_days])
            for channel in channels
        ],
        stacked=True,
        description=_("Per week: %(weeks)s.")
        % {
            "weeks": "; ".join(
                f"{_week_label(day)}: {sum(found.get((day, channel), 0) for channel in channels)}"
                for day in week_days
            )
        },
    )
    return Section(key="incoming", title=title, table=table, chart=chart)


def workload(today: datetime.date) -> list[WorkloadRow]:
    """Active professionals (or anyone holding open cases) with their open and overdue cases and
    this month's hours: one query."""
    month = month_start(today)
    open_cases = Q(user__assigned_cases__status__in=OPEN_STATUSES)
    minutes = (
        TimeEntry.objects.filter(professional=OuterRef("user"), worked_on__gte=month)
        .values("professional")
        .annotate(total=Sum("minutes"))
        .values("total")
    )
    rows = (
        Professional.objects.annotate(
            open_cases=Count("user__assigned_cases", filter=open_cases),
            overdue=Count(
                "user__assigned_cases",
                filter=open_cases
                & Q(user__assigned_cases__deadline__lt=today, user__assigned_cases__decided_on__isnull=True),
            ),
            minutes=Coalesce(Subquery(minutes), Value(0)),
        )
        .filter(Q(active=True) | Q(open_cases__gt=0))
        .select_related("user")
        .order_by("-open_cases", "user__display_name", "user__email")
    )
    return [
        WorkloadRow(
            name=str(row.user),
            open_cases=row.open_cases,
            overdue=row.overdue,
            capacity=row.capacity,
            minutes=row.minutes,
        )
        for row in rows
    ]


def _workload_section(rows: list[WorkloadRow]) -> Section:
    title = _("Werkvoorraad per professional")
    table = Table(
        caption=title,
        columns=[
            Column(_("Professional"), numeric=False),
            Column(_("Open zaken")),
            Column(_("Maximaal")),
            Column(_("Termijn verstreken")),
            Column(_("Uren deze maand")),
        ],
        rows=[
            Row(
                row.name,
                [
                    count(row.open_cases),
                    count(row.capacity),
                    count(row.overdue),
                    decimal(_hours(row.minutes)),
                ],
            )
            for row in rows
        ],
    )
    chart = charts.bar_chart(
        chart_id="chart-workload",
        title=title,
        labels=[row.name for row in rows],
        series=[
            charts.Series(_("Open zaken"), [row.open_cases for row in rows]),
            charts.Series(_("Maximaal"), [row.capacity for row in rows]),
        ],
    )
    return Section(key="workload", title=title, table=table, chart=chart)


def coordinator_dashboard(*, today: datetime.date | None = None) -> CoordinatorDashboard:
    """The coordinator's figures over every provider: four aggregate queries and the overdue list."""
    today = today or today_amsterdam()
    cases = CaseIndex.objects.all()
    status = status_counts(cases, today)
    overdue = list(
        cases.exclude(status=CaseStatus.CLOSED)
        .filter(_overdue(today))
        .select_related("provider", "assignee")
        .order_by("deadline", "pk")[:OVERDUE_LIST]
    )
    load = workload(today)
    sections = [
        incoming_per_week(cases, today),
        _status_section(status, "chart-status", _("Open zaken per status")),
        _workload_section(load),
    ]
    return CoordinatorDashboard(
        today=today, status=status, overdue_cases=overdue, workload=load, sections=sections
    )


# --- The professional ------------------------------------------------------------------


@dataclass
class ProfessionalDashboard:
    today: datetime.date
    status: StatusCounts
    upcoming: list[CaseIndex]
    month_minutes: int
    billable_minutes: int
    sections: list[Section]


def hours_per_month(user: User, today: datetime.date, months: int = MONTHS) -> Section:
    """``user``'s logged hours per month and kind over the last ``months``: one query."""
    first = add_months(month_start(today), -(months - 1))
    found: dict[tuple[datetime.date, str], int] = {}
    for row in (
        TimeEntry.objects.filter(professional=user, worked_on__gte=first)
        .annotate(month=TruncMonth("worked_on"))
        .values("month", "kind")
        .annotate(total=Sum("minutes"))
        .order_by("month", "kind")
    ):
        found[(_as_date(row["month"]), row["kind"])] = row["total"]
    month_days = [add_months(first, i) for i in range(months)]
    title = _("Mijn uren per maand")
    month_totals = [_hours(sum(found.get((day, kind), 0) for kind in TimeKind)) for day in month_days]
    rows = [
        Row(
            _month_label(day),
            [decimal(_hours(found.get((day, kind)))) for kind in TimeKind]
            + [decimal(_hours(sum(found.get((day, kind), 0) for kind in TimeKind)))],
            key=day.isoformat(),
        )
        for day in month_days
    ]
    table = Table(
        caption=title,
        columns=[Column(_("Maand"), numeric=False)]
        + [Column(str(kind.label)) for kind in TimeKind]
        + [Column(_("Totaal"))],
        rows=rows,
    )
    chart = charts.column_chart(
        chart_id="chart-hours",
        title=title,
        labels=[formats.date_format(day, "M") for day in month_days],
        series=[
            charts.Series(str(kind.label), [_hours(found.get((day, kind))) for day in month_days])
            for kind in TimeKind
        ],
        stacked=True,
        description=_("Uren per maand: %(months)s.")
        % {
            "months": "; ".join(
                f"{_month_label(day)}: {charts.default_format(total)}"
                for day, total in zip(month_days, month_totals, strict=True)
            )
        },
    )
    return Section(key="hours", title=title, table=table, chart=chart)


def closed_per_month(cases: Any, today: datetime.date, months: int = MONTHS) -> Section:
    """Cases closed per month over the last ``months``: one query."""
    first = add_months(month_start(today), -(months - 1))
    start = datetime.datetime.combine(first, datetime.time(), tzinfo=AMSTERDAM)
    found = {
        _as_date(row["month"]): row["n"]
        for row in cases.filter(closed_at__gte=start)
        .annotate(month=TruncMonth("closed_at", tzinfo=AMSTERDAM))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    }
    month_days = [add_months(first, i) for i in range(months)]
    title = _("Mijn afgesloten zaken per maand")
    table = Table(
        caption=title,
        columns=[Column(_("Maand"), numeric=False), Column(_("Afgesloten"))],
        rows=[Row(_month_label(day), [count(found.get(day, 0))], key=day.isoformat()) for day in month_days],
    )
    chart = charts.column_chart(
        chart_id="chart-closed",
        title=title,
        labels=[formats.date_format(day, "M") for day in month_days],
        series=[charts.Series(_("Afgesloten"), [found.get(day, 0) for day in month_days])],
    )
    return Section(key="closed", title=title, table=table, chart=chart)


def professional_dashboard(*, user: User, today: datetime.date | None = None) -> ProfessionalDashboard:
    """``user``'s own cases and hours: four aggregate queries and the list of coming deadlines."""
    today = today or today_amsterdam()
    mine = CaseIndex.objects.filter(assignee=user)
    status = status_counts(mine, today)
    upcoming = list(
        mine.exclude(status=CaseStatus.CLOSED)
        .filter(deadline__lte=today + datetime.timedelta(days=UPCOMING_DAYS), decided_on__isnull=True)
        .select_related("provider")
        .order_by("deadline", "pk")[:OVERDUE_LIST]
    )
    month = TimeEntry.objects.filter(professional=user, worked_on__gte=month_start(today)).aggregate(
        total=Coalesce(Sum("minutes"), 0),
        billable=Coalesce(Sum("minutes", filter=~Q(kind=TimeKind.NON_BILLABLE)), 0),
    )
    sections = [
        _status_section(status, "chart-my-status", _("Mijn open zaken per status"), unassigned=False),
        hours_per_month(user, today),
        closed_per_month(mine, today),
    ]
    return ProfessionalDashboard(
        today=today,
        status=status,
        upcoming=upcoming,
        month_minutes=month["total"],
        billable_minutes=month["billable"],
        sections=sections,
    )


# --- The platform admin's trends ------------------------------------------------------


@dataclass
class Trends:
    first_month: datetime.date
    last_month: datetime.date
    providers: int
    cases: int
    recurring_cents: int
    sections: list[Section]

    @property
    def recurring_euros(self) -> str:
        return formats.number_format(self.recurring_cents / 100, 2, force_grouping=True)


SECTOR_LABELS = dict(Sector.choices)


def _sector_label(code: str) -> str:
    return str(SECTOR_LABELS.get(code, code or _("Onbekend")))


def _sector_category(start: datetime.datetime, end: datetime.datetime) -> list[dict[str, Any]]:
    """Cases per (sector, category), per sector, per category and in all: one scan with GROUPING SETS."""
    inner, params = (
        CaseIndex.objects.filter(received_at__gte=start, received_at__lt=end)
        .values("sector", "category_code")
        .query.sql_with_params()
    )
    sets = "(sector, category_code), (sector), (category_code), ()"
    columns = "sector, category_code, GROUPING(sector) AS g_sector, GROUPING(category_code) AS g_category"
    # No value is in the text: the inner query's values are parameters.
    sql = f"SELECT {columns}, COUNT(*) AS n FROM ({inner}) AS cases GROUP BY GROUPING SETS ({sets})"  # noqa: S608  # nosec B608  # names from code, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def platform_trends(
    *, today: datetime.date | None = None, last_month: datetime.date | None = None, months: int = MONTHS
) -> Trends:
    """Trends across every provider over ``months`` up to ``last_month``: six aggregate queries."""
    today = today or today_amsterdam()
    last = month_start(last_month or today)
    first = add_months(last, -(months - 1))
    start = datetime.datetime.combine(first, datetime.time(), tzinfo=AMSTERDAM)
    end = datetime.datetime.combine(add_months(last, 1), datetime.time(), tzinfo=AMSTERDAM)
    month_days = [add_months(first, i) for i in range(months)]
    month_labels = [formats.date_format(day, "M y") for day in month_days]

    # 1. Complaints per month and sector.
    per_month: dict[tuple[datetime.date, str], int] = {}
    for row in (
        CaseIndex.objects.filter(received_at__gte=start, received_at__lt=end)
        .annotate(month=TruncMonth("received_at", tzinfo=AMSTERDAM))
        .values("month", "sector")
        .annotate(n=Count("pk"))
        .order_by("month", "sector")
    ):
        per_month[(_as_date(row["month"]), row["sector"])] = row["n"]
    sectors_seen = sorted({sector for _day, sector in per_month}, key=_sector_label)
    title = _("Klachten per maand en sector")
    monthly = Section(
        key="monthly",
        title=title,
        table=Table(
            caption=title,
            columns=[Column(_("Maand"), numeric=False)]
            + [Column(_sector_label(sector)) for sector in sectors_seen]
            + [Column(_("Totaal"))],
            rows=[
                Row(
                    _month_label(day),
                    [count(per_month.get((day, sector), 0)) for sector in sectors_seen]
                    + [count(sum(per_month.get((day, sector), 0) for sector in sectors_seen))],
                    key=day.isoformat(),
                )
                for day in month_days
            ],
        ),
        chart=charts.line_chart(
            chart_id="chart-monthly",
            title=title,
            labels=month_labels,
            series=[
                charts.Series(_sector_label(sector), [per_month.get((day, sector), 0) for day in month_days])
                for sector in sectors_seen
            ],
            label_every=1 if months <= 12 else 2,
        ),
    )

    # 2. Sector by category, and per provider (2 queries).
    providers_per_sector = dict(
        Provider.objects.exclude(schema_name="public")
        .values("sector")
        .annotate(n=Count("pk"))
        .values_list("sector", "n")
    )
    grid = _sector_category(start, end)
    matrix: dict[tuple[str, str], int] = {}
    sector_totals: dict[str, int] = {}
    category_totals: dict[str, int] = {}
    total_cases = 0
    for row in grid:
        if row["g_sector"] == 0 and row["g_category"] == 0:
            matrix[(row["sector"], row["category_code"] or "other")] = (
                matrix.get((row["sector"], row["category_code"] or "other"), 0) + row["n"]
            )
        elif row["g_sector"] == 0:
            sector_totals[row["sector"]] = row["n"]
        elif row["g_category"] == 0:
            key = row["category_code"] or "other"
            category_totals[key] = category_totals.get(key, 0) + row["n"]
        else:
            total_cases = row["n"]
    standard = [code for code, _nl, _en in STANDARD_CATEGORIES]
    categories = [code for code in standard if code in category_totals] + sorted(
        code for code in category_totals if code not in standard
    )
    sectors = sorted(set(sector_totals) | set(providers_per_sector), key=_sector_label)
    title = _("Klachten per sector en categorie")
    by_sector = Section(
        key="sector_category",
        title=title,
        table=Table(
            caption=title,
            columns=[Column(_("Sector"), numeric=False)]
            + [Column(category_label(code)) for code in categories]
            + [Column(_("Totaal")), Column(_("Zorgaanbieders")), Column(_("Per zorgaanbieder"))],
            rows=[
                Row(
                    _sector_label(sector),
                    [count(matrix.get((sector, code), 0)) for code in categories]
                    + [
                        count(sector_totals.get(sector, 0)),
                        count(providers_per_sector.get(sector, 0)),
                        decimal(
                            sector_totals.get(sector, 0) / providers_per_sector[sector]
                            if providers_per_sector.get(sector)
                            else None
                        ),
                    ],
                    key=sector,
                )
                for sector in sectors
            ]
            + [
                Row(
                    _("Totaal"),
                    [count(category_totals.get(code, 0)) for code in categories]
                    + [
                        count(total_cases),
                        count(sum(providers_per_sector.values())),
                        decimal(
                            total_cases / sum(providers_per_sector.values()) if providers_per_sector else None
                        ),
                    ],
                    kind="total",
                    key="_total",
                )
            ],
        ),
        chart=charts.bar_chart(
            chart_id="chart-categories",
            title=_("Klachten per categorie, alle sectoren"),
            labels=[category_label(code) for code in categories],
            series=[charts.Series(_("Klachten"), [category_totals.get(code, 0) for code in categories])],
        ),
    )

    # 3. Money: membership invoices, hours invoices and billed hours per month (2 queries).
    membership = {
        _as_date(row["invoiced"]): row["net"]
        for row in Invoice.objects.filter(kind=InvoiceKind.MEMBERSHIP)
        .exclude(status__in=["void", "uncollectible", "draft"])
        .annotate(invoiced=TruncMonth(Coalesce("finalized_at", "created_at"), tzinfo=AMSTERDAM))
        .filter(invoiced__gte=start, invoiced__lt=end)
        .values("invoiced")
        .annotate(net=Sum("net_cents"))
        .order_by("month")
    }
    later_line = BilledLine.objects.filter(entry_id=OuterRef("entry_id"), seq__gt=OuterRef("seq"))
    billed = {
        row["invoice__month"]: row
        for row in BilledLine.objects.filter(
            invoice__kind=InvoiceKind.HOURS, invoice__month__gte=first, invoice__month__lte=last
        )
        .annotate(latest=~Exists(later_line))
        .values("invoice__month")
        .annotate(
            amount=Sum("amount_cents"),
            billed_minutes=Coalesce(Sum("minutes", filter=Q(latest=True)), 0),
            phone=Coalesce(Sum("minutes", filter=Q(latest=True, kind=TimeKind.PHONE)), 0),
            onsite=Coalesce(Sum("minutes", filter=Q(latest=True, kind=TimeKind.ONSITE)), 0),
        )
        .order_by("invoice__month")
    }
    recurring = MembershipService.objects.filter(
        active=True, membership__status__in=[MembershipStatus.ACTIVE, MembershipStatus.PAST_DUE]
    ).aggregate(total=Coalesce(Sum("price__amount_cents"), 0))["total"]

    def euros(cents: int | None) -> float:
        return round((cents or 0) / 100, 2)

    title = _("Omzet en gefactureerde uren per maand")
    money = Section(
        key="money",
        title=title,
        table=Table(
            caption=title,
            columns=[
                Column(_("Maand"), numeric=False),
                Column(_("Lidmaatschappen (EUR, excl. BTW)")),
                Column(_("Uren (EUR, excl. BTW)")),
                Column(_("Gefactureerde uren")),
                Column(_("waarvan telefonisch")),
                Column(_("waarvan op locatie")),
            ],
            rows=[
                Row(
                    _month_label(day),
                    [
                        decimal(euros(membership.get(day)), 2),
                        decimal(euros(billed.get(day, {}).get("amount")), 2),
                        decimal(_hours(billed.get(day, {}).get("billed_minutes"))),
                        decimal(_hours(billed.get(day, {}).get("phone"))),
                        decimal(_hours(billed.get(day, {}).get("onsite"))),
                    ],
                    key=day.isoformat(),
                )
                for day in month_days
            ],
        ),
        chart=charts.column_chart(
            chart_id="chart-revenue",
            title=_("Omzet per maand (EUR, excl. BTW)"),
            labels=[formats.date_format(day, "M y" if months > 12 else "M") for day in month_days],
            series=[
                charts.Series(_("Lidmaatschappen"), [euros(membership.get(day)) for day in month_days]),
                charts.Series(_("Uren"), [euros(billed.get(day, {}).get("amount")) for day in month_days]),
            ],
            stacked=True,
            label_every=1 if months <= 12 else 3,
        ),
    )
    hours_chart = charts.line_chart(
        chart_id="chart-billed-hours",
        title=_("Gefactureerde uren per maand"),
        labels=month_labels,
        series=[
            charts.Series(_("Telefonisch"), [_hours(billed.get(day, {}).get("phone")) for day in month_days]),
            charts.Series(_("Op locatie"), [_hours(billed.get(day, {}).get("onsite")) for day in month_days]),
        ],
        label_every=1 if months <= 12 else 2,
    )
    money.extra["second_chart"] = hours_chart
    return Trends(
        first_month=first,
        last_month=last,
        providers=sum(providers_per_sector.values()),
        cases=total_cases,
        recurring_cents=recurring,
        sections=[monthly, by_sector, money],
    )
