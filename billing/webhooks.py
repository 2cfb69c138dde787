"""Stripe webhooks: verified, stored once, handled later, never trusted for state.

``webhook_receive`` runs in the request: it checks the signature on the raw
body against every configured secret (``STRIPE_WEBHOOK_SECRETS``: two during
a rotation), stores the event id (unique: a redelivery is a no-op) and
leaves an outbox row, all in one transaction, and the view answers 200 at
once. ``stripe_event_process`` runs in a task: it never acts on the event's
snapshot, it re-fetches the object from Stripe and applies what is true now,
so events may arrive twice, late or in any order.
"""

from __future__ import annotations

import json
from typing import Any

import stripe
import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing import stripe_gateway
from billing.invoicing_mirror import invoice_record_from_stripe
from billing.memberships import membership_sync_from_stripe
from billing.models import SignUp, StripeEvent
from billing.signup import signup_refresh_from_stripe
from outbox.services import outbox_enqueue

log = structlog.get_logger(__name__)


TOLERANCE_SECONDS = 300


class WebhookRejected(Exception):
    pass


def webhook_verify(payload: bytes, signature: str) -> dict[str, Any]:
    """The event in ``payload`` if one of our secrets signed it recently; else ``WebhookRejected``."""
    secrets = [secret for secret in settings.STRIPE_WEBHOOK_SECRETS if secret]
    if not secrets or not signature:
        raise WebhookRejected("no secret or no signature")
    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(payload, signature, secret, TOLERANCE_SECONDS)
        except stripe.SignatureVerificationError:
            continue
        try:
            event = json.loads(payload)
        except ValueError as exc:
            raise WebhookRejected("not JSON") from exc
        if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
            raise WebhookRejected("not an event")
        return event
    raise WebhookRejected("bad signature")


def webhook_receive(*, payload: bytes, signature: str) -> bool:
    """Verify and store an event, queueing its handling; False for a duplicate (a no-op)."""
    event = webhook_verify(payload, signature)
    obj = (event.get("data") or {}).get("object") or {}
    try:
        with transaction.atomic():
            row = StripeEvent.objects.create(
                event_id=event["id"], type=event["type"][:100], object_id=str(obj.get("id", ""))[:255]
            )
            outbox_enqueue(
                task_name="billing.tasks.stripe_event_process_task",
                kwargs={"event_id": row.pk},
                schema_name="public",
            )
    except IntegrityError:
        log.info("stripe_event_duplicate", event_id=event["id"])
        return False
    log.info("stripe_event_received", event_id=event["id"], type=event["type"])
    return True


def _signup_for(session_id: str) -> SignUp | None:
    return SignUp.objects.filter(checkout_session_id=session_id).first()


def _subscription_of(invoice: dict[str, Any]) -> str:
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") or {}
    return details.get("subscription") or invoice.get("subscription") or ""


def stripe_event_process(*, event_id: int) -> None:
    """Handle a stored event by re-fetching its object; safe to run twice and in any order."""
    event = StripeEvent.objects.get(pk=event_id)
    client = stripe_gateway.stripe_client()
    if client is None:
        return
    kind, object_id = event.type, event.object_id
    if kind.startswith("checkout.session."):
        signup = _signup_for(object_id)
        if signup is not None:
            signup_refresh_from_stripe(signup)
    elif kind.startswith("customer.subscription."):
        membership_sync_from_stripe(subscription_id=object_id)
    elif kind.startswith("invoice."):
        data = stripe_gateway.as_dict(client.v1.invoices.retrieve(object_id))
        invoice_record_from_stripe(data)
        subscription_id = _subscription_of(data)
        if subscription_id:
            membership_sync_from_stripe(subscription_id=subscription_id)
    StripeEvent.objects.filter(pk=event.pk).update(processed_at=timezone.now())
