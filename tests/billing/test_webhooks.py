"""The Stripe webhook: signatures on the raw body, each event once, any order."""

from __future__ import annotations

import json
import time

import pytest
import structlog.testing
from django.test import Client

from billing import webhooks
from billing.memberships import membership_create, membership_push
from billing.models import Invoice, InvoiceKind, Membership, MembershipStatus, StripeEvent
from billing.reconcile import billing_reconcile
from outbox.models import OutboxMessage
from tests.billing.conftest import OLD_WEBHOOK_SECRET, WEBHOOK_SECRET, post_event
from tests.fakestripe import FakeStripe, sign_payload
from tests.support import World

pytestmark = pytest.mark.django_db


def stripe_membership(world: World) -> Membership:
    """Alpha with a membership in (fake) Stripe: customer, subscription, one item."""
    membership = membership_create(provider=world.alpha, services=["officer"])
    return membership_push(membership_id=membership.pk)


def some_event(fake: FakeStripe, world: World) -> dict:
    membership = stripe_membership(world)
    return fake.event(
        "customer.subscription.updated", fake.get("subscription", membership.stripe_subscription_id)
    )


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(lambda body: sign_payload(body, "whsec_someone_else"), id="wrong-secret"),
        pytest.param(lambda body: sign_payload(body + " ", WEBHOOK_SECRET), id="tampered-body"),
        pytest.param(lambda body: sign_payload(body, WEBHOOK_SECRET, int(time.time()) - 3600), id="stale"),
        pytest.param(lambda body: "t=123,v1=deadbeef", id="garbage"),
        pytest.param(lambda body: "", id="missing"),
    ],
)
def test_webhook_signature_is_checked_on_the_raw_body(
    platform_client: Client, fake_stripe: FakeStripe, world: World, signature
) -> None:
    event = some_event(fake_stripe, world)
    body = json.dumps(event)
    response = platform_client.post(
        "/stripe/webhook/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature(body)
    )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_webhook_accepts_the_previous_secret_during_rotation(
    platform_client: Client, fake_stripe: FakeStripe, world: World
) -> None:
    event = some_event(fake_stripe, world)
    assert post_event(platform_client, event, secret=OLD_WEBHOOK_SECRET).status_code == 200
    assert StripeEvent.objects.filter(event_id=event["id"]).exists()


def test_webhook_is_refused_without_configured_secrets(
    platform_client: Client, fake_stripe: FakeStripe, world: World, settings
) -> None:
    event = some_event(fake_stripe, world)
    settings.STRIPE_WEBHOOK_SECRETS = []
    assert post_event(platform_client, event).status_code == 400


def test_webhook_is_only_on_the_platform_host(fake_stripe: FakeStripe, world: World) -> None:
    event = some_event(fake_stripe, world)
    assert post_event(Client(HTTP_HOST=world.alpha_host), event).status_code == 404


def test_duplicate_event_is_a_no_op(
    platform_client: Client,
    fake_stripe: FakeStripe,
    world: World,
    monkeypatch,
    django_capture_on_commit_callbacks,
) -> None:
    event = some_event(fake_stripe, world)
    handled = []
    real = webhooks.stripe_event_process
    monkeypatch.setattr(webhooks, "stripe_event_process", lambda **kw: handled.append(kw) or real(**kw))

    with django_capture_on_commit_callbacks(execute=True):
        first = post_event(platform_client, event)
        second = post_event(platform_client, event)

    assert first.json() == {"received": True, "duplicate": False}
    assert second.status_code == 200 and second.json()["duplicate"] is True
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    assert len(handled) == 1
    assert OutboxMessage.objects.filter(task_name="billing.tasks.stripe_event_process_task").count() == 1


def test_webhook_answers_before_the_work_is_done(
    platform_client: Client, fake_stripe: FakeStripe, world: World
) -> None:
    """Inside the request only the event row and an outbox row are written."""
    event = some_event(fake_stripe, world)
    before = fake_stripe.request_count
    assert post_event(platform_client, event).status_code == 200
    assert fake_stripe.request_count == before  # no call to Stripe in the request
    message = OutboxMessage.objects.get(task_name="billing.tasks.stripe_event_process_task")
    assert message.schema_name == "public" and message.sent_at is None


