"""Billing tasks: thin wrappers that load by id and call one service; all safe to run twice."""

from __future__ import annotations

import datetime

import stripe
from celery import shared_task

from billing.invoicing import invoicing_run, previous_month
from outbox.services import TRANSIENT_ERRORS

# Stripe or the database unreachable or failing: try again later (the daily reconciliation repairs the rest).
TRANSIENT = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError, *TRANSIENT_ERRORS)


@shared_task(acks_late=True, ignore_result=True)
def bill_hours_task(month: str | None = None) -> None:
    """The monthly hours run (Celery beat on the 1st: the previous month)."""
    day = datetime.date.fromisoformat(month) if month else previous_month()
    invoicing_run(month=day)


@shared_task(acks_late=True, ignore_result=True, max_retries=5, autoretry_for=TRANSIENT, retry_backoff=30)
def stripe_event_process_task(event_id: int) -> None:
    from billing.webhooks import stripe_event_process

    stripe_event_process(event_id=event_id)


@shared_task(acks_late=True, ignore_result=True, max_retries=5, autoretry_for=TRANSIENT, retry_backoff=10)
def signup_provision_task(signup_id: int) -> None:
    from billing.signup import signup_provision

    signup_provision(signup_id=signup_id)


@shared_task(acks_late=True, ignore_result=True, max_retries=5, autoretry_for=TRANSIENT, retry_backoff=30)
def membership_push_task(membership_id: int) -> None:
    from billing.memberships import membership_push

    membership_push(membership_id=membership_id)


@shared_task(acks_late=True, ignore_result=True)
def billing_reconcile_task() -> None:
    """Daily: memberships against Stripe, unsynced rows pushed, abandoned sign-ups expired."""
    from billing.reconcile import billing_reconcile

    billing_reconcile()
