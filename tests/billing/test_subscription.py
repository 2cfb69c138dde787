"""The provider's subscription page: services, cancellation, invoices and hours per case."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from billing.invoicing import invoicing_run
from billing.memberships import membership_create, membership_push
from billing.models import Membership, Price, PriceKind
from billing.vat import time_amount_cents
from casework.index.models import Consent, Service
from reference.dates import today_amsterdam
from tests.billing.conftest import log_time, make_case
from tests.fakestripe import FakeStripe
from tests.support import World, mfa_login

pytestmark = pytest.mark.django_db

PAGE = "/instellingen/abonnement/"


@pytest.fixture
def admin_client(world: World, alpha_client: Client) -> Client:
    alpha_client.force_login(world.alpha_admin)
    return alpha_client


@pytest.fixture
def committee_price() -> Price:
    return Price.objects.create(
        kind=PriceKind.MEMBERSHIP_COMMITTEE, amount_cents=24900, valid_from=datetime.date(2026, 1, 1)
    )


def test_only_provider_admins_see_the_subscription_page(world: World, alpha_client: Client) -> None:
    assert alpha_client.get(PAGE).status_code == 302  # to the login page
    alpha_client.force_login(world.beta_admin)  # an admin elsewhere
    assert alpha_client.get(PAGE).status_code == 403
    staff = mfa_login(world.alpha_staff_no_mfa, world.alpha_host)  # past the second factor: the role decides
    assert staff.get(PAGE).status_code == 403
    assert Client(HTTP_HOST="localhost").get(PAGE).status_code == 404  # not on the platform host


def test_add_and_remove_a_service_and_cancel_at_period_end(
    world: World,
    admin_client: Client,
    fake_stripe: FakeStripe,
    committee_price: Price,
    django_capture_on_commit_callbacks,
) -> None:
    membership = membership_push(
        membership_id=membership_create(provider=world.alpha, services=["officer"]).pk
    )
    page = admin_client.get(PAGE).content.decode()
    assert "Actief" in page and "Voeg Lidmaatschap klachtencommissie" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{PAGE}dienst/toevoegen/", {"service": "committee"})
    assert response.status_code == 302
    subscription = fake_stripe.get("subscription", membership.stripe_subscription_id)
    assert sorted(i["price"]["unit_amount"] for i in subscription["items"]["data"]) == [17900, 24900]

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"{PAGE}dienst/stoppen/", {"service": "officer"})
    subscription = fake_stripe.get("subscription", membership.stripe_subscription_id)
    assert [i["price"]["unit_amount"] for i in subscription["items"]["data"]] == [24900]
    # The last service cannot be stopped: cancel instead.
    response = admin_client.post(f"{PAGE}dienst/stoppen/", {"service": "committee"}, follow=True)
    assert "laatste dienst" in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"{PAGE}opzeggen/", {"cancel": "1"})
    assert fake_stripe.get("subscription", membership.stripe_subscription_id)["cancel_at_period_end"] is True
    membership.refresh_from_db()
    assert membership.cancel_at_period_end and membership.synced
    page = admin_client.get(PAGE).content.decode()
    assert "Het lidmaatschap stopt op" in page and "Opzegging intrekken" in page


def test_a_service_without_a_price_cannot_be_added(
    world: World, admin_client: Client, fake_stripe: FakeStripe
) -> None:
    membership_create(provider=world.alpha, services=["officer"])
    # The committee has no yearly price yet (the dpo service got one with its register).
    response = admin_client.post(f"{PAGE}dienst/toevoegen/", {"service": "committee"}, follow=True)
    assert "nog niet aangeboden" in response.content.decode()
    assert not Membership.objects.get(provider=world.alpha).services.filter(service="committee").exists()


def test_without_keys_changes_are_kept_and_marked_not_synced(
    world: World,
    admin_client: Client,
    no_stripe: None,
    committee_price: Price,
    django_capture_on_commit_callbacks,
) -> None:
    membership_create(provider=world.alpha, services=["officer"], status="active")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"{PAGE}dienst/toevoegen/", {"service": "committee"})
    membership = Membership.objects.get(provider=world.alpha)
    assert not membership.synced
    assert sorted(membership.services.filter(active=True).values_list("service", flat=True)) == [
        "committee",
        "officer",
    ]
    # Without a payment provider nothing will be processed "automatically": the page says so.
    page = admin_client.get(PAGE).content.decode()
    assert "Niet in rekening gebracht:" in page and "Nog niet verwerkt" not in page


def test_hours_per_case_billed_and_unbilled_without_hidden_cases(
    world: World, admin_client: Client, fake_stripe: FakeStripe, django_assert_max_num_queries
) -> None:
    shared = make_case(world.alpha)
    hidden = make_case(world.alpha, consent=Consent.PENDING)
    confidant = make_case(world.alpha, service=Service.CONFIDANT)
    log_time(shared, world.coordinator, minutes=60, worked_on=datetime.date(2026, 3, 3))
    log_time(hidden, world.coordinator, minutes=30, worked_on=datetime.date(2026, 3, 3))
    invoicing_run(month=datetime.date(2026, 3, 1))
    log_time(shared, world.coordinator, minutes=15, worked_on=datetime.date(2026, 4, 3))
    log_time(confidant, world.coordinator, minutes=45, worked_on=datetime.date(2026, 4, 3))

    with django_assert_max_num_queries(20):
        page = admin_client.get(PAGE).content.decode()

    assert shared.reference in page and "1:00" in page and "0:15" in page
    assert hidden.reference not in page and confidant.reference not in page
    assert "Overige uren" in page and "0:30" in page and "0:45" in page
    # The hours invoice links to Stripe's hosted page.
    assert fake_stripe.all("invoice")[0]["hosted_invoice_url"] in page


def test_without_a_payment_provider_the_membership_says_not_charged_not_paid(
    world: World, admin_client: Client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.STRIPE_SECRET_KEY = ""
    membership_create(provider=world.alpha, services=["officer"], status="active")
    page = admin_client.get(PAGE).content.decode()
    assert "Actief (niet in rekening gebracht)" in page
    assert "Niet in rekening gebracht:" in page and "er is geen betaaldienst ingesteld" in page
    assert "dit gebeurt automatisch" not in page


def test_a_provider_receiving_service_without_a_membership_row_is_told_it_is_served(
    world: World, admin_client: Client
) -> None:
    assert not Membership.objects.filter(provider=world.alpha).exists()
    page = admin_client.get(PAGE).content.decode()
    assert "Er is nog geen lidmaatschap vastgelegd" not in page
    assert "Uw organisatie is aangesloten bij Klachtpunt en klachten worden gewoon behandeld." in page
    assert "Bel ons op 030 123 45 67" in page


def test_hours_still_to_invoice_are_split_by_phone_and_on_site_with_their_amount_in_euros(
    world: World, admin_client: Client, fake_stripe: FakeStripe
) -> None:
    case = make_case(world.alpha)
    log_time(case, world.coordinator, minutes=60, worked_on=datetime.date(2026, 4, 3), kind="phone")
    log_time(case, world.coordinator, minutes=45, worked_on=datetime.date(2026, 4, 4), kind="onsite")
    rates = Price.current(today_amsterdam())
    expected = time_amount_cents(60, rates[PriceKind.HOURLY_PHONE].amount_cents) + time_amount_cents(
        45, rates[PriceKind.HOURLY_ONSITE].amount_cents
    )
    page = admin_client.get(PAGE).content.decode()
    row = page[page.index(case.reference) :].split("</tr>")[0]
    assert 'data-label="Nog te factureren: telefonisch">1:00<' in row
    assert 'data-label="Nog te factureren: op locatie">0:45<' in row
    euros = f"{expected // 100},{expected % 100:02d}"
    assert euros in row, (euros, row)
    assert "niet in rekening gebracht" not in row  # a payment provider is set up here
