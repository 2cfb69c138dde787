"""Sign-up through Stripe Checkout to a provisioned tenant, from either the webhook or the redirect."""

from __future__ import annotations

import datetime
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from billing.memberships import provider_membership_lapsed
from billing.models import LoginLink, Membership, MembershipStatus, PaymentState, SignUp, SignUpState
from billing.signup import signups_cleanup
from reference.models import DisputesBody
from tenants.models import Provider, ProviderMembership, ProviderRole
from tests.billing.conftest import post_event
from tests.fakestripe import FakeStripe

pytestmark = pytest.mark.django_db


DISPUTES_BODY = "De Geschillencommissie Zorg Algemeen"


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "organisation_name": "Zorggroep Gamma",
        "kvk_number": "1234 5678",
        "agb_code": "",
        "sector": "elderly",
        "street": "Zorgstraat 1",
        "postcode": "3511ab",
        "city": "Utrecht",
        "contact_name": "Greet Gamma",
        "contact_email": "greet@gamma.test",
        "contact_phone": "030 123 4567",
        "password": "Een-lang-wachtwoord-2026",
        "slug": "gamma",
        "services": ["officer"],
        "disputes_body": str(DisputesBody.objects.get(name=DISPUTES_BODY).pk),
        "accept_dpa": "on",
    }
    data.update(overrides)
    return data


def start_signup(client: Client, **overrides: Any) -> tuple[SignUp, str]:
    response = client.post("/aanmelden/", form_data(**overrides))
    assert response.status_code == 302, response.content.decode()[:3000]
    signup = SignUp.objects.get(slug=overrides.get("slug", "gamma"), state=SignUpState.PENDING)
    return signup, response.url


def last_event(fake: FakeStripe, kind: str) -> dict[str, Any]:
    return [event for event in fake.events if event["type"] == kind][-1]


def success_path(signup: SignUp) -> str:
    return f"/aanmelden/klaar/{signup.token}/?session_id={signup.checkout_session_id}"


def assert_provisioned(signup: SignUp) -> Provider:
    signup.refresh_from_db()
    assert signup.state == SignUpState.PROVISIONED
    provider = Provider.objects.get(slug="gamma")
    assert signup.provider == provider and provider.kvk_number == "12345678"
    user = User.objects.get(email="greet@gamma.test")
    assert ProviderMembership.objects.get(user=user, provider=provider).roles == [ProviderRole.ADMIN]
    assert user.check_password("Een-lang-wachtwoord-2026") and signup.password_hash == ""
    membership = Membership.objects.get(provider=provider)
    assert membership.synced and membership.stripe_subscription_id == signup.stripe_subscription_id
    assert [s.service for s in membership.services.all()] == ["officer"]
    assert membership.services.get().stripe_item_id
    return provider


def follow_to_provider(client: Client, signup: SignUp) -> Client:
    """The success page's "continue": a one-time link onto the provider's host, consumed there."""
    response = client.get(f"/aanmelden/klaar/{signup.token}/verder/")
    assert response.status_code == 302
    link = urlsplit(response.url)
    assert link.hostname == "gamma.localhost" and link.path.startswith("/inloggen/eenmalig/")
    provider_client = Client(HTTP_HOST="gamma.localhost")
    landed = provider_client.get(link.path)
    assert landed.status_code == 302 and landed.url == "/instellingen/abonnement/"
    assert provider_client.session["_auth_user_id"] == str(signup.user_id)
    # A new provider admin confirms the address (a second factor needs a confirmed one), then sets one up.
    assert provider_client.get(landed.url).url == "/accounts/confirm-email/"
    # The link works once.
    assert Client(HTTP_HOST="gamma.localhost").get(link.path).status_code == 410
    return provider_client


