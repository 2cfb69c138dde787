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
from tests.billing.conftest import log_time
from tests.fakestripe import FakeStripe
from tests.support import World, wait_for_a_lock_wait

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
                log_time(case, world.coordinator, minutes=15 + day, worked_on=month.replace(day=day))
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


@pytest.mark.parametrize("left_over", [True, False], ids=["this-months-entry-left", "nothing-left"])
def test_two_plans_at_once_bill_each_entry_once(world: World, left_over: bool) -> None:
    """A run that planned from data another run billed meanwhile plans again from fresh data.

    The first plan (last month) holds its new lines uncommitted and the
    provider's row locked; the second read its candidates before that commit,
    waits on the lock, then collides on the first one's lines (entry and
    sequence) and must plan again: it bills only what is left. Planned for this
    month, it has this month's entry left to bill; planned for last month, nothing.
    """
    committed(lambda: _plan_twice_at_once(world, left_over=left_over))


def _plan_twice_at_once(world: World, *, left_over: bool) -> None:
    from django.db import transaction

    from billing.invoicing import RunResult, invoicing_plan

    month = _month()
    ledger_existed = LedgerMonth.objects.filter(month=month).exists()
    tag = uuid.uuid4().hex[:8]
    provider = provider_provision(name=f"Zorg Gelijktijdig {tag}", slug=f"gelijk-{tag}")
    held, release, outcome = threading.Event(), threading.Event(), {}

    def run(name: str, work: Callable[[], RunResult]) -> threading.Thread:
        def body() -> None:
            try:
                outcome[name] = work()
            except BaseException as error:  # handed to the test's thread
                outcome[name] = error
            finally:
                held.set()  # never leave the other waiting on a failure
                connection.close()

        thread = threading.Thread(target=body, daemon=True)
        thread.start()
        return thread

    def first() -> RunResult:
        with transaction.atomic():
            result = invoicing_plan(month=month, provider_ids=[provider.pk])
            held.set()
            assert release.wait(60), "the test never let the first plan commit"
        return result

    try:
        case = CaseIndex.objects.create(
            provider=provider, case_id=1, reference=f"KP-{month.year}-8{tag[:5]}", service=Service.OFFICER,
            channel=Channel.PHONE, consent=Consent.GIVEN,
            received_at=datetime.datetime.combine(month, datetime.time(9), tzinfo=datetime.UTC),
        )  # fmt: skip
        entries = [
            log_time(case, world.coordinator, minutes=20, worked_on=month.replace(day=day))
            for day in (2, 3, 4)
        ]
        this_month = (month + datetime.timedelta(days=31)).replace(day=1)
        entries.append(log_time(case, world.coordinator, minutes=25, worked_on=this_month))
        threads = [run("first", first)]
        assert held.wait(60)
        second_month = this_month if left_over else month
        threads.append(run("second", lambda: invoicing_plan(month=second_month, provider_ids=[provider.pk])))
        wait_for_a_lock_wait(threads, waiter="the second plan", context=outcome)
        release.set()
        for thread in threads:
            thread.join(60)
        first_result, second_result = outcome["first"], outcome["second"]
        assert isinstance(first_result, RunResult) and isinstance(second_result, RunResult), outcome
        assert (first_result.lines_created, first_result.invoices_created) == (3, 1)
        assert second_result.providers_planned == 1
        if left_over:
            assert (second_result.lines_created, second_result.invoices_created) == (1, 1)
            assert BilledLine.objects.get(entry=entries[-1]).invoice.month == this_month
        else:
            assert (second_result.lines_created, second_result.invoices_created) == (0, 0)
            entries.pop()  # this month's entry is not billed by a plan of last month
            assert not BilledLine.objects.filter(
                entry__worked_on=this_month, entry__provider=provider
            ).exists()
        billed = Counter(
            BilledLine.objects.filter(invoice__provider=provider).values_list("entry_id", flat=True)
        )
        assert billed == Counter({entry.pk: 1 for entry in entries})
    finally:
        release.set()
        BilledLine.objects.filter(invoice__provider=provider).delete()
        Invoice.objects.filter(provider=provider).delete()
        TimeEntry.objects.filter(provider=provider).delete()
        CaseIndex.objects.filter(provider=provider).delete()
        Membership.objects.filter(provider=provider).delete()
        if not ledger_existed:
            LedgerMonth.objects.filter(month=month).delete()
        provider.delete(force_drop=True)
