"""Sign-up in a real browser: the form, Stripe's (fake) checkout, back to "preparing", and on
to the new provider's host, logged in through the one-time link.

The shared ``live_site`` server runs without Stripe keys, so this module starts
its own gunicorn, configured with keys that point at a fake Stripe server (in
this process, on a loopback port) which delivers signed webhooks to it.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import Browser, Page, expect

from billing.models import SignUp, SignUpState, StripeMirror
from tests.billing.conftest import WEBHOOK_SECRET
from tests.browser.conftest import ROOT, _wait_until_serving, fresh_totp_code, save_screenshot, watch
from tests.browser.test_pages import assert_accessible
from tests.conftest import subprocess_env
from tests.fakestripe import FakeStripe
from tests.support import World, free_port

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db]

PASSWORD = "Een-lang-wachtwoord-2026"
GENERAL_DISPUTES_BODY = (
    "De Geschillencommissie Zorg Algemeen (Alle zorg waarvoor geen eigen geschilleninstantie bestaat)"
)


@dataclass(frozen=True)
class StripeSite:
    port: int
    fake: FakeStripe
    mail_dir: Path

    def confirmation_link(self, address: str) -> str:
        """The e-mail confirmation link last sent to ``address`` (the server writes mail to files)."""
        for message in sorted(self.mail_dir.glob("*.log"), key=lambda f: f.stat().st_mtime, reverse=True):
            text = message.read_text()
            if address in text:
                return re.search(r"https?://\S+/accounts/confirm-email/\S+/", text).group(0)
        raise AssertionError(f"no mail to {address}")

    def url(self, path: str = "/", host: str = "localhost") -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture(scope="module")
def stripe_site(
    test_database_url: str, world: World, tmp_path_factory: pytest.TempPathFactory, django_db_blocker: Any
) -> Iterator[StripeSite]:
    assert connection.settings_dict["NAME"].startswith("test_")
    # A new fake Stripe is a new account: ids an earlier site mirrored (committed) are unknown to it.
    with django_db_blocker.unblock():
        StripeMirror.objects.all().delete()
    port = free_port()
    fake = FakeStripe(
        webhook_url=f"http://127.0.0.1:{port}/stripe/webhook/",
        webhook_secret=WEBHOOK_SECRET,
        webhook_host="localhost",
    ).start()
    log = tmp_path_factory.mktemp("stripe-server") / "gunicorn.log"
    mail_dir = tmp_path_factory.mktemp("stripe-server-mail")
    env = subprocess_env(
        KLACHTPUNT_TESTING="1",
        DATABASE_URL=test_database_url,
        DJANGO_SETTINGS_MODULE="klachtpunt.settings",
        PLATFORM_PORT=str(port),
        STRIPE_SECRET_KEY="sk_test_browser",
        STRIPE_API_BASE=fake.url,
        STRIPE_WEBHOOK_SECRETS=WEBHOOK_SECRET,
        STRIPE_CHECKOUT_ORIGINS=fake.url,
        STRIPE_IDEMPOTENCY_PREFIX=f"browser-{secrets.token_hex(4)}",
        EMAIL_URL=f"file:///{mail_dir}",
    )
    env.pop("CACHE_URL", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "klachtpunt.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "4",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(port, process, log)
        yield StripeSite(port=port, fake=fake, mail_dir=mail_dir)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        fake.stop()


@pytest.fixture
def stripe_page(browser: Browser, stripe_site: StripeSite) -> Iterator[Page]:
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield watch(context.new_page())
    context.close()


def test_signup_through_checkout_lands_logged_in_on_the_new_providers_host(
    stripe_page: Page, stripe_site: StripeSite, django_db_blocker
) -> None:
    page = stripe_page
    slug = f"delta-{secrets.token_hex(3)}"
    page.goto(stripe_site.url("/aanmelden/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanmelden als zorgaanbieder")
    assert_accessible(page, "signup-form")

    # A mistake first: the summary names it and the form keeps what was typed.
    page.get_by_label("Naam van uw organisatie").fill("Zorgcentrum Delta")
    page.get_by_label("KvK-nummer").fill("1234")
    page.get_by_role("button", name="Verder naar betalen").click()
    expect(page.get_by_role("heading", name="Controleer wat u hebt ingevuld")).to_be_visible()
    expect(page.get_by_label("Naam van uw organisatie")).to_have_value("Zorgcentrum Delta")
    assert_accessible(page, "signup-form-errors")

    page.get_by_label("KvK-nummer").fill("87654321")
    page.get_by_label("Sector").select_option("mental_health")
    page.get_by_label("Straat en huisnummer").fill("Dijkweg 12")
    page.get_by_label("Postcode").fill("8011 AB")
    page.get_by_label("Plaats").fill("Zwolle")
    page.get_by_label("Uw geschilleninstantie").select_option(label=GENERAL_DISPUTES_BODY)
    page.get_by_label("Uw naam").fill("Dirk Delta")
    page.get_by_label("Uw e-mailadres").fill(f"dirk@{slug}.test")
    page.get_by_label("Kies een wachtwoord").fill(PASSWORD)
    page.get_by_label("Adres van uw omgeving").fill(slug)
    page.get_by_label("Ik ga akkoord met de verwerkersovereenkomst").check()
    page.get_by_role("button", name="Verder naar betalen").click()

    # Stripe's hosted checkout (the fake's stand-in).
    expect(page).to_have_url(re.compile(re.escape(stripe_site.fake.url) + r"/checkout/cs_"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Betalen (testomgeving)")
    save_screenshot(page, "signup-checkout")
    page.get_by_role("button", name="Betalen met iDEAL").click()

    # Back on the platform, then on to the provider's own host, logged in.
    provider_host = f"{slug}.localhost"
    page.wait_for_url(re.compile(rf"http://{re.escape(provider_host)}:\d+/"), timeout=30_000)
    expect(page.get_by_role("link", name="Uitloggen")).to_be_visible()
    expect(page.get_by_text("Welkom bij Klachtpunt. Uw omgeving is klaar.")).to_be_visible()
    save_screenshot(page, "signup-landed")
    # A new provider admin confirms the address, then sets up a second factor.
    page.goto(stripe_site.confirmation_link(f"dirk@{slug}.test"))
    page.get_by_role("button", name=re.compile("Bevestig")).click()
    page.goto(f"http://{provider_host}:{stripe_site.port}/accounts/2fa/totp/activate/")
    if "/accounts/reauthenticate/" in page.url:
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        page.get_by_role("button", name=re.compile("Bevestig")).click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Code").fill(fresh_totp_code(secret))
    page.get_by_role("button", name=re.compile("Activeer|Activeren")).click()
    expect(page.get_by_text("Authenticator-app geactiveerd.")).to_be_visible()
    # The recovery codes come next, and the page leads on instead of ending there.
    expect(page.get_by_role("heading", level=1)).to_have_text("Herstelcodes")
    assert_accessible(page, "signup-recovery-codes")
    page.get_by_role("link", name="Verder").click()
    expect(page).to_have_url(re.compile(r"/organisatie/$"))
    page.goto(f"http://{provider_host}:{stripe_site.port}/instellingen/abonnement/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Abonnement en facturen")
    expect(page.get_by_text("Actief").first).to_be_visible()
    assert_accessible(page, "signup-subscription-page")

    with django_db_blocker.unblock():
        signup = SignUp.objects.get(slug=slug)
        assert signup.state == SignUpState.PROVISIONED and signup.synced
        assert signup.provider.membership.status == "active"
        # The disputes body chosen from the list reached the provider.
        assert signup.provider.disputes_body.name == "De Geschillencommissie Zorg Algemeen"


def fill_signup(page: Page, slug: str) -> None:
    page.get_by_label("Naam van uw organisatie").fill("Zorg Epsilon")
    page.get_by_label("KvK-nummer").fill("11223344")
    page.get_by_label("Straat en huisnummer").fill("Laan 1")
    page.get_by_label("Postcode").fill("1011 AA")
    page.get_by_label("Plaats").fill("Amsterdam")
    page.get_by_label("Uw geschilleninstantie").select_option(label=GENERAL_DISPUTES_BODY)
    page.get_by_label("Uw naam").fill("Eva Epsilon")
    page.get_by_label("Uw e-mailadres").fill(f"eva@{slug}.test")
    page.get_by_label("Kies een wachtwoord").fill(PASSWORD)
    page.get_by_label("Adres van uw omgeving").fill(slug)
    page.get_by_label("Ik ga akkoord met de verwerkersovereenkomst").check()
    page.get_by_role("button", name="Verder naar betalen").click()


def test_preparing_page_polls_until_the_payment_is_confirmed(
    stripe_page: Page, stripe_site: StripeSite
) -> None:
    """Back from checkout before Stripe confirmed: the page waits, asks, and goes on by itself."""
    page = stripe_page
    slug = f"epsilon-{secrets.token_hex(3)}"
    page.goto(stripe_site.url("/aanmelden/"))
    fill_signup(page, slug)
    expect(page).to_have_url(re.compile(re.escape(stripe_site.fake.url) + r"/checkout/cs_"))
    session_id = page.url.rsplit("/", 1)[1]
    success_url = stripe_site.fake.get("checkout.session", session_id)["success_url"]

    # The browser comes back before the payment is confirmed.
    page.goto(success_url.replace("{CHECKOUT_SESSION_ID}", session_id))
    expect(page.get_by_role("heading", level=1)).to_have_text("We wachten op de bevestiging van uw betaling")
    with page.expect_response(re.compile(r"/status/$")) as answer:
        pass
    assert answer.value.json()["ready"] is False
    assert_accessible(page, "signup-preparing")

    # Stripe confirms (its webhook reaches the server); the page notices and goes on.
    stripe_site.fake.complete_checkout(session_id, "ideal")
    page.wait_for_url(re.compile(rf"http://{re.escape(slug)}\.localhost:\d+/"), timeout=30_000)
    expect(page.get_by_role("link", name="Uitloggen")).to_be_visible()
