"""The monthly hours run: billable time becomes invoice lines, invoices go to Stripe.

``invoicing_run(month=...)`` (Celery beat on the 1st, ``manage.py bill_hours
--month YYYY-MM``) does three things, each safe to repeat:

1. closes the month in the ledger (``LedgerMonth``), so no time is added to it;
2. plans, per provider in one transaction: every time entry up to the end of
   the month whose worth differs from what was billed for it gets one
   ``BilledLine`` for the difference (its first amount, or a correction after
   an edit). The entry's worth is its minutes at the hourly rate that applied
   on the day the work was done, rounded once (billing.vat). ``(entry, seq)``
   is unique, so two runs racing each other cannot bill an entry twice;
3. pushes every hours invoice that is not yet in Stripe: one Stripe invoice,
   one invoice item per referenced line, one pooled item for the lines that
   must not name their case (no consent, or confidant work), then finalises.
   Each call carries an idempotency key made from our row ids, and each Stripe
   id is stored, so a run that fails half-way is simply run again: what was
   made is found, what was not is made, nothing is made twice.

Without Stripe keys step 3 keeps the invoices locally (``synced=False``) with
totals computed by billing.vat; they are pushed by a later run or by the
daily reconciliation once keys are set.
"""

from __future__ import annotations

import bisect
import datetime
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import stripe
import structlog
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from billing import stripe_gateway
from billing.models import BilledLine, Invoice, InvoiceKind, Price, PriceKind
from billing.vat import invoice_vat_cents, time_amount_cents
from casework.index.models import Service
from casework.index.sharing import shared_with_provider
from casework.timesheets.models import LedgerMonth, TimeEntry, TimeKind
from reference.dates import month_bounds, today_amsterdam
from tenants.models import Provider

log = structlog.get_logger(__name__)

BILLABLE_KINDS = {TimeKind.PHONE: PriceKind.HOURLY_PHONE, TimeKind.ONSITE: PriceKind.HOURLY_ONSITE}
# How many stored Stripe ids are written back at once while pushing an invoice.
SAVE_BATCH = 50


def previous_month(today: datetime.date | None = None) -> datetime.date:
    first = (today or today_amsterdam()).replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=1)


class RateCard:
    """The hourly rates through time: which rate applied on a given day."""

    def __init__(self, prices: Iterable[Price]) -> None:
        self._dates: dict[str, list[datetime.date]] = defaultdict(list)
        self._amounts: dict[str, list[int]] = defaultdict(list)
        for price in sorted(prices, key=lambda p: (p.kind, p.valid_from)):
            self._dates[price.kind].append(price.valid_from)
            self._amounts[price.kind].append(price.amount_cents)

    @classmethod
    def load(cls) -> RateCard:
        return cls(Price.objects.filter(kind__in=list(BILLABLE_KINDS.values())))

    def rate(self, time_kind: str, on: datetime.date) -> int | None:
        """The hourly rate in cents for ``time_kind`` work done on ``on``; None if none applied."""
        price_kind = BILLABLE_KINDS.get(time_kind)
        if price_kind is None:
            return None
        index = bisect.bisect_right(self._dates[price_kind], on) - 1
        return self._amounts[price_kind][index] if index >= 0 else None


def entry_worth(entry: Any, rates: RateCard) -> tuple[int, int]:
    """(amount in cents, hourly rate) that ``entry`` is worth now; non-billable work is worth 0."""
    rate = rates.rate(entry.kind, entry.worked_on)
    if rate is None:
        return 0, 0
    return time_amount_cents(entry.minutes, rate), rate


def is_pooled(*, entry_service: str, case_service: str, case_consent: str) -> bool:
    """Lines that never name their case: a case not shared with the provider, or confidant work."""
    return (
        not shared_with_provider(consent=case_consent, service=case_service)
        or entry_service == Service.CONFIDANT
    )


def line_description(*, reference: str, worked_on: datetime.date, kind: str, correction: bool) -> str:
    """Reference, date and kind: nothing about the complainant or the complaint."""
    with translation.override("nl"):
        text = f"{reference} · {worked_on:%d-%m-%Y} · {TimeKind(kind).label}"
        return _("Correctie %(line)s") % {"line": text} if correction else text


def invoice_description(month: datetime.date | None) -> str:
    with translation.override("nl"):
        return _("Uren %(month)s") % {"month": date_format(month, "F Y")} if month else ""


