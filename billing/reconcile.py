"""The daily reconciliation: our memberships against Stripe, and whatever is still unsynced.

Webhooks can be lost (an endpoint down for longer than Stripe retries) and
keys can be set after the demo ran without them; once a day this re-fetches
every subscription and copies its state, pushes unsynced memberships and
hours invoices, settles sign-ups whose payment was still processing, and
expires abandoned sign-ups.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog

from billing import stripe_gateway
from billing.invoicing import RunResult, invoicing_push, previous_month
from billing.invoicing_mirror import membership_invoices_sync
from billing.memberships import membership_push, membership_sync_from_stripe
from billing.models import Membership, PaymentState, SignUp, SignUpState
from billing.signup import signup_refresh_from_stripe, signups_cleanup

log = structlog.get_logger(__name__)


@dataclass
class ReconcileResult:
    checked: int = 0
    changed: list[str] = field(default_factory=list)
    pushed: int = 0
    invoices_pushed: int = 0
    signups: dict[str, int] = field(default_factory=dict)


def billing_reconcile() -> ReconcileResult:
    """Compare and repair; safe to run at any time, any number of times."""
    result = ReconcileResult()
    if stripe_gateway.stripe_configured():
        for membership in Membership.objects.exclude(stripe_subscription_id="").order_by("pk"):
            before = (membership.status, membership.renews_on, membership.cancel_at_period_end)
            after = membership_sync_from_stripe(subscription_id=membership.stripe_subscription_id)
            result.checked += 1
            membership_invoices_sync(after or membership)
            if after is not None and (after.status, after.renews_on, after.cancel_at_period_end) != before:
                result.changed.append(f"{membership.provider_id}: {before[0]} -> {after.status}")
        for membership_id in Membership.objects.filter(synced=False).values_list("pk", flat=True):
            membership_push(membership_id=membership_id)
            result.pushed += 1
        pushed = invoicing_push(result=RunResult(month=previous_month()))
        result.invoices_pushed = pushed.invoices_pushed
        for signup in SignUp.objects.filter(
            state=SignUpState.PROVISIONED, payment_state=PaymentState.PROCESSING
        ):
            signup_refresh_from_stripe(signup)
    result.signups = signups_cleanup()
    if result.changed:
        log.warning("membership_drift_repaired", changes=result.changed)
    log.info("billing_reconciled", checked=result.checked, pushed=result.pushed, signups=result.signups)
    return result
