"""Dashboards on the platform host: the coordinator's, the professional's, the platform admin's trends.

Expected figures are computed in Python over the rows the test can read back
(every case-index row, every time entry), not by the dashboard's own SQL.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
from typing import Any

import pytest
import structlog
from allauth.mfa.utils import is_mfa_enabled
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import PlatformRole, User
from accounts.services import totp_activate, user_create
from billing.models import BilledLine, Invoice, InvoiceKind
from casework.index.models import CaseIndex, CaseStatus, Channel, Service
from casework.reports.dashboards import (
    add_months,
    coordinator_dashboard,
    month_start,
    platform_trends,
    professional_dashboard,
    week_start,
)
from casework.timesheets.models import TimeEntry
from reference.dates import AMSTERDAM
from tenants.models import Provider
from tests.casework.factories_professionals import make_professional
from tests.support import PASSWORD, World

pytestmark = pytest.mark.django_db

_ids = itertools.count(20_000_000)
TODAY = datetime.date(2026, 5, 20)  # a Wednesday


def index_row(provider: Provider, **fields: Any) -> CaseIndex:
    case_id = next(_ids)
    values: dict[str, Any] = {
        "provider": provider,
        "case_id": case_id,
        "reference": f"KP-TD-{case_id}",
        "channel": Channel.WIDGET,
        "received_at": datetime.datetime(2026, 5, 4, 10, tzinfo=AMSTERDAM),
        "category_code": "treatment",
        "sector": provider.sector,
        "status": CaseStatus.INTAKE,
    }
    values.update(fields)
    return CaseIndex.objects.create(**values)


def logged_in(user: User) -> Client:
    if not is_mfa_enabled(user):
        totp_activate(user=user)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def user_with(role: str, email: str) -> User:
    return user_create(email=email, password=PASSWORD, roles=[role])


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=AMSTERDAM)


# --- The coordinator ----------------------------------------------------------------------


def test_coordinator_dashboard_counts_match_the_index(world: World) -> None:
    professional = make_professional("Pia Prof", capacity=4).user
    overdue_deadline = TODAY - datetime.timedelta(days=3)
    index_row(world.alpha, status=CaseStatus.ASSIGNED, assignee=professional, deadline=overdue_deadline)
    index_row(
        world.alpha,
        status=CaseStatus.DECISION,
        assignee=professional,
        deadline=TODAY + datetime.timedelta(days=2),
    )
    index_row(
        world.beta, status=CaseStatus.IN_MEDIATION, deadline=overdue_deadline, decided_on=overdue_deadline
    )
    index_row(world.beta, status=CaseStatus.CLOSED, closed_at=at(TODAY), assignee=professional)
    index_row(world.beta, received_at=at(TODAY - datetime.timedelta(weeks=3)), channel=Channel.PHONE)
    index_row(world.alpha, received_at=at(TODAY - datetime.timedelta(weeks=20)))

    dashboard = coordinator_dashboard(today=TODAY)

    rows = list(CaseIndex.objects.all())
    open_rows = [row for row in rows if row.status != CaseStatus.CLOSED]
    assert dashboard.status.total == len(open_rows)
    assert dashboard.status.overdue == sum(
        1 for row in open_rows if row.deadline and row.deadline < TODAY and row.decided_on is None
    )
    assert dashboard.status.unassigned == sum(1 for row in open_rows if row.assignee_id is None)
    for status, _label, n, *_rest in dashboard.status.rows:
        assert n == sum(1 for row in open_rows if row.status == status)
    assert [case.deadline for case in dashboard.overdue_cases] == sorted(
        row.deadline for row in open_rows if row.deadline and row.deadline < TODAY and row.decided_on is None
    )

    incoming = next(section for section in dashboard.sections if section.key == "incoming")
    first = week_start(TODAY) - datetime.timedelta(weeks=11)
    for row in incoming.table.rows:
        monday = datetime.date.fromisoformat(row.key)
        expected = sum(
            1 for case in rows if week_start(case.received_at.astimezone(AMSTERDAM).date()) == monday
        )
        assert row.cells[-1].value == expected, row.label
    assert incoming.table.rows[0].key == first.isoformat()
    assert sum(row.cells[-1].value for row in incoming.table.rows) == sum(
        1 for case in rows if case.received_at.astimezone(AMSTERDAM).date() >= first
    )

    mine = next(row for row in dashboard.workload if row.name == "Pia Prof")
    assert (mine.open_cases, mine.overdue, mine.capacity) == (2, 1, 4)


def test_coordinator_dashboard_takes_a_constant_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for _ in range(3):
        index_row(world.alpha)
    with django_assert_max_num_queries(5) as few:
        coordinator_dashboard(today=TODAY)
    for _ in range(30):
        index_row(world.beta, status=CaseStatus.ASSIGNED, assignee=make_professional().user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        coordinator_dashboard(today=TODAY)


def test_coordinator_dashboard_page_has_charts_with_text_alternatives(world: World) -> None:
    index_row(world.alpha, received_at=timezone.now())
    response = logged_in(world.coordinator).get("/werkplek/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('role="img"') >= 3
    assert 'aria-labelledby="chart-incoming-title chart-incoming-desc"' in html
    assert "<table" in html
    assert "style=" not in html.split("<main", 1)[1]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_coordinator_dashboard_export_is_logged(world: World, fmt: str) -> None:
    index_row(world.alpha, received_at=timezone.now())
    with structlog.testing.capture_logs() as logs:
        response = logged_in(world.coordinator).get(f"/werkplek/dashboard.{fmt}")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
        assert "Binnengekomen klachten per week" in text
    else:
        assert len(load_workbook(io.BytesIO(response.content)).sheetnames) == 3
    events = [entry for entry in logs if entry["event"] == "report_exported"]
    assert events and events[0]["report"] == "coordinator_dashboard" and events[0]["format"] == fmt
    assert events[0]["user_id"] == world.coordinator.pk


def test_dashboards_are_role_checked(world: World) -> None:
    professional = make_professional("Roos Rol").user
    admin = user_with(PlatformRole.PLATFORM_ADMIN, "beheer-dash@klachtpunt.test")
    complainant = user_with(PlatformRole.COMPLAINANT, "klager-dash@example.test")
    expectations = {
        "/werkplek/dashboard/": {world.coordinator: 200, admin: 200, professional: 403, complainant: 403},
        "/werkplek/mijn-dashboard/": {professional: 200, world.coordinator: 403, complainant: 403},
        "/werkplek/trends/": {admin: 200, world.coordinator: 403, professional: 403, complainant: 403},
        "/werkplek/trends.csv": {admin: 200, world.coordinator: 403},
        "/werkplek/dashboard.xlsx": {world.coordinator: 200, professional: 403},
    }
    clients = {user: logged_in(user) for user in (professional, admin, complainant, world.coordinator)}
    for path, by_user in expectations.items():
        for user, status in by_user.items():
            assert clients[user].get(path).status_code == status, (path, user)
        anonymous = Client(HTTP_HOST="localhost").get(path)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url
    # Not on a provider's host.
    provider_host = Client(HTTP_HOST=world.alpha_host)
    provider_host.force_login(world.alpha_admin)
    assert provider_host.get("/werkplek/dashboard/").status_code == 404


def test_navigation_offers_each_role_its_dashboard(world: World) -> None:
    professional = make_professional("Nina Nav").user
    admin = user_with(PlatformRole.PLATFORM_ADMIN, "beheer-nav@klachtpunt.test")
    assert 'href="/werkplek/dashboard/"' in logged_in(world.coordinator).get("/werkplek/").content.decode()
    assert 'href="/werkplek/mijn-dashboard/"' in logged_in(professional).get("/werkplek/").content.decode()
    assert 'href="/werkplek/trends/"' in logged_in(admin).get("/werkplek/").content.decode()
    provider = Client(HTTP_HOST=world.alpha_host)
    provider.force_login(world.alpha_admin)
    assert 'href="/rapportage/"' in provider.get("/").content.decode()


# --- The professional ---------------------------------------------------------------------


def _entry(
    case: CaseIndex, user: User, *, minutes: int, worked_on: datetime.date, kind: str = "phone"
) -> TimeEntry:
    return TimeEntry.objects.create(
        case=case,
        reference=case.reference,
        provider=case.provider,
        professional=user,
        service=case.service,
        kind=kind,
        activity="mediation",
        minutes=minutes,
        worked_on=worked_on,
    )


def test_professional_dashboard_shows_own_cases_and_hours_only(world: World) -> None:
    me = make_professional("Mila Mijn").user
    other = make_professional("Otto Ander").user
    mine = index_row(
        world.alpha,
        status=CaseStatus.ASSIGNED,
        assignee=me,
        service=Service.OFFICER,
        deadline=TODAY + datetime.timedelta(days=5),
    )
    index_row(
        world.alpha, status=CaseStatus.IN_MEDIATION, assignee=me, deadline=TODAY - datetime.timedelta(days=1)
    )
    index_row(
        world.beta, status=CaseStatus.CLOSED, assignee=me, closed_at=at(TODAY - datetime.timedelta(days=40))
    )
    theirs = index_row(world.beta, status=CaseStatus.ASSIGNED, assignee=other)
    entries = [
        _entry(mine, me, minutes=45, worked_on=TODAY),
        _entry(mine, me, minutes=30, worked_on=TODAY.replace(day=2), kind="non_billable"),
        _entry(mine, me, minutes=90, worked_on=add_months(TODAY, -2).replace(day=10), kind="onsite"),
        _entry(theirs, other, minutes=600, worked_on=TODAY),
    ]
    dashboard = professional_dashboard(user=me, today=TODAY)
    assert dashboard.status.total == 2 and dashboard.status.overdue == 1
    assert {case.assignee_id for case in dashboard.upcoming} == {me.pk}
    assert dashboard.month_minutes == 75 and dashboard.billable_minutes == 45
    hours = next(section for section in dashboard.sections if section.key == "hours").table
    for row in hours.rows:
        month = datetime.date.fromisoformat(row.key)
        minutes = sum(
            entry.minutes
            for entry in entries
            if entry.professional_id == me.pk and month_start(entry.worked_on) == month
        )
        assert row.cells[-1].value == round(minutes / 60, 1), row.label
    closed = next(section for section in dashboard.sections if section.key == "closed").table
    assert sum(row.value(0) for row in closed.rows) == 1


def test_professional_dashboard_page_and_export(world: World) -> None:
    me = make_professional("Ella Export").user
    index_row(world.alpha, status=CaseStatus.ASSIGNED, assignee=me, deadline=TODAY)
    client = logged_in(me)
    html = client.get("/werkplek/mijn-dashboard/").content.decode()
    assert "Mijn uren per maand" in html and 'role="img"' in html
    with structlog.testing.capture_logs() as logs:
        response = client.get("/werkplek/mijn-dashboard.csv")
    assert response.status_code == 200
    assert any(entry.get("report") == "professional_dashboard" for entry in logs)


# --- The platform admin's trends ----------------------------------------------------------


def test_trends_per_sector_and_category_and_money_per_month(world: World) -> None:
    may, april = TODAY.replace(day=1), add_months(TODAY, -1)
    for _ in range(3):
        index_row(world.alpha, received_at=at(may.replace(day=5)), category_code="attitude")
    index_row(world.beta, received_at=at(april.replace(day=7)), category_code="privacy")
    index_row(
        world.beta, received_at=at(add_months(TODAY, -14)), category_code="privacy"
    )  # outside the window

    case = index_row(world.alpha)
    professional = make_professional().user
    entry = _entry(case, professional, minutes=60, worked_on=april.replace(day=3))
    hours = Invoice.objects.create(provider=world.alpha, kind=InvoiceKind.HOURS, month=april)
    BilledLine.objects.create(
        entry=entry, invoice=hours, seq=1, amount_cents=9000, minutes=60, kind="phone", rate_cents=9000
    )
    # A correction a month later: the entry became 90 minutes; it is billed once at 90, not 150.
    entry.minutes = 90
    entry.save()
    may_hours = Invoice.objects.create(provider=world.alpha, kind=InvoiceKind.HOURS, month=may)
    BilledLine.objects.create(
        entry=entry, invoice=may_hours, seq=2, amount_cents=4500, minutes=90, kind="phone", rate_cents=9000
    )
    Invoice.objects.create(
        provider=world.beta,
        kind=InvoiceKind.MEMBERSHIP,
        status="paid",
        net_cents=17900,
        finalized_at=at(april.replace(day=15)),
    )

    trends = platform_trends(today=TODAY)
    rows = [
        row
        for row in CaseIndex.objects.select_related("provider")
        if month_start(row.received_at.astimezone(AMSTERDAM).date()) >= add_months(may, -11)
    ]
    monthly = next(section for section in trends.sections if section.key == "monthly").table
    for row in monthly.rows:
        month = datetime.date.fromisoformat(row.key)
        assert row.cells[-1].value == sum(
            1 for case in rows if month_start(case.received_at.astimezone(AMSTERDAM).date()) == month
        )
    grid = next(section for section in trends.sections if section.key == "sector_category").table
    elderly = grid.row(world.alpha.sector)
    attitude_column = [column.label for column in grid.columns].index("Bejegening")
    assert elderly.cells[attitude_column - 1].value == sum(
        1 for case in rows if case.sector == world.alpha.sector and case.category_code == "attitude"
    )
    assert trends.cases == len(rows)
    money = next(section for section in trends.sections if section.key == "money").table
    april_row, may_row = money.row(april.isoformat()), money.row(may.isoformat())
    assert april_row.value(0) == 179.0  # membership
    assert april_row.value(1) == 90.0 and may_row.value(1) == 45.0  # hours billed, with the correction
    assert april_row.value(2) == 0 and may_row.value(2) == 1.5  # the entry's hours, once, at its latest line


def test_trends_page_filters_and_export(world: World) -> None:
    admin = user_with(PlatformRole.PLATFORM_ADMIN, "beheer-trends@klachtpunt.test")
    client = logged_in(admin)
    html = client.get("/werkplek/trends/?tot=2025-06&maanden=24").content.decode()
    assert "juli 2023" in html and "juni 2025" in html
    assert 'href="/werkplek/trends.csv?tot=2025-06&amp;maanden=24"' in html
    # Nonsense parameters fall back to the last 12 months.
    assert client.get("/werkplek/trends/?tot=abc&maanden=7").status_code == 200
    with structlog.testing.capture_logs() as logs:
        response = client.get("/werkplek/trends.xlsx?tot=2025-06&maanden=12")
    assert response.status_code == 200
    assert any(entry.get("report") == "platform_trends" for entry in logs)
    rows = list(
        csv.reader(io.StringIO(client.get("/werkplek/trends.csv").content.decode("utf-8-sig")), delimiter=";")
    )
    assert any(row and row[0] == "Klachten per sector en categorie" for row in rows)