def test_signup_form_offers_priced_services_and_allows_checkout_as_form_action(
    platform_client: Client, fake_stripe: FakeStripe
) -> None:
    response = platform_client.get("/aanmelden/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="officer"' in page and 'value="committee"' not in page  # no price yet: not offered
    assert f"form-action 'self' {fake_stripe.url}" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kvk_number", "1234567", "8 cijfers"),
        ("agb_code", "12AB", "8 cijfers"),
        ("slug", "admin", "gereserveerd"),
        ("slug", "alpha", "al in gebruik"),
        ("slug", "Gamma_Zorg", "kleine letters"),
        ("postcode", "35111", "postcode"),
        ("accept_dpa", "", "verwerkersovereenkomst"),
    ],
)
def test_signup_form_refuses_bad_input(
    platform_client: Client, fake_stripe: FakeStripe, world, field: str, value: str, message: str
) -> None:
    response = platform_client.post("/aanmelden/", form_data(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SignUp.objects.exists() and not fake_stripe.all("checkout.session")


def test_signup_webhook_first_then_redirect(
    platform_client: Client, fake_stripe: FakeStripe, django_capture_on_commit_callbacks
) -> None:
    signup, checkout_url = start_signup(platform_client)
    assert checkout_url.startswith(fake_stripe.url + "/checkout/")
    session = fake_stripe.get("checkout.session", signup.checkout_session_id)
    assert session["payment_method_types"] == ["ideal", "sepa_debit"] and session["mode"] == "subscription"
    assert signup.dpa_version and signup.dpa_accepted_at and signup.disputes_body.name == DISPUTES_BODY
    assert not Provider.objects.filter(slug="gamma").exists()

    fake_stripe.complete_checkout(signup.checkout_session_id, "ideal")
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            post_event(platform_client, last_event(fake_stripe, "checkout.session.completed")).status_code
            == 200
        )
    provider = assert_provisioned(signup)
    assert Membership.objects.get(provider=provider).status == MembershipStatus.ACTIVE
    # The first yearly invoice (paid at checkout) is on record with its hosted page.
    first = provider.invoices.get(kind="membership")
    assert first.status == "paid" and first.hosted_invoice_url and first.total_cents == 17900 + 3759

    with django_capture_on_commit_callbacks(execute=True):
        done = platform_client.get(success_path(signup))
    assert done.status_code == 200 and "Uw omgeving is klaar" in done.content.decode()
    follow_to_provider(platform_client, signup)
    assert Provider.objects.filter(slug="gamma").count() == 1


def test_signup_redirect_first_then_webhook(
    platform_client: Client, fake_stripe: FakeStripe, django_capture_on_commit_callbacks
) -> None:
    signup, _ = start_signup(platform_client)
    fake_stripe.complete_checkout(signup.checkout_session_id, "ideal")

    with django_capture_on_commit_callbacks(execute=True):
        done = platform_client.get(success_path(signup))
    assert done.status_code == 200
    assert_provisioned(signup)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            post_event(platform_client, last_event(fake_stripe, "checkout.session.completed")).status_code
            == 200
        )
    assert Provider.objects.filter(slug="gamma").count() == 1
    assert User.objects.filter(email="greet@gamma.test").count() == 1
    follow_to_provider(platform_client, signup)


def test_preparing_page_polls_until_the_workspace_is_ready(
    platform_client: Client, fake_stripe: FakeStripe, django_capture_on_commit_callbacks
) -> None:
    signup, _ = start_signup(platform_client)
    fake_stripe.complete_checkout(signup.checkout_session_id, "ideal")
    # The worker has not run yet: the success page says so and polls.
    done = platform_client.get(success_path(signup))
    page = done.content.decode()
    assert "We zetten uw omgeving klaar" in page and "js/signup-status.js" in page
    assert platform_client.get(f"/aanmelden/klaar/{signup.token}/status/").json()["ready"] is False
    # Continuing too early goes back to the preparing page.
    assert platform_client.get(f"/aanmelden/klaar/{signup.token}/verder/").url.startswith("/aanmelden/klaar/")
    from billing.signup import signup_provision

    signup_provision(signup_id=signup.pk)
    assert platform_client.get(f"/aanmelden/klaar/{signup.token}/status/").json()["ready"] is True


def test_no_login_link_for_another_browser_or_an_existing_account(
    platform_client: Client, fake_stripe: FakeStripe, world, django_capture_on_commit_callbacks
) -> None:
    signup, _ = start_signup(platform_client, contact_email=world.complainant.email)
    fake_stripe.complete_checkout(signup.checkout_session_id, "ideal")
    with django_capture_on_commit_callbacks(execute=True):
        platform_client.get(success_path(signup))
    signup.refresh_from_db()
    assert signup.user == world.complainant  # the existing account becomes the admin
    # Its own password and second factor, not a link handed to whoever signed up with its address.
    response = platform_client.get(f"/aanmelden/klaar/{signup.token}/verder/")
    assert response.url == "http://gamma.localhost:8000/accounts/login/"
    other_browser = Client(HTTP_HOST="localhost")
    assert other_browser.get(f"/aanmelden/klaar/{signup.token}/verder/").url.endswith("/accounts/login/")
    assert not LoginLink.objects.exists()


