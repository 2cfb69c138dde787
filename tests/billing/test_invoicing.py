"""The monthly hours run against the fake Stripe server, through the real ``stripe`` client."""

from __future__ import annotations

import datetime
import json
from collections import Counter

import pytest
import stripe
from django.core.management import call_command

from billing.invoicing import invoicing_run
from billing.models import BilledLine, Invoice, Price, PriceKind
from billing.vat import gross_cents, invoice_vat_cents, time_amount_cents, vat_cents
from casework.index.models import Consent, Service
from casework.timesheets.models import LedgerMonth, TimeEntry
from tests.billing.conftest import log_time, make_case
from tests.fakestripe import FakeStripe
from tests.support import World

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2026, 3, 1)
APRIL = datetime.date(2026, 4, 1)


def items_by_entry(fake: FakeStripe) -> Counter[str]:
    return Counter(
        item["metadata"].get("entry") for item in fake.all("invoiceitem") if "entry" in item["metadata"]
    )


def test_time_amount_is_rounded_once_half_up_to_whole_cents() -> None:
    assert time_amount_cents(7, 9000) == 1050
    assert time_amount_cents(7, 10000) == 1167  # 1166.67
    assert time_amount_cents(1, 10000) == 167  # 166.67, not 166
    assert time_amount_cents(3, 10000) == 500
    assert time_amount_cents(45, 9000) == 6750


def test_vat_rounding_on_awkward_amounts() -> None:
    assert vat_cents(1050) == 221  # 220.5 rounds half up
    assert vat_cents(1167) == 245  # 245.07
    assert vat_cents(2) == 0  # 0.42
    assert vat_cents(50) == 11  # 10.5
    assert gross_cents(17900) == 21659
    # Per line, as Stripe's exclusive tax rates do: 220.5 + 220.5 -> 221 + 221.
    assert invoice_vat_cents([1050, 1050]) == 442


def test_monthly_run_bills_each_entry_exactly_once_across_two_runs(
    world: World, fake_stripe: FakeStripe
) -> None:
    case = make_case(world.alpha)
    entries = [
        log_time(case, world.coordinator, minutes=m, worked_on=MARCH.replace(day=d))
        for m, d in [(30, 2), (45, 9), (7, 20)]
    ]

    first = invoicing_run(month=MARCH)
    second = invoicing_run(month=MARCH)

    assert first.lines_created == 3 and first.invoices_pushed == 1
    assert second.lines_created == 0 and second.invoices_created == 0 and second.invoices_pushed == 0
    assert items_by_entry(fake_stripe) == Counter({str(e.pk): 1 for e in entries})
    [stripe_invoice] = fake_stripe.all("invoice")
    assert stripe_invoice["status"] == "open" and stripe_invoice["number"]
    net = 4500 + 6750 + 1050
    assert stripe_invoice["subtotal"] == net
    assert stripe_invoice["tax"] == invoice_vat_cents([4500, 6750, 1050])
    invoice = Invoice.objects.get(provider=world.alpha, month=MARCH)
    assert invoice.synced and invoice.hosted_invoice_url == stripe_invoice["hosted_invoice_url"]
    assert (invoice.net_cents, invoice.vat_cents) == (net, stripe_invoice["tax"])
    assert LedgerMonth.objects.filter(month=MARCH).exists()


def test_retry_after_an_outage_in_the_middle_bills_each_entry_once(
    world: World, fake_stripe: FakeStripe
) -> None:
    entries = []
    for provider in (world.alpha, world.beta):
        case = make_case(provider)
        entries += [
            log_time(case, world.coordinator, minutes=10 + i, worked_on=MARCH.replace(day=1 + i))
            for i in range(6)
        ]
    fake_stripe.fail_after(9)  # dies while adding the first provider's items or the second's

    with pytest.raises(stripe.StripeError):
        invoicing_run(month=MARCH)
    assert 0 < len(fake_stripe.all("invoiceitem")) < len(entries)

    fake_stripe.recover()
    invoicing_run(month=MARCH)
    invoicing_run(month=MARCH)

    assert items_by_entry(fake_stripe) == Counter({str(e.pk): 1 for e in entries})
    assert {i["status"] for i in fake_stripe.all("invoice")} == {"open"}
    assert len(fake_stripe.all("invoice")) == 2
    assert not Invoice.objects.filter(synced=False).exists()


