"""Billing tasks: thin wrappers that load by id and call one service; all safe to run twice."""

from __future__ import annotations

import datetime

from celery import shared_task

from billing.invoicing import invoicing_run, previous_month


@shared_task(acks_late=True, ignore_result=True)
def bill_hours_task(month: str | None = None) -> None:
    """The monthly hours run (Celery beat on the 1st: the previous month)."""
    day = datetime.date.fromisoformat(month) if month else previous_month()
    invoicing_run(month=day)
