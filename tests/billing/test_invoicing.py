"""The monthly hours run against the fake Stripe server, through the real ``stripe`` client."""

from __future__ import annotations

import datetime
import json
import time
from collections import Counter

import pytest
import stripe
import structlog
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import translation

from billing import stripe_gateway
from billing.invoicing import (
    RateCard,
    RunResult,
    invoice_apply_stripe,
    invoicing_plan,
    invoicing_push,
    invoicing_run,
    previous_month,
)
from billing.models import BilledLine, Invoice, Membership, Price, PriceKind
from billing.vat import gross_cents, invoice_vat_cents, time_amount_cents, vat_cents
from casework.index.models import Consent, Service
from casework.timesheets.models import LedgerMonth, TimeEntry
from reference.dates import today_amsterdam
from tests.billing.conftest import log_many, log_time, make_case
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
    log_many(case, professional, 251, month=MARCH)
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


# --- The run's rules one by one: what each step stores, sends, counts and logs. ---

JAN = datetime.date(2026, 1, 1)  # the seeded hourly prices apply from here on
FEBRUARY = datetime.date(2026, 2, 1)


@pytest.fixture
def english_request() -> None:
    """The run is started from an English page (or a worker left in English): invoices are Dutch."""
    translation.activate("en")


def key(*parts: object) -> str:
    return "-".join([django_settings.STRIPE_IDEMPOTENCY_PREFIX, *(str(part) for part in parts)])


def label(entry: TimeEntry, kind: str) -> str:
    return f"{entry.reference} · {entry.worked_on:%d-%m-%Y} · {kind}"


def line_fields(entry: TimeEntry) -> list[tuple]:
    return list(
        BilledLine.objects.filter(entry=entry)
        .order_by("seq")
        .values_list("seq", "amount_cents", "minutes", "kind", "rate_cents", "pooled", "label")
    )


def test_previous_month_is_the_whole_month_before_the_one_of_today() -> None:
    assert previous_month(datetime.date(2026, 3, 15)) == FEBRUARY
    assert previous_month(datetime.date(2026, 3, 1)) == FEBRUARY
    assert previous_month(datetime.date(2026, 3, 31)) == FEBRUARY
    assert previous_month(datetime.date(2026, 1, 1)) == datetime.date(2025, 12, 1)
    # Without a day: the month before today's in Amsterdam.
    assert previous_month() == previous_month(today_amsterdam())


def test_the_rate_card_gives_the_price_valid_on_the_day_of_the_work() -> None:
    rates = RateCard(
        [
            Price(kind=PriceKind.HOURLY_PHONE, amount_cents=12000, valid_from=MARCH.replace(day=15)),
            Price(kind=PriceKind.HOURLY_ONSITE, amount_cents=10000, valid_from=JAN),
            Price(kind=PriceKind.HOURLY_PHONE, amount_cents=9000, valid_from=JAN),
        ]
    )

    assert rates.rate("phone", datetime.date(2025, 12, 31)) is None  # before any price
    assert rates.rate("phone", JAN) == 9000  # on the first price's first day
    assert rates.rate("phone", MARCH.replace(day=14)) == 9000
    assert rates.rate("phone", MARCH.replace(day=15)) == 12000  # the new price from its first day on
    assert rates.rate("phone", APRIL) == 12000
    assert rates.rate("onsite", MARCH.replace(day=15)) == 10000
    assert rates.rate("non_billable", MARCH.replace(day=15)) is None


def test_invoice_lines_name_reference_date_and_kind_in_dutch_and_store_what_was_billed(
    world: World, no_stripe: None, english_request: None
) -> None:
    case = make_case(world.alpha)
    phone = log_time(case, world.coordinator, minutes=60, worked_on=MARCH.replace(day=2))
    onsite = log_time(case, world.coordinator, minutes=45, worked_on=MARCH.replace(day=3), kind="onsite")

    invoicing_run(month=MARCH)

    assert line_fields(phone) == [(1, 9000, 60, "phone", 9000, False, label(phone, "Telefonisch"))]
    assert line_fields(onsite) == [(1, 7500, 45, "onsite", 10000, False, label(onsite, "Op locatie"))]