def test_a_lost_response_is_replayed_by_its_idempotency_key(world: World, fake_stripe: FakeStripe) -> None:
    case = make_case(world.alpha)
    for day in (3, 4, 5):
        log_time(case, world.coordinator, minutes=60, worked_on=MARCH.replace(day=day))
    invoicing_run(month=MARCH)
    made = sorted(BilledLine.objects.values_list("stripe_item_id", flat=True))
    # As if our writes after Stripe's answers were lost: the rows know nothing of Stripe.
    BilledLine.objects.update(stripe_item_id="")
    Invoice.objects.update(stripe_invoice_id=None, synced=False)

    invoicing_run(month=MARCH)

    assert sorted(BilledLine.objects.values_list("stripe_item_id", flat=True)) == made
    assert len(fake_stripe.all("invoiceitem")) == 3 and len(fake_stripe.all("invoice")) == 1


def test_the_rate_that_applied_on_the_day_of_the_work(world: World, fake_stripe: FakeStripe) -> None:
    Price.objects.create(kind=PriceKind.HOURLY_PHONE, amount_cents=12000, valid_from=MARCH.replace(day=15))
    case = make_case(world.alpha)
    before = log_time(case, world.coordinator, minutes=60, worked_on=MARCH.replace(day=14))
    after = log_time(case, world.coordinator, minutes=60, worked_on=MARCH.replace(day=15))
    onsite = log_time(case, world.coordinator, minutes=60, worked_on=MARCH.replace(day=16), kind="onsite")

    invoicing_run(month=MARCH)

    amounts = {int(i["metadata"]["entry"]): i["amount"] for i in fake_stripe.all("invoiceitem")}
    assert amounts == {before.pk: 9000, after.pk: 12000, onsite.pk: 10000}
    assert BilledLine.objects.get(entry=after).rate_cents == 12000


def test_seven_minutes_at_ninety_an_hour_on_the_stripe_invoice(world: World, fake_stripe: FakeStripe) -> None:
    log_time(make_case(world.alpha), world.coordinator, minutes=7, worked_on=MARCH.replace(day=2))

    invoicing_run(month=MARCH)

    [stripe_invoice] = fake_stripe.all("invoice")
    assert (stripe_invoice["subtotal"], stripe_invoice["tax"], stripe_invoice["total"]) == (1050, 221, 1271)
    invoice = Invoice.objects.get()
    assert (invoice.net_cents, invoice.vat_cents, invoice.total_cents) == (1050, 221, 1271)


def test_an_entry_edited_after_billing_gets_a_correcting_item(world: World, fake_stripe: FakeStripe) -> None:
    entry = log_time(make_case(world.alpha), world.coordinator, minutes=60, worked_on=MARCH.replace(day=10))
    invoicing_run(month=MARCH)
    entry.minutes = 90
    entry.save()

    invoicing_run(month=APRIL)
    invoicing_run(month=APRIL)

    lines = list(BilledLine.objects.filter(entry=entry).order_by("seq"))
    assert [(line.seq, line.amount_cents) for line in lines] == [(1, 9000), (2, 4500)]
    assert lines[1].label.startswith("Correctie " + entry.reference)
    correction = [i for i in fake_stripe.all("invoiceitem") if i["metadata"].get("seq") == "2"]
    assert [c["amount"] for c in correction] == [4500]
    # Made non-billable: the next run takes the whole amount back.
    entry.kind = "non_billable"
    entry.save()
    invoicing_run(month=APRIL)
    assert sum(BilledLine.objects.filter(entry=entry).values_list("amount_cents", flat=True)) == 0