def pooled_description(month: datetime.date) -> str:
    with translation.override("nl"):
        return _("Overige uren %(month)s (zonder zaakverwijzing)") % {
            "month": date_format(month, "F Y"),
        }


@dataclass
class RunResult:
    month: datetime.date
    providers_planned: int = 0
    lines_created: int = 0
    invoices_created: int = 0
    invoices_pushed: int = 0
    invoices_local: int = 0
    skipped_without_rate: int = 0
    plan_seconds: float = 0.0
    push_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


def ledger_month_close(*, month: datetime.date) -> LedgerMonth:
    """Close ``month`` (idempotent): time can no longer be added to it."""
    start, _ = month_bounds(month)
    closed, _ = LedgerMonth.objects.get_or_create(month=start, defaults={"closed_at": timezone.now()})
    return closed


def _candidates(end: datetime.date, provider_ids: list[int] | None) -> dict[int, list[Any]]:
    """Entries up to ``end`` never billed (billable) or changed since they were last billed."""
    entries = (
        TimeEntry.objects.filter(worked_on__lt=end)
        .annotate(
            billed_cents=Coalesce(Sum("billed_lines__amount_cents"), 0),
            line_count=Count("billed_lines"),
            last_billed_at=Max("billed_lines__created_at"),
        )
        .filter(
            Q(line_count=0, kind__in=list(BILLABLE_KINDS))
            | Q(line_count__gt=0, updated_at__gt=F("last_billed_at"))
        )
        .values(
            "pk",
            "provider_id",
            "reference",
            "service",
            "kind",
            "minutes",
            "worked_on",
            "billed_cents",
            "line_count",
            "case__service",
            "case__consent",
        )
        .order_by("provider_id", "reference", "worked_on", "pk")
    )
    if provider_ids is not None:
        entries = entries.filter(provider_id__in=provider_ids)
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in entries:
        grouped[row["provider_id"]].append(_Row(row))
    return grouped


class _Row:
    __slots__ = ("data", "kind", "minutes", "worked_on")

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.kind = data["kind"]
        self.minutes = data["minutes"]
        self.worked_on = data["worked_on"]


def _chunk_lines(referenced: list[BilledLine], pooled: bool) -> list[list[BilledLine]]:
    """Split referenced lines over invoices of at most MAX_INVOICE_ITEMS items (the pool takes one)."""
    limit = stripe_gateway.MAX_INVOICE_ITEMS
    chunks: list[list[BilledLine]] = []
    first = limit - 1 if pooled else limit
    chunks.append(referenced[:first])
    rest = referenced[first:]
    while rest:
        chunks.append(rest[:limit])
        rest = rest[limit:]
    return chunks


def _plan_provider(
    provider_id: int, month: datetime.date, rows: list[_Row], rates: RateCard, result: RunResult
) -> list[Invoice]:
    """One provider's new lines and invoices, in one transaction."""
    referenced: list[BilledLine] = []
    pooled: list[BilledLine] = []
    for row in rows:
        data = row.data
        amount, rate = entry_worth(row, rates)
        if rate == 0 and row.kind in BILLABLE_KINDS:
            result.skipped_without_rate += 1
            log.warning("time_entry_without_rate", entry_id=data["pk"], kind=row.kind)
            continue
        difference = amount - data["billed_cents"]
        if difference == 0:
            continue
        line_pooled = is_pooled(
            entry_service=data["service"],
            case_service=data["case__service"],
            case_consent=data["case__consent"],
        )
        line = BilledLine(
            entry_id=data["pk"],
            seq=data["line_count"] + 1,
            amount_cents=difference,
            minutes=row.minutes,
            kind=row.kind,
            rate_cents=rate,
            pooled=line_pooled,
            label=""
            if line_pooled
            else line_description(
                reference=data["reference"],
                worked_on=row.worked_on,
                kind=row.kind,
                correction=data["line_count"] > 0,
            ),
        )
        (pooled if line_pooled else referenced).append(line)
    if not referenced and not pooled:
        return []
    with transaction.atomic():
        # Serialises runs for this provider; (entry, seq) stops the rest. A deleted provider's
        # (tombstone's) hours logged before its deletion are still invoiced.
        Provider.all_objects.select_for_update().filter(pk=provider_id).values_list("pk", flat=True).get()
        last_part = (
            Invoice.objects.filter(provider_id=provider_id, kind=InvoiceKind.HOURS, month=month)
            .aggregate(last=Max("part"))
            .get("last")
            or 0
        )
        invoices: list[Invoice] = []
        for number, chunk in enumerate(_chunk_lines(referenced, bool(pooled)), start=last_part + 1):
            invoice = Invoice.objects.create(
                provider_id=provider_id, kind=InvoiceKind.HOURS, month=month, part=number
            )
            for line in chunk:
                line.invoice = invoice
            if number == last_part + 1:
                for line in pooled:
                    line.invoice = invoice
            invoice_lines = chunk + (pooled if number == last_part + 1 else [])
            items = [line.amount_cents for line in chunk]
            if number == last_part + 1 and pooled:
                items.append(sum(line.amount_cents for line in pooled))
            invoice.net_cents = sum(line.amount_cents for line in invoice_lines)
            invoice.vat_cents = invoice_vat_cents(items)
            invoice.total_cents = invoice.net_cents + invoice.vat_cents
            invoice.save(update_fields=["net_cents", "vat_cents", "total_cents"])
            invoices.append(invoice)
        BilledLine.objects.bulk_create(referenced + pooled)
    result.lines_created += len(referenced) + len(pooled)
    result.invoices_created += len(invoices)
    return invoices