def test_a_correction_line_says_correctie_and_bills_the_difference_at_the_rate_now(
    world: World, no_stripe: None, english_request: None
) -> None:
    case = make_case(world.alpha)
    phone = log_time(case, world.coordinator, minutes=60, worked_on=MARCH.replace(day=2))
    onsite = log_time(case, world.coordinator, minutes=45, worked_on=MARCH.replace(day=3), kind="onsite")
    invoicing_run(month=MARCH)
    phone.minutes = 90
    phone.save()
    onsite.kind = "non_billable"
    onsite.save()

    result = invoicing_run(month=APRIL)

    assert result.lines_created == 2 and result.invoices_created == 1
    assert line_fields(phone)[1] == (
        2, 4500, 90, "phone", 9000, False, "Correctie " + label(phone, "Telefonisch")
    )  # fmt: skip
    # Made non-billable: the whole amount back, at no rate.
    assert line_fields(onsite)[1] == (
        2, -7500, 45, "non_billable", 0, False, "Correctie " + label(onsite, "Niet declarabel")
    )  # fmt: skip
    april = Invoice.objects.get(month=APRIL)
    assert (april.net_cents, april.vat_cents) == (-3000, invoice_vat_cents([4500, -7500]))
    assert april.total_cents == april.net_cents + april.vat_cents


def test_pooled_lines_carry_no_label_and_count_as_one_item_for_vat_without_keys(
    world: World, no_stripe: None
) -> None:
    shared = make_case(world.alpha)
    pending = make_case(world.alpha, consent=Consent.PENDING)
    confidant = make_case(world.alpha, service=Service.CONFIDANT)
    day = MARCH.replace(day=5)
    named = log_time(shared, world.coordinator, minutes=7, worked_on=day)
    hidden = [
        log_time(pending, world.coordinator, minutes=7, worked_on=day),
        # Work on a confidant case is pooled whatever service it was logged under.
        log_time(confidant, world.coordinator, minutes=7, worked_on=day, service=Service.OFFICER),
        log_time(shared, world.coordinator, minutes=7, worked_on=day, service=Service.CONFIDANT),
    ]

    result = invoicing_run(month=MARCH)

    assert result.lines_created == 4 and result.invoices_created == 1 and result.invoices_local == 1
    for entry in hidden:
        assert line_fields(entry) == [(1, 1050, 7, "phone", 9000, True, "")]
    assert line_fields(named)[0][5:] == (False, label(named, "Telefonisch"))
    invoice = Invoice.objects.get()
    # One item of 1050 and one pooled item of 3 x 1050: VAT 220.5 -> 221 and 661.5 -> 662, not 4 x 221.
    assert (invoice.net_cents, invoice.vat_cents, invoice.total_cents) == (4200, 883, 5083)
    assert (invoice.month, invoice.part, invoice.status, invoice.synced) == (MARCH, 1, "open", False)
    assert invoice.finalized_at is not None and invoice.stripe_invoice_id is None


def test_entries_without_a_rate_are_skipped_counted_and_logged_and_the_rest_is_billed(
    world: World, no_stripe: None
) -> None:
    case = make_case(world.alpha)
    # Sorted before the billable entry: skipping them must not stop the provider's run.
    early_phone = log_time(case, world.coordinator, minutes=30, worked_on=datetime.date(2025, 12, 30))
    early_onsite = log_time(
        case, world.coordinator, minutes=30, worked_on=datetime.date(2025, 12, 31), kind="onsite"
    )
    billable = log_time(case, world.coordinator, minutes=60, worked_on=MARCH.replace(day=2))
    # A provider with nothing but unpriced work gets no (empty) invoice.
    log_time(make_case(world.beta), world.coordinator, minutes=30, worked_on=datetime.date(2025, 12, 29))

    with structlog.testing.capture_logs() as logs:
        result = invoicing_run(month=MARCH)

    assert result.skipped_without_rate == 3
    assert (result.providers_planned, result.lines_created, result.invoices_created) == (2, 1, 1)
    assert list(BilledLine.objects.values_list("entry_id", flat=True)) == [billable.pk]
    assert list(Invoice.objects.values_list("provider_id", flat=True)) == [world.alpha.pk]
    skipped = [(e["entry_id"], e["kind"]) for e in logs if e["event"] == "time_entry_without_rate"]
    assert (early_phone.pk, "phone") in skipped and (early_onsite.pk, "onsite") in skipped
    assert len(skipped) == 3 and all(e["log_level"] == "warning" for e in logs if "entry_id" in e)