def test_unconsented_and_confidant_work_is_one_pooled_line_without_reference(
    world: World, fake_stripe: FakeStripe
) -> None:
    shared = make_case(world.alpha)
    unconsented = make_case(world.alpha, consent=Consent.PENDING)
    refused = make_case(world.alpha, consent=Consent.REFUSED)
    confidant = make_case(world.alpha, service=Service.CONFIDANT)
    day = MARCH.replace(day=5)
    log_time(shared, world.coordinator, minutes=60, worked_on=day)
    for case in (unconsented, refused, confidant):
        log_time(case, world.coordinator, minutes=30, worked_on=day)
    # Confidant work on an otherwise shared case is pooled too.
    log_time(shared, world.coordinator, minutes=30, worked_on=day, service=Service.CONFIDANT)

    invoicing_run(month=MARCH)

    items = fake_stripe.all("invoiceitem")
    assert len(items) == 2
    pooled = next(i for i in items if "entry" not in i["metadata"])
    assert pooled["amount"] == 4 * 4500
    text = json.dumps(fake_stripe.all("invoiceitem") + fake_stripe.all("invoice"))
    for hidden in (unconsented, refused, confidant):
        assert hidden.reference not in text
    assert shared.reference in text


def test_more_than_250_items_are_split_over_invoices(world: World, fake_stripe: FakeStripe) -> None:
    case = make_case(world.alpha)
    hidden = make_case(world.alpha, consent=Consent.PENDING)
    professional = world.coordinator
    TimeEntry.objects.bulk_create(
        [
            TimeEntry(
                case=case,
                reference=case.reference,
                provider=world.alpha,
                professional=professional,
                service="officer",
                kind="phone",
                activity="mediation",
                minutes=1 + i % 50,
                worked_on=MARCH.replace(day=1 + i % 28),
            )
            for i in range(251)
        ]
    )
    log_time(hidden, professional, minutes=20, worked_on=MARCH.replace(day=3))

    invoicing_run(month=MARCH)

    counts = Counter(item["invoice"] for item in fake_stripe.all("invoiceitem"))
    assert sorted(counts.values()) == [2, 250]
    invoices = list(Invoice.objects.filter(provider=world.alpha, month=MARCH).order_by("part"))
    assert [i.part for i in invoices] == [1, 2] and all(i.synced for i in invoices)
    assert invoices[0].pool_item_id and not invoices[1].pool_item_id


def test_invoices_contain_no_complainant_names_or_complaint_text(
    world: World, fake_stripe: FakeStripe
) -> None:
    from tests.casework.factories import WHAT_HAPPENED, submit

    result = submit(world.alpha)
    case = world.alpha.cases.get(case_id=result.complaint.pk)
    log_time(case, world.coordinator, minutes=45, worked_on=MARCH.replace(day=6))

    invoicing_run(month=MARCH)

    text = json.dumps(
        fake_stripe.all("invoiceitem") + fake_stripe.all("invoice") + fake_stripe.all("customer")
    )
    assert case.reference in text
    for secret in ("Jan Jansen", "Jansen", "jan.jansen@example.nl", "3511", WHAT_HAPPENED[:30]):
        assert secret not in text


def test_without_keys_invoices_stay_local_and_sync_once_keys_are_set(
    world: World, settings, no_stripe: None
) -> None:
    log_time(make_case(world.alpha), world.coordinator, minutes=7, worked_on=MARCH.replace(day=2))

    result = invoicing_run(month=MARCH)

    invoice = Invoice.objects.get()
    assert result.invoices_local == 1 and not invoice.synced and invoice.stripe_invoice_id is None
    assert (invoice.net_cents, invoice.vat_cents, invoice.status) == (1050, 221, "open")

    fake = FakeStripe().start()
    try:
        settings.STRIPE_SECRET_KEY = "sk_test_fake"
        settings.STRIPE_API_BASE = fake.url
        invoicing_run(month=APRIL)
        invoice.refresh_from_db()
        assert invoice.synced and invoice.stripe_invoice_id
        assert len(fake.all("invoiceitem")) == 1
    finally:
        fake.stop()


def test_bill_hours_command(world: World, fake_stripe: FakeStripe, capsys) -> None:
    log_time(make_case(world.beta), world.coordinator, minutes=15, worked_on=MARCH.replace(day=2))

    call_command("bill_hours", "--month", "2026-03")

    assert "2026-03" in capsys.readouterr().out
    assert Invoice.objects.filter(provider=world.beta, synced=True).count() == 1