def test_out_of_order_events_end_in_stripes_current_state(
    platform_client: Client, fake_stripe: FakeStripe, world: World, django_capture_on_commit_callbacks
) -> None:
    membership = stripe_membership(world)
    subscription_id = membership.stripe_subscription_id
    went_past_due = fake_stripe.set_subscription_status(subscription_id, "past_due")
    came_back = fake_stripe.set_subscription_status(subscription_id, "active")

    # The newer event arrives first, the older one last: the object is re-fetched each time.
    with django_capture_on_commit_callbacks(execute=True):
        post_event(platform_client, came_back)
        post_event(platform_client, went_past_due)

    membership.refresh_from_db()
    assert went_past_due["data"]["object"]["status"] == "past_due"
    assert membership.status == MembershipStatus.ACTIVE


def test_subscription_events_drive_membership_status(
    platform_client: Client, fake_stripe: FakeStripe, world: World, django_capture_on_commit_callbacks
) -> None:
    from billing.memberships import provider_membership_lapsed

    membership = stripe_membership(world)
    for stripe_status, ours in [("past_due", "past_due"), ("active", "active"), ("canceled", "cancelled")]:
        event = fake_stripe.set_subscription_status(membership.stripe_subscription_id, stripe_status)
        with django_capture_on_commit_callbacks(execute=True):
            post_event(platform_client, event)
        membership.refresh_from_db()
        assert membership.status == ours
        assert provider_membership_lapsed(world.alpha) is (ours != "active")
        # Casework reads the same standing from the provider, which billing writes.
        world.alpha.refresh_from_db(fields=["membership_lapsed"])
        assert world.alpha.membership_lapsed is (ours != "active")


def test_invoice_events_record_membership_invoices_with_their_hosted_page(
    platform_client: Client, fake_stripe: FakeStripe, world: World, django_capture_on_commit_callbacks
) -> None:
    membership = stripe_membership(world)
    [stripe_invoice] = [
        i for i in fake_stripe.all("invoice") if i["customer"] == membership.stripe_customer_id
    ]
    event = fake_stripe.event("invoice.finalized", stripe_invoice)
    with django_capture_on_commit_callbacks(execute=True):
        post_event(platform_client, event)
    invoice = Invoice.objects.get(stripe_invoice_id=stripe_invoice["id"])
    assert invoice.kind == InvoiceKind.MEMBERSHIP and invoice.provider == world.alpha
    assert invoice.hosted_invoice_url == stripe_invoice["hosted_invoice_url"]
    assert invoice.total_cents == 17900 + 3759


def test_daily_reconciliation_repairs_a_missed_webhook(fake_stripe: FakeStripe, world: World) -> None:
    membership = stripe_membership(world)
    assert membership.status == MembershipStatus.ACTIVE
    fake_stripe.set_subscription_status(membership.stripe_subscription_id, "past_due")  # never delivered

    result = billing_reconcile()

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PAST_DUE
    assert result.checked == 1 and result.changed


def test_reconciliation_pushes_memberships_made_without_keys(world: World, settings) -> None:
    settings.STRIPE_SECRET_KEY = ""
    membership = membership_create(provider=world.beta, services=["officer"], status=MembershipStatus.ACTIVE)
    assert not membership.synced
    fake = FakeStripe().start()
    try:
        settings.STRIPE_SECRET_KEY = "sk_test_fake"
        settings.STRIPE_API_BASE = fake.url
        billing_reconcile()
        membership.refresh_from_db()
        assert membership.synced and membership.stripe_subscription_id and membership.stripe_customer_id
        assert membership.services.get().stripe_item_id
        assert (
            fake.get("subscription", membership.stripe_subscription_id)["collection_method"] == "send_invoice"
        )
    finally:
        fake.stop()


