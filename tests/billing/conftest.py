"""Billing fixtures: a fresh fake Stripe server per test, and time on cases."""

from __future__ import annotations

import datetime
import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from billing.models import StripeMirror
from casework.index.models import CaseIndex, Channel, Consent, Service
from casework.timesheets.models import TimeEntry
from tenants.models import Provider
from tests.fakestripe import FakeStripe, sign_payload

WEBHOOK_SECRET = "whsec_test_current"
OLD_WEBHOOK_SECRET = "whsec_test_previous"

_case_numbers = itertools.count(1)


@pytest.fixture
def fake_stripe(settings: Any, django_db_blocker: Any) -> Iterator[FakeStripe]:
    """A new fake Stripe on a loopback port, and the settings that point the client at it.

    A new fake is a new Stripe account: the ids mirrored from an earlier one (a test
    that committed them) name objects it does not have, so they are forgotten (in the
    test's own transaction where it has one).
    """
    with django_db_blocker.unblock():
        StripeMirror.objects.all().delete()
    fake = FakeStripe().start()
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_API_BASE = fake.url
    settings.STRIPE_WEBHOOK_SECRETS = [WEBHOOK_SECRET, OLD_WEBHOOK_SECRET]
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    settings.STRIPE_CHECKOUT_ORIGINS = [fake.url]
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def no_stripe(settings: Any) -> None:
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_WEBHOOK_SECRETS = []


def make_case(
    provider: Provider,
    *,
    consent: str = Consent.GIVEN,
    service: str = Service.OFFICER,
) -> CaseIndex:
    number = next(_case_numbers)
    # Session-unique: pytest-xdist workers have their own databases.
    return CaseIndex.objects.create(
        provider=provider,
        case_id=900_000 + number,
        reference=f"KP-2026-9{number:05d}",
        service=service,
        channel=Channel.PHONE,
        consent=consent,
        received_at=datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC),
    )


def log_time(
    case: CaseIndex,
    professional: User,
    *,
    minutes: int,
    worked_on: datetime.date,
    kind: str = "phone",
    service: str | None = None,
) -> TimeEntry:
    return TimeEntry.objects.create(
        case=case,
        reference=case.reference,
        provider=case.provider,
        professional=professional,
        service=service or case.service,
        kind=kind,
        activity="mediation",
        minutes=minutes,
        worked_on=worked_on,
    )


def log_many(case: CaseIndex, professional: User, count: int, *, month: datetime.date) -> list[TimeEntry]:
    """``count`` phone entries on ``case`` in ``month``, of 1 to 50 minutes, spread over its first 28 days."""
    return TimeEntry.objects.bulk_create(
        [
            TimeEntry(
                case=case,
                reference=case.reference,
                provider=case.provider,
                professional=professional,
                service=case.service,
                kind="phone",
                activity="mediation",
                minutes=1 + i % 50,
                worked_on=month.replace(day=1 + i % 28),
            )
            for i in range(count)
        ]
    )


def post_event(client: Client, event: dict[str, Any], *, secret: str = WEBHOOK_SECRET, **kwargs: Any) -> Any:
    """Deliver ``event`` to the webhook endpoint as Stripe would: raw JSON body, signed."""
    body = json.dumps(event)
    signature = kwargs.pop("signature", None) or sign_payload(body, secret, kwargs.pop("timestamp", None))
    return client.post(
        "/stripe/webhook/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