def test_an_entry_edited_without_changing_its_worth_gets_no_line_and_no_invoice(
    world: World, no_stripe: None
) -> None:
    case = make_case(world.alpha)
    entry = log_time(case, world.coordinator, minutes=60, worked_on=MARCH.replace(day=2))
    invoicing_run(month=MARCH)
    entry.activity = "intake"
    entry.save()

    unchanged = invoicing_run(month=APRIL)

    assert (unchanged.lines_created, unchanged.invoices_created) == (0, 0)
    assert not Invoice.objects.filter(month=APRIL).exists()
    # Still a candidate (edited since billed), sorted before new work: the new work is billed.
    later = log_time(case, world.coordinator, minutes=30, worked_on=APRIL.replace(day=2))
    second = invoicing_run(month=APRIL)
    assert (second.lines_created, second.invoices_created) == (1, 1)
    assert line_fields(later)[0][:2] == (1, 4500) and len(line_fields(entry)) == 1


def test_a_price_added_afterwards_does_not_rebill_entries_nobody_edited(
    world: World, no_stripe: None
) -> None:
    entry = log_time(make_case(world.alpha), world.coordinator, minutes=60, worked_on=MARCH.replace(day=2))
    invoicing_run(month=MARCH)
    Price.objects.create(kind=PriceKind.HOURLY_PHONE, amount_cents=12000, valid_from=MARCH)

    assert invoicing_run(month=APRIL).lines_created == 0

    entry.save()  # edited: its worth is looked at again, at the rate that now applies to its day
    assert invoicing_run(month=APRIL).lines_created == 1
    assert [line[1:5] for line in line_fields(entry)] == [
        (9000, 60, "phone", 9000),
        (3000, 60, "phone", 12000),
    ]


def test_a_month_run_bills_unbilled_work_up_to_the_last_day_of_the_month_and_closes_it(
    world: World, no_stripe: None
) -> None:
    case = make_case(world.alpha)
    february = log_time(case, world.coordinator, minutes=60, worked_on=FEBRUARY.replace(day=27))
    last_day = log_time(case, world.coordinator, minutes=60, worked_on=MARCH.replace(day=31))
    next_month = log_time(case, world.coordinator, minutes=60, worked_on=APRIL)

    result = invoicing_run(month=MARCH.replace(day=17))

    assert result.month == MARCH
    assert set(BilledLine.objects.values_list("entry_id", flat=True)) == {february.pk, last_day.pk}
    assert not BilledLine.objects.filter(entry=next_month).exists()
    invoice = Invoice.objects.get()
    assert (invoice.month, invoice.kind) == (MARCH, "hours")
    closed = LedgerMonth.objects.get()
    assert closed.month == MARCH and closed.closed_at is not None
    invoicing_run(month=MARCH)
    assert LedgerMonth.objects.get().closed_at == closed.closed_at  # closed once


