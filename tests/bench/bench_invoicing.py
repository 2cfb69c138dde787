"""The monthly hours run for 1,000 providers and 20,000 time entries, against the fake Stripe server.

The fake server (tests/fakestripe.py) runs as its own process on a loopback
port, as Stripe would be another machine; the run goes through the real
``stripe`` client with an idempotency key on every call that creates
something. The run is timed twice: the first bills everything (one invoice
per provider, one item per referenced entry, one pooled item where needed),
the second must bill nothing and finds nothing to do. Target (DESIGN.md
section 7): under 60 s. Reported, not asserted (FIELD-NOTES.md: ±30%).

Providers here are rows only: billing never enters a tenant schema.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings

from billing.invoicing import invoicing_run
from billing.models import BilledLine, Invoice, Membership, StripeMirror
from casework.index.models import CaseIndex, Channel, Consent, Service
from casework.timesheets.models import LedgerMonth, TimeEntry
from tenants.models import Provider
from tests.bench.reporting import environment, print_table, write_artifact
from tests.support import World, free_port

PROVIDERS = int(os.environ.get("BENCH_INVOICING_PROVIDERS", "1000"))
ENTRIES = int(os.environ.get("BENCH_INVOICING_ENTRIES", "20000"))
WORKERS = int(os.environ.get("BENCH_INVOICING_WORKERS", "8"))
TARGET_S = 60.0
MONTH = datetime.date(2026, 5, 1)
SLUG_PREFIX = "bi-"
ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def fake_stripe_process() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fakestripe.py"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            urllib.request.urlopen(f"{url}/_fake/stats", timeout=1).close()  # noqa: S310 (loopback)
            break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(10)


def _stats(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/_fake/stats", timeout=5) as response:  # noqa: S310 (loopback)
        return json.loads(response.read())


def _seed(world: World) -> list[int]:
    professional = world.coordinator
    providers = Provider.objects.bulk_create(
        [
            Provider(name=f"Bench {n}", slug=f"{SLUG_PREFIX}{n:04d}", schema_name=f"p_bi_{n:04d}")
            for n in range(PROVIDERS)
        ]
    )
    cases = CaseIndex.objects.bulk_create(
        [
            CaseIndex(
                provider=provider,
                case_id=k,
                reference=f"KP-2026-8{n:03d}{k:02d}",
                # Every fourth case is without consent or a confidant's: pooled on the invoice.
                consent=Consent.PENDING if k == 3 else Consent.GIVEN,
                service=Service.CONFIDANT if k == 2 and n % 2 else Service.OFFICER,
                channel=Channel.PHONE,
                received_at=datetime.datetime(2026, 4, 20, tzinfo=datetime.UTC),
            )
            for n, provider in enumerate(providers)
            for k in range(4)
        ]
    )
    TimeEntry.objects.bulk_create(
        [
            TimeEntry(
                case=case,
                reference=case.reference,
                provider_id=case.provider_id,
                professional=professional,
                service=case.service,
                kind="onsite" if i % 5 == 0 else "phone",
                activity="mediation",
                minutes=5 + (i * 7) % 115,
                worked_on=MONTH.replace(day=1 + i % 28),
            )
            for i, case in ((i, cases[i % len(cases)]) for i in range(ENTRIES))
        ],
        batch_size=5000,
    )
    return [p.pk for p in providers]


def _cleanup(provider_ids: list[int]) -> None:
    BilledLine.objects.filter(entry__provider_id__in=provider_ids).delete()
    Invoice.objects.filter(provider_id__in=provider_ids).delete()
    TimeEntry.objects.filter(provider_id__in=provider_ids).delete()
    CaseIndex.objects.filter(provider_id__in=provider_ids).delete()
    Membership.objects.filter(provider_id__in=provider_ids).delete()
    Provider.objects.filter(pk__in=provider_ids).delete()
    LedgerMonth.objects.filter(month=MONTH).delete()
    StripeMirror.objects.all().delete()


def test_monthly_invoicing_for_1000_providers_and_20000_entries(
    committed_db: World, fake_stripe_process: str
) -> None:
    stale = list(Provider.objects.filter(slug__startswith=SLUG_PREFIX).values_list("pk", flat=True))
    _cleanup(stale)
    provider_ids = _seed(committed_db)
    try:
        with override_settings(
            STRIPE_SECRET_KEY="sk_test_bench",
            STRIPE_API_BASE=fake_stripe_process,
            STRIPE_MAX_NETWORK_RETRIES=0,
            BILLING_PUSH_WORKERS=WORKERS,
            STRIPE_IDEMPOTENCY_PREFIX=f"bench-{time.time_ns()}",
        ):
            start = time.perf_counter()
            first = invoicing_run(month=MONTH)
            first_s = time.perf_counter() - start
            after_first = _stats(fake_stripe_process)

            start = time.perf_counter()
            second = invoicing_run(month=MONTH)
            second_s = time.perf_counter() - start
            after_second = _stats(fake_stripe_process)

        invoices = Invoice.objects.filter(provider_id__in=provider_ids)
        billed_entries = (
            BilledLine.objects.filter(entry__provider_id__in=provider_ids).values("entry").distinct()
        )
        assert first.lines_created == ENTRIES and billed_entries.count() == ENTRIES
        assert invoices.count() == PROVIDERS and not invoices.filter(synced=False).exists()
        assert second.lines_created == 0 and second.invoices_pushed == 0

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0]
        requests_first = after_first["requests"]
        requests_second = after_second["requests"] - after_first["requests"]
        rows = [
            (
                "first run (bills everything)",
                round(first_s, 2),
                round(first.plan_seconds, 2),
                round(first.push_seconds, 2),
                requests_first,
                first.lines_created,
                TARGET_S,
            ),
            (
                "second run (bills nothing)",
                round(second_s, 2),
                round(second.plan_seconds, 2),
                round(second.push_seconds, 2),
                requests_second,
                second.lines_created,
                TARGET_S,
            ),
        ]
        print_table(
            f"Monthly invoicing: {PROVIDERS} providers, {ENTRIES} time entries, fake Stripe on loopback",
            ["run", "seconds", "plan s", "push s", "Stripe requests", "lines", "target s"],
            rows,
        )
        print("requests by route:", json.dumps(after_first["by_route"], indent=1, sort_keys=True))
        write_artifact(
            "invoicing",
            {
                "environment": environment(pg_version),
                "providers": PROVIDERS,
                "time_entries": ENTRIES,
                "target_seconds": TARGET_S,
                "push_workers": WORKERS,
                "first_run": {
                    "seconds": round(first_s, 3),
                    "plan_seconds": round(first.plan_seconds, 3),
                    "push_seconds": round(first.push_seconds, 3),
                    "stripe_requests": requests_first,
                    "requests_per_second": round(requests_first / first_s, 1),
                    "lines": first.lines_created,
                    "invoices": first.invoices_created,
                    "by_route": after_first["by_route"],
                },
                "second_run": {
                    "seconds": round(second_s, 3),
                    "stripe_requests": requests_second,
                    "lines": second.lines_created,
                },
            },
        )
    finally:
        _cleanup(provider_ids)
