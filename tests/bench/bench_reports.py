"""Reports: the annual report of a provider with 2,000 cases, and platform trends over 500 providers.

The annual report: 2,000 dossiers received in the report year and 2,000 in
the year before, with decisions, measures and extensions, written into a
real provider schema (the session's "alpha") with ``bulk_create``; the page,
the PDF and the CSV are requested as the provider's admin through Django's
full request handling. The trends: 500 providers (rows without schemas: the
trends read public tables only), 25,000 cases over 14 months, 12,000 time
entries with billed lines (some corrected) on 6,000 hours invoices, and
membership invoices; the trends page and the coordinator's dashboard are
requested as staff. Each figure is the median of several requests; queries
are counted for each.

Targets (issue 7): the annual report in under 2 s, the trends in under 5 s,
in aggregate queries (their number does not grow with the data).
"""

from __future__ import annotations

import datetime
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from allauth.mfa.utils import is_mfa_enabled
from django.db import connection
from django.template import Template
from django.test import Client
from django.test import utils as test_utils

from accounts.models import PlatformRole, User
from accounts.services import totp_activate, user_create
from billing.models import BilledLine, Invoice, InvoiceKind
from casework.index.models import CaseIndex, CaseStatus, Channel, Consent, Service
from casework.timesheets.models import TimeEntry
from reference.categories import STANDARD_CATEGORIES
from reference.dates import AMSTERDAM
from tenants.models import Provider, Sector
from tests.bench.reporting import environment, print_table, summarize, write_artifact
from tests.casework.report_support import remove_seeded, seed_cases, seed_specs
from tests.support import PASSWORD

REPORT_CASES = int(os.environ.get("BENCH_REPORT_CASES", "2000"))
PROVIDERS = int(os.environ.get("BENCH_TRENDS_PROVIDERS", "500"))
TREND_CASES = int(os.environ.get("BENCH_TRENDS_CASES", "25000"))
ENTRIES = int(os.environ.get("BENCH_TRENDS_ENTRIES", "12000"))
REQUESTS = int(os.environ.get("BENCH_REPORT_REQUESTS", "7"))
REPORT_TARGET_S = 2.0
TRENDS_TARGET_S = 5.0
PREFIX = "br-"
REFERENCE_PREFIX = "BR-"
EMAIL_DOMAIN = "@bench-reports.test"


class QueryMeter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


@contextmanager
def _uninstrumented_templates() -> Iterator[None]:
    """Render templates as a server does, without the test client's per-render signal."""
    saved = getattr(getattr(test_utils._TestState, "saved_data", None), "template_render", None)
    if saved is None:
        yield
        return
    instrumented = Template._render
    Template._render = saved  # type: ignore[method-assign]
    try:
        yield
    finally:
        Template._render = instrumented  # type: ignore[method-assign]


def _measure(client: Client, path: str, runs: int = REQUESTS) -> dict[str, Any]:
    """Median and spread of ``runs`` requests after one warm-up, with the query count of the last."""
    assert client.get(path).status_code == 200, path
    seconds, queries, size = [], 0, 0
    for _ in range(runs):
        meter = QueryMeter()
        with connection.execute_wrapper(meter):
            started = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - started
        assert response.status_code == 200, path
        seconds.append(elapsed)
        queries, size = meter.count, len(response.content)
    return {**summarize(seconds), "queries": queries, "bytes": size}


def _staff_client(user: User, host: str = "localhost") -> Client:
    if not is_mfa_enabled(user):
        totp_activate(user=user)
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return client


# --- The annual report ------------------------------------------------------------------


@pytest.fixture
def report_provider(committed_db: Any) -> Iterator[Provider]:
    world = committed_db
    year = datetime.date.today().year - 1
    specs = seed_specs(years=[year - 1, year], per_year=REPORT_CASES, seed=11)
    started = time.perf_counter()
    seeded = seed_cases(world.alpha, specs, prefix=REFERENCE_PREFIX)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE caseindex_caseindex")
    print(f"\nseeded {len(specs)} dossiers in {time.perf_counter() - started:.1f} s")
    world.alpha.bench_year = year  # type: ignore[attr-defined]
    yield world.alpha
    remove_seeded(seeded)