@pytest.mark.parametrize(
    ("secrets", "body", "signature", "reason"),
    [
        pytest.param([WEBHOOK_SECRET], "{}", "", "no secret or no signature", id="no-signature"),
        pytest.param([], "{}", None, "no secret or no signature", id="no-secret"),
        pytest.param([WEBHOOK_SECRET], "{}", "whsec_someone_else", "bad signature", id="bad-signature"),
        pytest.param([WEBHOOK_SECRET], "not json", None, "not JSON", id="not-json"),
        pytest.param([WEBHOOK_SECRET], "[]", None, "not an event", id="a-list"),
        pytest.param([WEBHOOK_SECRET], '{"type": "invoice.paid"}', None, "not an event", id="no-id"),
        pytest.param([WEBHOOK_SECRET], '{"id": "evt_1"}', None, "not an event", id="no-type"),
    ],
)
def test_a_refused_delivery_is_answered_400_and_logged_with_its_reason(
    platform_client: Client, world: World, settings, secrets: list, body: str, signature, reason: str
) -> None:
    """Operators tell a missing secret from a forged or malformed delivery by the logged reason."""
    settings.STRIPE_WEBHOOK_SECRETS = secrets
    if signature is None:
        signature = sign_payload(body, WEBHOOK_SECRET)
    elif signature.startswith("whsec_"):
        signature = sign_payload(body, signature)
    with structlog.testing.capture_logs() as logs:
        response = platform_client.post(
            "/stripe/webhook/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert [entry["reason"] for entry in logs if entry["event"] == "stripe_webhook_rejected"] == [reason]


def test_received_and_duplicate_events_are_logged_with_their_event_id(
    platform_client: Client, fake_stripe: FakeStripe, world: World
) -> None:
    event = some_event(fake_stripe, world)
    with structlog.testing.capture_logs() as logs:
        post_event(platform_client, event)
        post_event(platform_client, event)
    by_name = {entry["event"]: entry for entry in logs if entry["event"].startswith("stripe_event_")}
    assert by_name["stripe_event_received"]["event_id"] == event["id"]
    assert by_name["stripe_event_received"]["type"] == "customer.subscription.updated"
    assert by_name["stripe_event_duplicate"]["event_id"] == event["id"]


def test_an_event_type_longer_than_its_column_is_stored_cut_off(
    platform_client: Client, fake_stripe: FakeStripe, world: World
) -> None:
    event = some_event(fake_stripe, world) | {"type": "customer.subscription." + "x" * 200}
    assert post_event(platform_client, event).status_code == 200
    stored = StripeEvent.objects.get(event_id=event["id"])
    assert stored.type == event["type"][:100]


@pytest.mark.parametrize("shape", ["parent", "top-level"])
def test_an_invoice_event_brings_the_membership_to_stripes_current_state(
    platform_client: Client,
    fake_stripe: FakeStripe,
    world: World,
    django_capture_on_commit_callbacks,
    shape: str,
) -> None:
    """The subscription of an invoice is under ``parent`` (current API) or on the invoice (older
    API versions); either way the invoice event re-reads it, e.g. after a missed subscription event."""
    membership = stripe_membership(world)
    [stripe_invoice] = [
        i for i in fake_stripe.all("invoice") if i["customer"] == membership.stripe_customer_id
    ]
    if shape == "top-level":
        with fake_stripe.lock:
            stored = fake_stripe.objects["invoice"][stripe_invoice["id"]]
            stored.pop("parent")
            stored["subscription"] = membership.stripe_subscription_id
    fake_stripe.set_subscription_status(membership.stripe_subscription_id, "past_due")  # never delivered
    event = fake_stripe.event("invoice.payment_failed", fake_stripe.get("invoice", stripe_invoice["id"]))
    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(platform_client, event).status_code == 200
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PAST_DUE
    assert StripeEvent.objects.get(event_id=event["id"]).processed_at is not None


def test_an_event_without_an_object_is_stored_with_an_empty_object_id(
    platform_client: Client, fake_stripe: FakeStripe, world: World
) -> None:
    event = {"id": "evt_no_object", "type": "customer.subscription.updated", "data": {}}
    assert post_event(platform_client, event).status_code == 200
    assert StripeEvent.objects.get(event_id="evt_no_object").object_id == ""


def test_an_object_id_longer_than_its_column_is_stored_cut_off(
    platform_client: Client, fake_stripe: FakeStripe, world: World
) -> None:
    event = {
        "id": "evt_long_object",
        "type": "invoice.finalized",
        "data": {"object": {"id": "in_" + "9" * 300}},
    }
    assert post_event(platform_client, event).status_code == 200
    assert StripeEvent.objects.get(event_id="evt_long_object").object_id == ("in_" + "9" * 300)[:255]


def test_an_invoice_without_a_subscription_is_recorded_without_asking_for_one(
    platform_client: Client, fake_stripe: FakeStripe, world: World, django_capture_on_commit_callbacks
) -> None:
    membership = stripe_membership(world)
    [stripe_invoice] = [
        i for i in fake_stripe.all("invoice") if i["customer"] == membership.stripe_customer_id
    ]
    with fake_stripe.lock:
        fake_stripe.objects["invoice"][stripe_invoice["id"]].pop("parent")  # e.g. a one-off invoice
    event = fake_stripe.event("invoice.finalized", fake_stripe.get("invoice", stripe_invoice["id"]))
    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(platform_client, event).status_code == 200
    assert Invoice.objects.filter(stripe_invoice_id=stripe_invoice["id"]).exists()
    assert StripeEvent.objects.get(event_id=event["id"]).processed_at is not None