def test_a_later_run_for_the_same_month_adds_the_next_part_per_provider_and_month(
    world: World, no_stripe: None
) -> None:
    alpha_case = make_case(world.alpha)
    log_time(alpha_case, world.coordinator, minutes=60, worked_on=MARCH.replace(day=2))
    invoicing_run(month=MARCH)
    log_time(alpha_case, world.coordinator, minutes=30, worked_on=MARCH.replace(day=20))
    log_time(make_case(world.beta), world.coordinator, minutes=30, worked_on=MARCH.replace(day=20))

    again = invoicing_run(month=MARCH)

    assert (again.invoices_created, again.invoices_local) == (2, 2)
    parts = Invoice.objects.filter(month=MARCH).values_list("provider_id", "part", "net_cents")
    assert sorted(parts) == sorted(
        [(world.alpha.pk, 1, 9000), (world.alpha.pk, 2, 4500), (world.beta.pk, 1, 4500)]
    )
    log_time(alpha_case, world.coordinator, minutes=30, worked_on=APRIL.replace(day=2))
    invoicing_run(month=APRIL)
    assert Invoice.objects.get(month=APRIL).part == 1


def test_a_run_for_some_providers_bills_only_theirs(world: World, no_stripe: None) -> None:
    alpha = log_time(make_case(world.alpha), world.coordinator, minutes=60, worked_on=MARCH.replace(day=2))
    beta = log_time(make_case(world.beta), world.coordinator, minutes=60, worked_on=MARCH.replace(day=2))

    only_beta = invoicing_run(month=MARCH, provider_ids=[world.beta.pk])

    assert (only_beta.providers_planned, only_beta.lines_created) == (1, 1)
    assert list(BilledLine.objects.values_list("entry_id", flat=True)) == [beta.pk]
    assert invoicing_run(month=MARCH).lines_created == 1
    assert BilledLine.objects.filter(entry=alpha).exists()


def test_plan_and_push_add_to_the_counts_of_the_result_they_are_given(world: World, no_stripe: None) -> None:
    log_time(make_case(world.alpha), world.coordinator, minutes=60, worked_on=MARCH.replace(day=2))
    result = RunResult(
        month=MARCH, providers_planned=1, lines_created=5, invoices_created=1, invoices_local=2
    )

    planned = invoicing_plan(month=MARCH, result=result)
    pushed = invoicing_push(result=planned)

    assert planned is result and pushed is result
    assert (result.providers_planned, result.lines_created, result.invoices_created) == (2, 6, 2)
    assert result.invoices_local == 3


def test_the_hours_run_leaves_membership_invoices_alone(world: World, no_stripe: None) -> None:
    membership_invoice = Invoice.objects.create(provider=world.alpha, kind="membership", synced=False)
    log_time(make_case(world.alpha), world.coordinator, minutes=60, worked_on=MARCH.replace(day=2))

    result = invoicing_run(month=MARCH)

    assert result.invoices_local == 1
    membership_invoice.refresh_from_db()
    assert (membership_invoice.status, membership_invoice.finalized_at) == ("draft", None)


def test_without_a_pool_an_invoice_takes_250_lines_before_the_next_part(
    world: World, no_stripe: None
) -> None:
    case = make_case(world.alpha)
    log_many(case, world.coordinator, 501, month=MARCH)

    result = invoicing_run(month=MARCH)

    assert (result.lines_created, result.invoices_created, result.invoices_local) == (501, 3, 3)
    invoices = list(Invoice.objects.order_by("part"))
    assert [invoice.lines.count() for invoice in invoices] == [250, 250, 1]
    for invoice in invoices:
        amounts = list(invoice.lines.values_list("amount_cents", flat=True))
        assert (invoice.net_cents, invoice.vat_cents) == (sum(amounts), invoice_vat_cents(amounts))