def test_abandoned_checkout_leaves_nothing_behind(
    platform_client: Client, fake_stripe: FakeStripe, django_capture_on_commit_callbacks
) -> None:
    signup, _ = start_signup(platform_client)
    fake_stripe.expire_checkout(signup.checkout_session_id)

    with django_capture_on_commit_callbacks(execute=True):
        assert (
            post_event(platform_client, last_event(fake_stripe, "checkout.session.expired")).status_code
            == 200
        )

    signup.refresh_from_db()
    assert signup.state == SignUpState.EXPIRED
    assert not Provider.objects.filter(slug="gamma").exists()
    assert not User.objects.filter(email="greet@gamma.test").exists()
    # The slug is free again.
    again, _ = start_signup(platform_client)
    assert again.pk != signup.pk


def test_going_back_from_the_payment_page_expires_the_checkout(
    platform_client: Client, fake_stripe: FakeStripe
) -> None:
    signup, _ = start_signup(platform_client)
    response = platform_client.get(f"/aanmelden/geannuleerd/{signup.token}/")
    assert response.status_code == 200 and "afgebroken" in response.content.decode()
    assert fake_stripe.get("checkout.session", signup.checkout_session_id)["status"] == "expired"
    signup.refresh_from_db()
    assert signup.state == SignUpState.EXPIRED and not Provider.objects.filter(slug="gamma").exists()


def test_stale_pending_signups_are_expired_then_deleted(
    platform_client: Client, fake_stripe: FakeStripe
) -> None:
    signup, _ = start_signup(platform_client)
    later = timezone.now() + datetime.timedelta(hours=26)

    assert signups_cleanup(now=later) == {"expired": 1, "deleted": 0}
    assert fake_stripe.get("checkout.session", signup.checkout_session_id)["status"] == "expired"
    assert signups_cleanup(now=later + datetime.timedelta(days=31))["deleted"] == 1
    assert not SignUp.objects.filter(pk=signup.pk).exists()
    assert not Provider.objects.filter(slug="gamma").exists()


def test_sepa_payment_settles_later_succeeded(
    platform_client: Client, fake_stripe: FakeStripe, django_capture_on_commit_callbacks
) -> None:
    signup, _ = start_signup(platform_client)
    fake_stripe.complete_checkout(signup.checkout_session_id, "sepa_debit")
    with django_capture_on_commit_callbacks(execute=True):
        post_event(platform_client, last_event(fake_stripe, "checkout.session.completed"))
    provider = assert_provisioned(signup)
    assert signup.payment_state == PaymentState.PROCESSING
    assert Membership.objects.get(provider=provider).status == MembershipStatus.PENDING
    assert not provider_membership_lapsed(provider)

    fake_stripe.settle_payment(signup.checkout_session_id, succeeded=True)
    with django_capture_on_commit_callbacks(execute=True):
        post_event(platform_client, last_event(fake_stripe, "checkout.session.async_payment_succeeded"))

    signup.refresh_from_db()
    assert signup.payment_state == PaymentState.PAID
    assert Membership.objects.get(provider=provider).status == MembershipStatus.ACTIVE


def test_sepa_payment_settles_later_failed(
    platform_client: Client, fake_stripe: FakeStripe, django_capture_on_commit_callbacks
) -> None:
    signup, _ = start_signup(platform_client)
    fake_stripe.complete_checkout(signup.checkout_session_id, "sepa_debit")
    with django_capture_on_commit_callbacks(execute=True):
        post_event(platform_client, last_event(fake_stripe, "checkout.session.completed"))
    fake_stripe.settle_payment(signup.checkout_session_id, succeeded=False)
    with django_capture_on_commit_callbacks(execute=True):
        post_event(platform_client, last_event(fake_stripe, "checkout.session.async_payment_failed"))

    signup.refresh_from_db()
    assert signup.payment_state == PaymentState.FAILED
    provider = Provider.objects.get(slug="gamma")
    assert Membership.objects.get(provider=provider).status == MembershipStatus.CANCELLED
    # Lapsed: complaints are still accepted, and flagged to the coordinator.
    assert provider_membership_lapsed(provider)


