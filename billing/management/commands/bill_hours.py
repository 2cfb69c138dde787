"""``manage.py bill_hours --month YYYY-MM``: the monthly hours run, by hand (safe to repeat)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing.invoicing import invoicing_run, previous_month


def parse_month(value: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date().replace(day=1)  # noqa: DTZ007 (a date)
    except ValueError as exc:
        raise CommandError(f"--month wants YYYY-MM, not {value!r}") from exc


class Command(BaseCommand):
    help = "Bill a month's hours: close the month, make invoice lines, push invoices to Stripe."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="YYYY-MM (default: the previous month)")

    def handle(self, *args: Any, **options: Any) -> None:
        month = parse_month(options["month"]) if options["month"] else previous_month()
        result = invoicing_run(month=month)
        self.stdout.write(
            f"{month:%Y-%m}: {result.providers_planned} providers, {result.lines_created} lines, "
            f"{result.invoices_created} new invoices, {result.invoices_pushed} pushed to Stripe, "
            f"{result.invoices_local} kept locally (no Stripe keys)"
            + (
                f", {result.skipped_without_rate} entries without a rate"
                if result.skipped_without_rate
                else ""
            )
        )
