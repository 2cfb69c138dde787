"""Sign-up: from the form on the platform host to a provisioned provider with its admin.

1. ``signup_start`` stores the form as a pending ``SignUp`` (public schema)
   and, with Stripe keys, opens a Checkout Session in subscription mode
   (iDEAL and SEPA Direct Debit) for the chosen services. Nothing else
   exists yet: a sign-up abandoned at payment leaves no tenant behind, and
   ``signups_cleanup`` expires and later deletes the pending row.
2. The checkout completes. Two messages say so and either may come first:
   the browser's redirect to the success page and the
   ``checkout.session.completed`` webhook. Both call
   ``signup_refresh_from_stripe``, which re-fetches the session and, once it
   is complete, moves the sign-up to ``paid`` exactly once (row lock) and
   leaves an outbox row for provisioning.
3. ``signup_provision`` (Celery) makes the tenant (idempotent by slug), the
   admin user and membership, and the ``Membership`` with its services.
   Running it twice changes nothing.
4. The success page polls until the sign-up is provisioned, then sends the
   browser to the provider's host with a one-time login link.

SEPA (and iDEAL, which continues as SEPA for renewals) may settle days
later: the workspace is made on completion, and the asynchronous payment
events set the payment state and the membership status from Stripe.

Without Stripe keys the checkout step is skipped: the sign-up is completed
locally (``synced=False``) so the demo works end to end.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from typing import Any

import structlog
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from billing import stripe_gateway
from billing.memberships import (
    SERVICE_PRICES,
    STATUS_FROM_STRIPE,
    membership_apply_subscription,
    membership_create,
)
from billing.models import MembershipStatus, PaymentState, Price, SignUp, SignUpState
from outbox.services import outbox_enqueue
from reference.dates import today_amsterdam
from reference.models import DisputesBody
from tenants.hosts import platform_url
from tenants.models import Provider, ProviderRole
from tenants.provisioning import provider_provision
from tenants.services import membership_grant

log = structlog.get_logger(__name__)

# A pending sign-up whose checkout was neither completed nor cancelled is given up after this.
PENDING_TTL = datetime.timedelta(hours=25)
# Expired and failed sign-ups (personal data of people who did not join) are deleted after this.
RETENTION = datetime.timedelta(days=30)
# The success page hands out login links for this long after provisioning.
LOGIN_WINDOW = datetime.timedelta(hours=1)
FAILED_SUBSCRIPTION_STATES = {"incomplete_expired", "past_due", "unpaid", "canceled"}


class SignUpError(Exception):
    pass


@dataclass(frozen=True)
class SignUpData:
    organisation_name: str
    kvk_number: str
    agb_code: str
    sector: str
    street: str
    postcode: str
    city: str
    contact_name: str
    contact_email: str
    contact_phone: str
    password: str
    slug: str
    services: list[str]
    disputes_body: DisputesBody


def signup_start(*, data: SignUpData) -> SignUp:
    """Store the sign-up (pending) and open its checkout; returns it with ``checkout_url`` set.

    Without Stripe keys the sign-up is completed at once, locally.
    """
    current = Price.current(today_amsterdam())
    services = [code for code in SERVICE_PRICES if code in data.services and SERVICE_PRICES[code] in current]
    if not services:
        raise SignUpError("no_services")
    with transaction.atomic():
        signup = SignUp.objects.create(
            organisation_name=data.organisation_name,
            kvk_number=data.kvk_number,
            agb_code=data.agb_code,
            sector=data.sector,
            street=data.street,
            postcode=data.postcode,
            city=data.city,
            contact_name=data.contact_name,
            contact_email=data.contact_email.lower(),
            contact_phone=data.contact_phone,
            password_hash=make_password(data.password),
            slug=data.slug,
            services=services,
            disputes_body=data.disputes_body,
            dpa_version=settings.BILLING_DPA_VERSION,
            dpa_accepted_at=timezone.now(),
            token=secrets.token_urlsafe(32),
        )
    client = stripe_gateway.stripe_client()
    if client is None:
        signup_complete(signup_id=signup.pk, session=None)
        signup.refresh_from_db()
        return signup
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "payment_method_types": ["ideal", "sepa_debit"],
            "line_items": [
                {"price": stripe_gateway.price_id(current[SERVICE_PRICES[code]]), "quantity": 1}
                for code in services
            ],
            "subscription_data": {
                "default_tax_rates": [stripe_gateway.vat_tax_rate_id()],
                "metadata": {"signup": str(signup.pk), "slug": signup.slug},
            },
            "customer_email": signup.contact_email,
            "client_reference_id": str(signup.pk),
            "locale": "nl",
            "metadata": {"signup": str(signup.pk)},
            "success_url": platform_url(f"/aanmelden/klaar/{signup.token}/")
            + "?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": platform_url(f"/aanmelden/geannuleerd/{signup.token}/"),
        },
        options=stripe_gateway.create_options("checkout", signup.pk),
    )
    signup.checkout_session_id = session["id"]
    signup.checkout_url = session["url"]
    signup.save(update_fields=["checkout_session_id", "checkout_url"])
    return signup


def signup_complete(*, signup_id: int, session: dict[str, Any] | None) -> SignUp:
    """The checkout completed (``session`` as re-fetched; None without Stripe): provision, once."""
    with transaction.atomic():
        signup = SignUp.objects.select_for_update().get(pk=signup_id)
        if signup.state != SignUpState.PENDING:
            return signup
        signup.state = SignUpState.PAID
        signup.completed_at = timezone.now()
        if session is None:
            signup.payment_state = PaymentState.PAID
            signup.synced = False
        else:
            signup.payment_state = (
                PaymentState.PAID if session.get("payment_status") == "paid" else PaymentState.PROCESSING
            )
            signup.stripe_customer_id = session.get("customer") or ""
            signup.stripe_subscription_id = session.get("subscription") or ""
            signup.synced = True
        signup.save()
        outbox_enqueue(
            task_name="billing.tasks.signup_provision_task",
            kwargs={"signup_id": signup.pk},
            schema_name="public",
        )
    log.info("signup_completed", signup_id=signup.pk, slug=signup.slug, payment=signup.payment_state)
    return signup


def signup_expire(*, signup_id: int) -> SignUp:
    """An abandoned sign-up: it frees its slug; nothing was provisioned."""
    with transaction.atomic():
        signup = SignUp.objects.select_for_update().get(pk=signup_id)
        if signup.state == SignUpState.PENDING:
            signup.state = SignUpState.EXPIRED
            signup.save(update_fields=["state"])
            log.info("signup_expired", signup_id=signup.pk)
    return signup


def signup_refresh_from_stripe(signup: SignUp) -> SignUp:
    """Re-fetch the checkout session and act on what it says now (never on an event's snapshot)."""
    client = stripe_gateway.stripe_client()
    if client is None or not signup.checkout_session_id:
        return signup
    session = stripe_gateway.as_dict(client.v1.checkout.sessions.retrieve(signup.checkout_session_id))
    if session.get("status") == "complete":
        signup = signup_complete(signup_id=signup.pk, session=session)
        _payment_refresh(signup, session)
    elif session.get("status") == "expired":
        signup = signup_expire(signup_id=signup.pk)
    return signup


def _payment_refresh(signup: SignUp, session: dict[str, Any]) -> None:
    """Asynchronous payments: the payment state follows the session and its subscription."""
    client = stripe_gateway.require_client()
    subscription_id = session.get("subscription")
    subscription = (
        stripe_gateway.as_dict(client.v1.subscriptions.retrieve(subscription_id)) if subscription_id else {}
    )
    if session.get("payment_status") == "paid":
        state = PaymentState.PAID
    elif subscription.get("status") in FAILED_SUBSCRIPTION_STATES:
        state = PaymentState.FAILED
    else:
        state = PaymentState.PROCESSING
    with transaction.atomic():
        locked = SignUp.objects.select_for_update().get(pk=signup.pk)
        if locked.payment_state != state:
            locked.payment_state = state
            locked.save(update_fields=["payment_state"])
        if locked.provider_id and subscription:
            from billing.models import Membership

            membership = Membership.objects.select_for_update().filter(provider_id=locked.provider_id).first()
            if membership is not None:
                membership_apply_subscription(membership, subscription)
    signup.payment_state = state


def signup_cancel(*, signup: SignUp) -> SignUp:
    """The person went back from the payment page: expire the session so it cannot be paid later."""
    client = stripe_gateway.stripe_client()
    if client is not None and signup.checkout_session_id and signup.state == SignUpState.PENDING:
        session = stripe_gateway.as_dict(client.v1.checkout.sessions.retrieve(signup.checkout_session_id))
        if session.get("status") == "open":
            client.v1.checkout.sessions.expire(signup.checkout_session_id)
        elif session.get("status") == "complete":
            return signup_refresh_from_stripe(signup)
    return signup_expire(signup_id=signup.pk)


def signup_provision(*, signup_id: int) -> SignUp:
    """Make the tenant, its admin and its membership for a paid sign-up. Safe to run twice.

    Refuses (state ``failed``) when the slug went to another provider meanwhile.
    """
    signup = SignUp.objects.get(pk=signup_id)
    if signup.state == SignUpState.PROVISIONED or signup.state != SignUpState.PAID:
        return signup
    other = Provider.objects.filter(slug=signup.slug).first()
    if other is not None and other.created_at < signup.created_at:
        SignUp.objects.filter(pk=signup.pk).update(state=SignUpState.FAILED, last_error="slug_taken")
        log.error("signup_slug_taken", signup_id=signup.pk, slug=signup.slug)
        return SignUp.objects.get(pk=signup.pk)
    provider = provider_provision(
        name=signup.organisation_name,
        slug=signup.slug,
        sector=signup.sector,
        kvk_number=signup.kvk_number,
        city=signup.city,
        disputes_body=signup.disputes_body,
        disputes_body_unmatched="" if signup.disputes_body_id else signup.disputes_body_text,
    )
    subscription: dict[str, Any] = {}
    client = stripe_gateway.stripe_client()
    if client is not None and signup.stripe_subscription_id:
        subscription = stripe_gateway.as_dict(client.v1.subscriptions.retrieve(signup.stripe_subscription_id))
    with transaction.atomic():
        signup = SignUp.objects.select_for_update().get(pk=signup_id)
        if signup.state != SignUpState.PAID:
            return signup
        user = User.objects.filter(email__iexact=signup.contact_email).first()
        if user is None:
            user = User.objects.create(
                email=signup.contact_email, display_name=signup.contact_name, password=signup.password_hash
            )
            EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
        membership_grant(user=user, provider=provider, role=ProviderRole.ADMIN)
        membership = membership_create(
            provider=provider,
            services=signup.services,
            customer_id=signup.stripe_customer_id,
            subscription_id=signup.stripe_subscription_id,
            status=STATUS_FROM_STRIPE.get(subscription.get("status", ""), MembershipStatus.ACTIVE)
            if subscription or not signup.synced
            else MembershipStatus.PENDING,
        )
        if subscription:
            membership_apply_subscription(membership, subscription)
        signup.provider = provider
        signup.user = user
        signup.state = SignUpState.PROVISIONED
        signup.provisioned_at = timezone.now()
        signup.password_hash = ""  # the user holds it now; no copy is kept  # nosec B105  # clears the stored hash, not a password
        signup.save()
    if subscription:
        from billing.invoicing_mirror import membership_invoices_sync

        membership_invoices_sync(membership)
    log.info("signup_provisioned", signup_id=signup.pk, provider_id=provider.pk)
    return signup


def signup_login_allowed(signup: SignUp, *, now: datetime.datetime | None = None) -> bool:
    """Whether the success page may hand its browser a login link for the new admin.

    Only shortly after provisioning, and only for a user made by this sign-up:
    an existing account (same e-mail) logs in with its own password and second factor.
    """
    now = now or timezone.now()
    return (
        signup.state == SignUpState.PROVISIONED
        and signup.user is not None
        and signup.provisioned_at is not None
        and now - signup.provisioned_at < LOGIN_WINDOW
        and signup.user.date_joined >= signup.created_at
    )


def signups_cleanup(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Abandoned sign-ups: expire the stale pending ones (and their checkout), delete old ones."""
    now = now or timezone.now()
    expired = 0
    for signup in SignUp.objects.filter(state=SignUpState.PENDING, created_at__lt=now - PENDING_TTL):
        try:
            signup = signup_cancel(signup=signup)
        except Exception as exc:  # Stripe unreachable: try again tomorrow
            log.warning("signup_cleanup_failed", signup_id=signup.pk, error=type(exc).__name__)
            continue
        expired += signup.state == SignUpState.EXPIRED
    deleted, _ = SignUp.objects.filter(
        state__in=[SignUpState.EXPIRED, SignUpState.FAILED], created_at__lt=now - RETENTION
    ).delete()
    return {"expired": expired, "deleted": deleted}