def test_annual_report_of_a_provider_with_2000_cases(committed_db: Any, report_provider: Provider) -> None:
    world = committed_db
    year = report_provider.bench_year  # type: ignore[attr-defined]
    client = _staff_client(world.alpha_admin, host=world.alpha_host)
    rows = []
    figures: dict[str, Any] = {}
    with _uninstrumented_templates():
        for name, path in [
            ("page", f"/rapportage/{year}/"),
            ("page (English)", f"/rapportage/{year}/"),
            ("PDF", f"/rapportage/{year}.pdf"),
            ("CSV", f"/rapportage/{year}.csv"),
            ("XLSX", f"/rapportage/{year}.xlsx"),
        ]:
            client.cookies["django_language"] = "en" if "English" in name else "nl"
            result = _measure(client, path)
            figures[name] = result
            rows.append((name, result["median"], result["p90"], result["queries"], result["bytes"]))
    cases = CaseIndex.objects.filter(provider=report_provider, reference__startswith=REFERENCE_PREFIX).count()
    print_table(
        f"Annual report of one provider: {REPORT_CASES} cases in {year} and {REPORT_CASES} in {year - 1} "
        f"(target {REPORT_TARGET_S} s)",
        ["request", "median s", "p90 s", "queries", "bytes"],
        rows,
    )
    figures["meta"] = {"cases_in_year": REPORT_CASES, "cases_total": cases, "target_s": REPORT_TARGET_S}
    _merge_artifact("annual", figures)
    assert cases == 2 * REPORT_CASES
    # Sanity, not the target: far beyond it something is wrong (the machine is shared).
    assert figures["page"]["median"] < REPORT_TARGET_S * 5


# --- Trends over 500 providers ---------------------------------------------------------------


def _drop_trends_data() -> None:
    BilledLine.objects.filter(entry__reference__startswith=REFERENCE_PREFIX).delete()
    TimeEntry.objects.filter(reference__startswith=REFERENCE_PREFIX).delete()
    Invoice.objects.filter(provider__slug__startswith=PREFIX).delete()
    CaseIndex.objects.filter(reference__startswith=REFERENCE_PREFIX).delete()
    Provider.objects.filter(slug__startswith=PREFIX).delete()
    User.objects.filter(email__endswith=EMAIL_DOMAIN).delete()