def test_without_stripe_keys_signup_completes_locally(
    platform_client: Client, no_stripe: None, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = platform_client.post("/aanmelden/", form_data())
    signup = SignUp.objects.get(slug="gamma")
    assert response.url == f"/aanmelden/klaar/{signup.token}/"
    assert signup.state == SignUpState.PROVISIONED and not signup.synced
    membership = Membership.objects.get(provider__slug="gamma")
    assert membership.status == MembershipStatus.ACTIVE and not membership.synced
    assert not membership.stripe_customer_id and membership.renews_on
    follow_to_provider(platform_client, signup)


def test_login_link_is_bound_to_its_host_and_expires(world, fake_stripe: FakeStripe) -> None:
    from billing.login_links import login_link_create

    url = login_link_create(user=world.alpha_admin, provider=world.alpha)
    path = urlsplit(url).path
    assert re.fullmatch(r"/inloggen/eenmalig/[\w-]+/", path)
    assert Client(HTTP_HOST=world.beta_host).get(path).status_code == 410  # another provider's host
    LoginLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert Client(HTTP_HOST=world.alpha_host).get(path).status_code == 410


def test_an_empty_signup_post_names_the_missing_fields(
    platform_client: Client, fake_stripe: FakeStripe, world
) -> None:  # type: ignore[no-untyped-def]
    # Found by the bad-input property test: an empty POST showed the blank form without errors.
    page = platform_client.post("/aanmelden/", {}).content.decode()
    for field in ("organisation_name", "kvk_number", "contact_email", "accept_dpa"):
        assert f'href="#id_{field}"' in page, field
    assert not SignUp.objects.exists() and not fake_stripe.all("checkout.session")


# Saying what happens: no payment provider, the processor agreement, services on request

NOT_CHARGED = "Niet in rekening gebracht:"


def test_without_a_payment_provider_signup_says_nothing_is_charged_instead_of_paying(
    platform_client: Client, no_stripe: None, django_capture_on_commit_callbacks
) -> None:
    page = platform_client.get("/aanmelden/").content.decode()
    assert NOT_CHARGED in page and "er is geen betaaldienst ingesteld" in page
    assert "Verder naar betalen" not in page and "Aanmelden zonder betalen" in page
    assert "U betaalt met iDEAL" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = platform_client.post("/aanmelden/", form_data())
    done = platform_client.get(response.url).content.decode()
    assert NOT_CHARGED in done
    landing = platform_client.get("/").content.decode()
    assert NOT_CHARGED in landing


def test_with_a_payment_provider_signup_goes_on_to_paying(
    platform_client: Client, fake_stripe: FakeStripe
) -> None:
    page = platform_client.get("/aanmelden/").content.decode()
    assert "Verder naar betalen" in page and NOT_CHARGED not in page
    assert NOT_CHARGED not in platform_client.get("/").content.decode()


def test_signup_shows_the_processor_agreement_it_asks_to_accept_and_how_to_ask_for_other_services(
    platform_client: Client, fake_stripe: FakeStripe
) -> None:
    page = platform_client.get("/aanmelden/").content.decode()
    assert "Verwerkersovereenkomst, versie 2026-01" in page
    for article in ("Datalekken", "Andere verwerkers", "Bewaren en einde", "binnen 72 uur"):
        assert article in page, article
    # Services without a price yet: named, with a way to ask.
    on_request = page[page.index('id="on-request"') :].split("</div>")[0]
    assert "Bel ons" in on_request and 'href="tel:' in on_request


def test_the_first_login_shows_one_message_not_a_stack(
    platform_client: Client, no_stripe: None, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        platform_client.post("/aanmelden/", form_data())
    signup = SignUp.objects.get(slug="gamma")
    link = urlsplit(platform_client.get(f"/aanmelden/klaar/{signup.token}/verder/").url)
    provider_client = Client(HTTP_HOST="gamma.localhost")
    page = provider_client.get(link.path, follow=True)
    html = page.content.decode()
    assert page.redirect_chain[-1][0] == "/accounts/confirm-email/"
    shown = re.findall(r'class="message message-[^"]*"', html)
    assert len(shown) == 1, shown
    assert "Welkom bij Klachtpunt. Uw omgeving is klaar." in html and "open de link daarin" in html
    # Clicking on before confirming adds nothing: the same page, no new banners.
    again = provider_client.get("/instellingen/abonnement/", follow=True).content.decode()
    assert re.findall(r'class="message message-[^"]*"', again) == []


def test_the_confirmation_mail_is_klachtpunts_own_in_plain_dutch(
    platform_client: Client, no_stripe: None, django_capture_on_commit_callbacks, mailoutbox
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        platform_client.post("/aanmelden/", form_data())
    signup = SignUp.objects.get(slug="gamma")
    link = urlsplit(platform_client.get(f"/aanmelden/klaar/{signup.token}/verder/").url)
    Client(HTTP_HOST="gamma.localhost").get(link.path)
    [mail] = [m for m in mailoutbox if "greet@gamma.test" in m.to and "/accounts/confirm-email/" in m.body]
    assert "Bevestig uw e-mailadres" in mail.subject
    assert mail.body.startswith("Beste heer, mevrouw,")
    assert "Bevestig dat dan met deze link:" in mail.body and "tweede stap voor inloggen" in mail.body
    assert "Bel Klachtpunt op 030 123 45 67" in mail.body
    assert "Hello from" not in mail.body and "You're receiving this email" not in mail.body