def test_pooled_lines_all_go_on_the_first_part_which_keeps_one_item_free_for_them(
    world: World, no_stripe: None
) -> None:
    low = make_case(world.alpha)
    high = make_case(world.alpha)  # a later reference: its lines come last
    hidden = make_case(world.alpha, consent=Consent.PENDING)
    # Made first (lowest ids) and out of date order: lines follow reference, then date.
    last = log_time(high, world.coordinator, minutes=10, worked_on=MARCH.replace(day=20))
    log_time(high, world.coordinator, minutes=10, worked_on=MARCH.replace(day=10))
    log_many(low, world.coordinator, 248, month=MARCH)
    pooled = [log_time(hidden, world.coordinator, minutes=7, worked_on=MARCH.replace(day=d)) for d in (3, 4)]

    invoicing_run(month=MARCH)

    first, second = Invoice.objects.order_by("part")
    assert (first.part, second.part) == (1, 2)
    assert first.lines.filter(pooled=False).count() == 249
    assert set(first.lines.filter(pooled=True).values_list("entry_id", flat=True)) == {e.pk for e in pooled}
    assert list(second.lines.values_list("entry_id", flat=True)) == [last.pk]
    referenced = list(first.lines.filter(pooled=False).values_list("amount_cents", flat=True))
    assert first.net_cents == sum(referenced) + 2 * 1050
    assert first.vat_cents == invoice_vat_cents([*referenced, 2100])
    assert (second.net_cents, second.vat_cents) == (1500, vat_cents(1500))


def test_stripe_receives_the_invoice_terms_row_month_dutch_texts_and_keys_from_our_rows(
    world: World, fake_stripe: FakeStripe, english_request: None
) -> None:
    low = make_case(world.alpha)
    high = make_case(world.alpha)
    # Made in another order than reference-then-date, which is the order of the items.
    third = log_time(high, world.coordinator, minutes=60, worked_on=MARCH.replace(day=2))
    second = log_time(low, world.coordinator, minutes=30, worked_on=MARCH.replace(day=9), kind="onsite")
    first = log_time(low, world.coordinator, minutes=45, worked_on=MARCH.replace(day=5))
    for case in (
        make_case(world.alpha, consent=Consent.REFUSED),
        make_case(world.alpha, consent=Consent.PENDING),
    ):
        log_time(case, world.coordinator, minutes=30, worked_on=MARCH.replace(day=6))

    invoicing_run(month=MARCH)

    invoice = Invoice.objects.get()
    customer = Membership.objects.get(provider=world.alpha).stripe_customer_id
    [tax_rate] = fake_stripe.all("tax_rate")
    [(sent, sent_key)] = fake_stripe.sent("POST /v1/invoices")
    assert sent == {
        "customer": customer,
        "collection_method": "send_invoice",
        "days_until_due": "14",
        "auto_advance": "false",  # we finalise once every item is on it
        "pending_invoice_items_behavior": "exclude",
        "default_tax_rates": [tax_rate["id"]],
        "description": "Uren maart 2026",
        "metadata": {"invoice_row": str(invoice.pk), "month": "2026-03"},
    }
    assert sent_key == key("hours-invoice", invoice.pk)
    items = fake_stripe.sent("POST /v1/invoiceitems")
    expected = [
        (entry, amount, label(entry, kind))
        for entry, amount, kind in [
            (first, 6750, "Telefonisch"),
            (second, 5000, "Op locatie"),
            (third, 9000, "Telefonisch"),
        ]
    ]
    assert items[:3] == [
        (
            {
                "customer": customer,
                "invoice": invoice.stripe_invoice_id,
                "amount": str(amount),
                "currency": "eur",
                "description": description,
                "metadata": {"entry": str(entry.pk), "seq": "1"},
            },
            key(f"ti-{entry.pk}-v1"),
        )
        for entry, amount, description in expected
    ]
    assert items[3:] == [
        (
            {
                "customer": customer,
                "invoice": invoice.stripe_invoice_id,
                "amount": "9000",
                "currency": "eur",
                "description": "Overige uren maart 2026 (zonder zaakverwijzing)",
                "metadata": {"pooled_lines": "2"},
            },
            key("hours-pool", invoice.pk),
        )
    ]
    assert fake_stripe.sent("POST /v1/invoices/{id}/finalize") == [
        ({"auto_advance": "true"}, key("hours-finalize", invoice.pk))
    ]
    # Our rows know every Stripe id, and take Stripe's view of the finalised invoice.
    [stripe_invoice] = fake_stripe.all("invoice")
    pool_item = fake_stripe.all("invoiceitem")[3]
    assert invoice.stripe_invoice_id == stripe_invoice["id"] and invoice.pool_item_id == pool_item["id"]
    assert set(invoice.lines.filter(pooled=True).values_list("stripe_item_id", flat=True)) == {
        pool_item["id"]
    }
    assert [line.stripe_item_id for line in invoice.lines.filter(pooled=False).order_by("pk")] == [
        item["id"] for item in fake_stripe.all("invoiceitem")[:3]
    ]
    assert stripe_invoice["subtotal"] == 6750 + 5000 + 9000 + 9000
    assert (invoice.status, invoice.number, invoice.hosted_invoice_url) == (
        "open", stripe_invoice["number"], stripe_invoice["hosted_invoice_url"]
    )  # fmt: skip
    assert (invoice.net_cents, invoice.vat_cents, invoice.total_cents) == (
        stripe_invoice["subtotal"], stripe_invoice["tax"], stripe_invoice["total"]
    )  # fmt: skip
    assert invoice.synced and invoice.finalized_at is not None