def invoicing_plan(
    *, month: datetime.date, provider_ids: list[int] | None = None, result: RunResult | None = None
) -> RunResult:
    """Step 2: new lines and invoices for every provider with unbilled or changed time."""
    result = result or RunResult(month=month)
    start, end = month_bounds(month)
    rates = RateCard.load()
    for provider_id, rows in _candidates(end, provider_ids).items():
        try:
            _plan_provider(provider_id, start, rows, rates, result)
        except IntegrityError:
            # Another run billed some of these entries meanwhile: plan again from fresh data.
            fresh = _candidates(end, [provider_id]).get(provider_id, [])
            _plan_provider(provider_id, start, fresh, rates, result)
        result.providers_planned += 1
    return result


def invoice_push(invoice: Invoice) -> Invoice:
    """Make ``invoice`` exist, complete and finalised in Stripe; safe to call again after a failure."""
    client = stripe_gateway.require_client()
    provider = invoice.provider
    customer = stripe_gateway.customer_ensure(provider)
    tax_rate = stripe_gateway.vat_tax_rate_id()
    if not invoice.stripe_invoice_id:
        created = client.v1.invoices.create(
            params={
                "customer": customer,
                "collection_method": "send_invoice",
                "days_until_due": 14,
                "auto_advance": False,
                "pending_invoice_items_behavior": "exclude",
                "default_tax_rates": [tax_rate],
                "description": invoice_description(invoice.month),
                "metadata": {"invoice_row": str(invoice.pk), "month": f"{invoice.month:%Y-%m}"},
            },
            options=stripe_gateway.create_options("hours-invoice", invoice.pk),
        )
        invoice.stripe_invoice_id = created["id"]
        invoice.save(update_fields=["stripe_invoice_id"])
    lines = list(invoice.lines.select_related(None).order_by("pk"))
    pending = [line for line in lines if not line.pooled and not line.stripe_item_id]
    made: list[BilledLine] = []
    try:
        for line in pending:
            item = client.v1.invoice_items.create(
                params={
                    "customer": customer,
                    "invoice": invoice.stripe_invoice_id,
                    "amount": line.amount_cents,
                    "currency": stripe_gateway.CURRENCY,
                    "description": line.label,
                    "metadata": {"entry": str(line.entry_id), "seq": str(line.seq)},
                },
                options={"idempotency_key": stripe_gateway.idempotency_key(line.idempotency_key)},
            )
            line.stripe_item_id = item["id"]
            made.append(line)
            if len(made) >= SAVE_BATCH:
                BilledLine.objects.bulk_update(made, ["stripe_item_id"])
                made = []
    finally:
        if made:
            BilledLine.objects.bulk_update(made, ["stripe_item_id"])
    pooled = [line for line in lines if line.pooled]
    if pooled and not invoice.pool_item_id:
        item = client.v1.invoice_items.create(
            params={
                "customer": customer,
                "invoice": invoice.stripe_invoice_id,
                "amount": sum(line.amount_cents for line in pooled),
                "currency": stripe_gateway.CURRENCY,
                "description": pooled_description(invoice.month),
                "metadata": {"pooled_lines": str(len(pooled))},
            },
            options=stripe_gateway.create_options("hours-pool", invoice.pk),
        )
        invoice.pool_item_id = item["id"]
        invoice.save(update_fields=["pool_item_id"])
        BilledLine.objects.filter(pk__in=[line.pk for line in pooled]).update(stripe_item_id=item["id"])
    try:
        finalized = client.v1.invoices.finalize_invoice(
            invoice.stripe_invoice_id,
            params={"auto_advance": True},
            options=stripe_gateway.create_options("hours-finalize", invoice.pk),
        )
    except stripe.InvalidRequestError:
        # Finalised before (by us, with the answer lost, or by hand): take it as it is.
        finalized = client.v1.invoices.retrieve(invoice.stripe_invoice_id)
        if finalized["status"] == "draft":
            raise
    invoice_apply_stripe(invoice, stripe_gateway.as_dict(finalized))
    return invoice


