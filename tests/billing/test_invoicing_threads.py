"""The monthly push with ``BILLING_PUSH_WORKERS`` threads, as in production (8; 1 in the rest of the suite).

Worker threads open their own database connections, so they cannot see a test
transaction: this test does its work in a thread of its own (its own connection,
in autocommit), commits its providers, time and invoices for real, and removes
them afterwards. The fake Stripe holds the first four invoice creations
until all four are in flight, which only a concurrent push gets past.
"""

from __future__ import annotations

import datetime
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from billing.invoicing import invoicing_run
from billing.models import BilledLine, Invoice, Membership, StripeMirror
from casework.index.models import CaseIndex, Channel, Consent, Service
from casework.timesheets.models import LedgerMonth, TimeEntry
from tenants.models import Provider
from tenants.provisioning import provider_provision
from tests.fakestripe import FakeStripe
from tests.support import World

WORKERS = 4


pytestmark = pytest.mark.django_db


def committed(work: Callable[[], None]) -> None:
    """Run ``work`` in its own thread: its own connection, outside the test's transaction."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            assert connection.settings_dict["NAME"].startswith("test_")
            work()
        except BaseException as error:  # handed to the test's thread
            failures.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


def _month() -> datetime.date:
    # Last month, relative to today (the seeded prices apply from 2026 on); no other test commits it.
    return (datetime.date.today().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def test_threaded_push_bills_each_entry_once_with_four_workers(
    world: World, fake_stripe: FakeStripe, settings: Any
) -> None:
    settings.BILLING_PUSH_WORKERS = WORKERS
    committed(lambda: _bill_four_providers_at_once(world, fake_stripe))


def _bill_four_providers_at_once(world: World, fake_stripe: FakeStripe) -> None:
    month = _month()
    mirrors_before = set(StripeMirror.objects.values_list("pk", flat=True))
    ledger_existed = LedgerMonth.objects.filter(month=month).exists()
    tag = uuid.uuid4().hex[:8]
    providers: list[Provider] = []
    try:
        entries: list[TimeEntry] = []
        for number in range(WORKERS):
            provider = provider_provision(name=f"Zorg Draad {number} {tag}", slug=f"draad{number}-{tag}")
            providers.append(provider)
            case = CaseIndex.objects.create(
                provider=provider,
                case_id=1,
                reference=f"KP-{month.year}-7{number}{tag[:4]}",
                service=Service.OFFICER,
                channel=Channel.PHONE,
                consent=Consent.GIVEN,
                received_at=datetime.datetime.combine(month, datetime.time(9), tzinfo=datetime.UTC),
            )
            entries += [
                TimeEntry.objects.create(
                    case=case,
                    reference=case.reference,
                    provider=provider,
                    professional=world.coordinator,
                    service=Service.OFFICER,
                    kind="phone",
                    activity="mediation",
                    minutes=15 + day,
                    worked_on=month.replace(day=day),
                )
                for day in (2, 3, 4)
            ]
        fake_stripe.meet_at("POST /v1/invoices", parties=WORKERS)

        result = invoicing_run(month=month)

        assert result.invoices_pushed == WORKERS
        assert fake_stripe.met == WORKERS, "the four invoices were created at the same time"
        billed = Counter(
            item["metadata"].get("entry")
            for item in fake_stripe.all("invoiceitem")
            if "entry" in item["metadata"]
        )
        assert billed == Counter({str(entry.pk): 1 for entry in entries})
        invoices = Invoice.objects.filter(provider__in=providers, month=month)
        assert invoices.count() == WORKERS and not invoices.filter(synced=False).exists()
        assert {i["status"] for i in fake_stripe.all("invoice")} == {"open"}
        # A second run finds nothing left to push.
        assert invoicing_run(month=month).invoices_pushed == 0
    finally:
        BilledLine.objects.filter(invoice__provider__in=providers).delete()
        Invoice.objects.filter(provider__in=providers).delete()
        TimeEntry.objects.filter(provider__in=providers).delete()
        CaseIndex.objects.filter(provider__in=providers).delete()
        Membership.objects.filter(provider__in=providers).delete()
        if not ledger_existed:
            LedgerMonth.objects.filter(month=month).delete()
        StripeMirror.objects.exclude(pk__in=mirrors_before).delete()
        for provider in providers:
            provider.delete(force_drop=True)