def test_each_provider_gets_its_own_stripe_invoice_and_the_run_counts_and_logs_what_it_did(
    world: World, fake_stripe: FakeStripe
) -> None:
    for provider, minutes in ((world.alpha, [60, 30]), (world.beta, [15])):
        shared = make_case(provider)
        for m in minutes:
            log_time(shared, world.coordinator, minutes=m, worked_on=MARCH.replace(day=3))
        log_time(
            make_case(provider, consent=Consent.PENDING),
            world.coordinator,
            minutes=30,
            worked_on=MARCH.replace(day=4),
        )

    started = time.perf_counter()
    with structlog.testing.capture_logs() as logs:
        result = invoicing_run(month=MARCH)
    elapsed = time.perf_counter() - started

    assert (result.providers_planned, result.lines_created, result.invoices_created) == (2, 5, 2)
    assert (result.invoices_pushed, result.invoices_local, result.skipped_without_rate) == (2, 0, 0)
    assert result.plan_seconds >= 0 and result.push_seconds >= 0
    assert result.plan_seconds + result.push_seconds <= elapsed
    [line] = [entry for entry in logs if entry["event"] == "invoicing_run"]
    assert line == {
        "event": "invoicing_run",
        "log_level": "info",
        "month": "2026-03",
        "providers": 2,
        "lines": 5,
        "invoices": 2,
        "pushed": 2,
        "local": 0,
    }
    for provider in (world.alpha, world.beta):
        invoice = Invoice.objects.get(provider=provider)
        assert invoice.part == 1 and invoice.synced
        stripe_invoice = fake_stripe.get("invoice", invoice.stripe_invoice_id)
        assert stripe_invoice["customer"] == Membership.objects.get(provider=provider).stripe_customer_id
        assert stripe_invoice["metadata"]["invoice_row"] == str(invoice.pk)
        pool = fake_stripe.get("invoiceitem", invoice.pool_item_id)
        assert (pool["invoice"], pool["amount"]) == (invoice.stripe_invoice_id, 4500)
    assert len(fake_stripe.all("invoice")) == 2 and len(fake_stripe.all("invoiceitem")) == 5


def test_invoicing_push_pushes_only_the_invoices_it_is_given(world: World, fake_stripe: FakeStripe) -> None:
    for provider in (world.alpha, world.beta):
        log_time(make_case(provider), world.coordinator, minutes=60, worked_on=MARCH.replace(day=2))
    invoicing_plan(month=MARCH)
    alpha = Invoice.objects.get(provider=world.alpha)

    result = invoicing_push(result=RunResult(month=MARCH), invoice_ids=[alpha.pk])

    assert result.invoices_pushed == 1
    assert list(Invoice.objects.filter(synced=True).values_list("pk", flat=True)) == [alpha.pk]
    [stripe_invoice] = fake_stripe.all("invoice")
    assert stripe_invoice["metadata"]["invoice_row"] == str(alpha.pk)