def invoice_apply_stripe(invoice: Invoice, data: dict[str, Any]) -> None:
    """Copy Stripe's view of an invoice (status, number, totals, hosted page) onto our row."""
    invoice.status = data.get("status") or invoice.status
    invoice.number = data.get("number") or ""
    invoice.hosted_invoice_url = data.get("hosted_invoice_url") or ""
    if data.get("status") != "draft":
        invoice.net_cents = data.get("subtotal", invoice.net_cents)
        invoice.vat_cents = data.get("tax", invoice.vat_cents) or 0
        invoice.total_cents = data.get("total", invoice.total_cents)
        invoice.finalized_at = invoice.finalized_at or timezone.now()
        invoice.synced = True
    invoice.save(
        update_fields=[
            "status",
            "number",
            "hosted_invoice_url",
            "net_cents",
            "vat_cents",
            "total_cents",
            "finalized_at",
            "synced",
        ]
    )


def _push_one(invoice_id: int) -> None:
    try:
        invoice_push(Invoice.objects.select_related("provider").get(pk=invoice_id))
    finally:
        if threading.current_thread() is not threading.main_thread():
            connection.close()  # each worker thread has its own connection


def invoicing_push(*, result: RunResult, invoice_ids: list[int] | None = None) -> RunResult:
    """Step 3: every hours invoice not yet complete in Stripe (or kept locally without keys).

    Invoices are pushed ``BILLING_PUSH_WORKERS`` at a time: each is a few dozen
    round trips to Stripe, and they are independent of one another. The first
    failure stops the run (the rest is pushed by the next run).
    """
    pending = Invoice.objects.filter(kind=InvoiceKind.HOURS, synced=False)
    if invoice_ids is not None:
        pending = pending.filter(pk__in=invoice_ids)
    if not stripe_gateway.stripe_configured():
        now = timezone.now()
        result.invoices_local += pending.filter(finalized_at__isnull=True).update(
            status="open", finalized_at=now
        )
        return result
    ids = list(pending.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return result
    # Made once, before the threads: they would otherwise race to make it.
    stripe_gateway.vat_tax_rate_id()
    workers = max(1, int(settings.BILLING_PUSH_WORKERS))
    if workers == 1:
        for invoice_id in ids:
            _push_one(invoice_id)
            result.invoices_pushed += 1
        return result
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="invoice-push") as pool:
        futures = [pool.submit(_push_one, invoice_id) for invoice_id in ids]
        try:
            for future in as_completed(futures):
                future.result()
                result.invoices_pushed += 1
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return result


def invoicing_run(*, month: datetime.date, provider_ids: list[int] | None = None) -> RunResult:
    """Bill ``month``: close it, plan lines and invoices, push them. Safe to run again at any point."""
    start, _ = month_bounds(month)
    ledger_month_close(month=start)
    started = time.perf_counter()
    result = invoicing_plan(month=start, provider_ids=provider_ids)
    planned = time.perf_counter()
    result.plan_seconds = planned - started
    invoicing_push(result=result)
    result.push_seconds = time.perf_counter() - planned
    log.info(
        "invoicing_run",
        month=f"{start:%Y-%m}",
        providers=result.providers_planned,
        lines=result.lines_created,
        invoices=result.invoices_created,
        pushed=result.invoices_pushed,
        local=result.invoices_local,
    )
    return result