@pytest.fixture
def trends_data(committed_db: Any) -> Iterator[dict[str, Any]]:
    _drop_trends_data()
    rng = random.Random(5)  # noqa: S311 (test data)
    started = time.perf_counter()
    sectors = Sector.values
    providers = Provider.objects.bulk_create(
        Provider(
            name=f"Trendaanbieder {i:03d}",
            slug=f"{PREFIX}{i:03d}",
            schema_name=f"p_br_{i:03d}",
            sector=sectors[i % len(sectors)],
        )
        for i in range(PROVIDERS)
    )
    professionals = [
        user_create(email=f"prof{i}{EMAIL_DOMAIN}", password=PASSWORD, roles=[PlatformRole.PROFESSIONAL])
        for i in range(20)
    ]
    today = datetime.date.today()
    first = datetime.datetime(today.year - 1, today.month, 1, tzinfo=AMSTERDAM) - datetime.timedelta(days=60)
    span = (datetime.datetime.now(tz=AMSTERDAM) - first).total_seconds()
    categories = [code for code, _nl, _en in STANDARD_CATEGORIES]
    cases = CaseIndex.objects.bulk_create(
        (
            CaseIndex(
                provider=providers[n % PROVIDERS],
                case_id=n,
                reference=f"{REFERENCE_PREFIX}{n:07d}",
                service=rng.choice(Service.values),
                category_code=rng.choice(categories),
                sector=providers[n % PROVIDERS].sector,
                channel=rng.choice(Channel.values),
                status=rng.choice(CaseStatus.values),
                consent=rng.choice(Consent.values),
                received_at=first + datetime.timedelta(seconds=rng.random() * span),
                assignee=rng.choice(professionals) if rng.random() < 0.5 else None,
            )
            for n in range(TREND_CASES)
        ),
        batch_size=5000,
    )
    entries = TimeEntry.objects.bulk_create(
        (
            TimeEntry(
                case=case,
                reference=case.reference,
                provider_id=case.provider_id,
                professional=rng.choice(professionals),
                service=case.service,
                kind=rng.choice(["phone", "onsite"]),
                activity="mediation",
                minutes=rng.choice([15, 30, 45, 60, 90]),
                worked_on=case.received_at.date(),
            )
            for case in rng.sample(cases, ENTRIES)
        ),
        batch_size=5000,
    )
    invoices: dict[tuple[int, datetime.date], Invoice] = {}
    for entry in entries:
        key = (entry.provider_id, entry.worked_on.replace(day=1))
        if key not in invoices:
            invoices[key] = Invoice(provider_id=key[0], kind=InvoiceKind.HOURS, month=key[1], status="open")
    Invoice.objects.bulk_create(invoices.values(), batch_size=5000)
    lines = []
    for entry in entries:
        invoice = invoices[(entry.provider_id, entry.worked_on.replace(day=1))]
        amount = entry.minutes * (150 if entry.kind == "phone" else 167)
        lines.append(
            BilledLine(
                entry=entry,
                invoice=invoice,
                seq=1,
                amount_cents=amount,
                minutes=entry.minutes,
                kind=entry.kind,
                rate_cents=9000,
            )
        )
        if rng.random() < 0.05:  # a correction on the same invoice month
            lines.append(
                BilledLine(
                    entry=entry,
                    invoice=invoice,
                    seq=2,
                    amount_cents=-amount // 3,
                    minutes=entry.minutes,
                    kind=entry.kind,
                    rate_cents=9000,
                )
            )
    BilledLine.objects.bulk_create(lines, batch_size=5000)
    Invoice.objects.bulk_create(
        Invoice(
            provider=provider,
            kind=InvoiceKind.MEMBERSHIP,
            status="paid",
            net_cents=17900,
            finalized_at=first + datetime.timedelta(days=rng.randrange(400)),
        )
        for provider in providers
    )
    with connection.cursor() as cursor:
        for table in ("caseindex_caseindex", "billing_timeentry", "billing_billedline", "billing_invoice"):
            cursor.execute(f"ANALYZE {table}")
    elapsed = time.perf_counter() - started
    print(f"\nseeded {PROVIDERS} providers, {TREND_CASES} cases, {ENTRIES} entries in {elapsed:.1f} s")
    yield {"providers": PROVIDERS, "cases": TREND_CASES, "entries": ENTRIES, "lines": len(lines)}
    _drop_trends_data()


def test_platform_trends_over_500_providers(committed_db: Any, trends_data: dict[str, Any]) -> None:
    admin = User.objects.filter(email=f"beheer{EMAIL_DOMAIN}").first() or user_create(
        email=f"beheer{EMAIL_DOMAIN}", password=PASSWORD, roles=[PlatformRole.PLATFORM_ADMIN]
    )
    coordinator = committed_db.coordinator
    admin_client = _staff_client(admin)
    coordinator_client = _staff_client(coordinator)
    requests: list[tuple[str, Client, str]] = [
        ("trends, 12 months", admin_client, "/werkplek/trends/"),
        ("trends, 24 months", admin_client, "/werkplek/trends/?maanden=24"),
        ("trends, XLSX", admin_client, "/werkplek/trends.xlsx"),
        ("coordinator dashboard", coordinator_client, "/werkplek/dashboard/"),
    ]
    rows, figures = [], {}
    with _uninstrumented_templates():
        for name, client, path in requests:
            result = _measure(client, path)
            figures[name] = result
            rows.append((name, result["median"], result["p90"], result["queries"], result["bytes"]))
    print_table(
        f"Trends over {PROVIDERS} providers, {TREND_CASES} cases, {ENTRIES} time entries "
        f"(target {TRENDS_TARGET_S} s)",
        ["request", "median s", "p90 s", "queries", "bytes"],
        rows,
    )
    figures["meta"] = {**trends_data, "target_s": TRENDS_TARGET_S}
    _merge_artifact("trends", figures)
    assert figures["trends, 12 months"]["median"] < TRENDS_TARGET_S * 5


def _pg_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


_collected: dict[str, Any] = {}


def _merge_artifact(part: str, figures: dict[str, Any]) -> None:
    """Both benchmarks write into one artifact, tests/artifacts/bench-reports.json."""
    _collected[part] = figures
    write_artifact("reports", {"environment": environment(_pg_version()), **_collected})