def test_a_refused_finalise_stops_the_run_and_a_finalise_by_hand_is_then_taken_as_it_is(
    world: World, fake_stripe: FakeStripe
) -> None:
    log_time(make_case(world.alpha), world.coordinator, minutes=60, worked_on=MARCH.replace(day=2))
    fake_stripe.refuse_next("POST /v1/invoices/{id}/finalize", "This invoice cannot be finalized.")

    with pytest.raises(stripe.InvalidRequestError):
        invoicing_run(month=MARCH)

    invoice = Invoice.objects.get()
    assert invoice.stripe_invoice_id and not invoice.synced
    assert (invoice.status, invoice.number, invoice.finalized_at) == ("draft", "", None)
    assert fake_stripe.get("invoice", invoice.stripe_invoice_id)["status"] == "draft"

    # Someone finalises it in Stripe's dashboard (no key of ours); the next run takes it as it is.
    stripe_gateway.require_client().v1.invoices.finalize_invoice(invoice.stripe_invoice_id)
    result = invoicing_run(month=MARCH)

    invoice.refresh_from_db()
    stripe_invoice = fake_stripe.get("invoice", invoice.stripe_invoice_id)
    assert result.invoices_pushed == 1 and invoice.synced
    assert (invoice.status, invoice.number, invoice.total_cents) == (
        "open", stripe_invoice["number"], stripe_invoice["total"]
    )  # fmt: skip
    assert len(fake_stripe.all("invoice")) == 1 and len(fake_stripe.all("invoiceitem")) == 1


def test_stripes_view_of_an_invoice_replaces_ours_once_it_is_no_longer_a_draft(world: World) -> None:
    invoice = Invoice.objects.create(
        provider=world.alpha, kind="hours", month=MARCH, net_cents=1000, vat_cents=210, total_cents=1210
    )

    invoice_apply_stripe(
        invoice,
        {"status": "draft", "number": None, "hosted_invoice_url": None, "subtotal": 0, "tax": 0, "total": 0},
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number, invoice.hosted_invoice_url) == ("draft", "", "")
    assert (invoice.net_cents, invoice.vat_cents, invoice.total_cents) == (1000, 210, 1210)
    assert invoice.finalized_at is None and not invoice.synced

    page = "https://invoice.stripe.example/i/1"
    invoice_apply_stripe(
        invoice,
        {
            "status": "open",
            "number": "KP-0001",
            "hosted_invoice_url": page,
            "subtotal": 1500,
            "tax": 315,
            "total": 1815,
        },
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number, invoice.hosted_invoice_url) == ("open", "KP-0001", page)
    assert (invoice.net_cents, invoice.vat_cents, invoice.total_cents) == (1500, 315, 1815)
    assert invoice.synced and invoice.finalized_at is not None
    finalized_at = invoice.finalized_at

    # Amounts left out keep ours; a status left out keeps ours; the first finalisation time stays.
    invoice_apply_stripe(invoice, {"number": "KP-0001", "hosted_invoice_url": page})
    invoice.refresh_from_db()
    assert (invoice.status, invoice.net_cents, invoice.vat_cents, invoice.total_cents) == (
        "open",
        1500,
        315,
        1815,
    )
    invoice_apply_stripe(
        invoice, {"status": "paid", "number": "KP-0001", "hosted_invoice_url": page, "tax": None}
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.vat_cents, invoice.finalized_at) == ("paid", 0, finalized_at)


def test_same_day_entries_of_a_case_are_listed_in_the_order_they_were_logged(
    world: World, no_stripe: None
) -> None:
    case = make_case(world.alpha)
    entries = [
        log_time(case, world.coordinator, minutes=1 + i, worked_on=MARCH.replace(day=4)) for i in range(12)
    ]

    invoicing_run(month=MARCH)

    invoice = Invoice.objects.get()
    assert list(invoice.lines.order_by("pk").values_list("entry_id", flat=True)) == [e.pk for e in entries]
