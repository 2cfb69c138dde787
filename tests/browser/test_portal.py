"""The complainant's portal, the coordinator's entry and the follow link, in headless Chromium.

Each page is checked with axe-core (WCAG 2.1 A and AA) under the real
Content-Security-Policy and saved as a screenshot in tests/artifacts/.
Complaints filed here are committed by the server; the tests remove them
afterwards so the rest of the suite sees the world as it was.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from casework.index.models import CaseIndex
from casework.models import Complaint
from outbox.models import OutboxMessage
from reference.deadline_rules import decision_deadline
from tenants.clusters import schema_context
from tests.browser.conftest import LiveServer, assert_accessible, fresh_totp_code, save_screenshot, watch
from tests.support import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db]

REFERENCE = re.compile(r"KP-\d{4}-\d{6}")


def _purge(references: list[str]) -> None:
    """Delete the complaints the server committed, outside this test's own transaction."""
    if not references:
        return

    def work() -> None:
        try:
            rows = list(CaseIndex.objects.filter(reference__in=references).select_related("provider"))
            for row in rows:
                with schema_context(row.provider.schema_name):
                    Complaint.objects.filter(pk=row.case_id).delete()
                OutboxMessage.objects.filter(
                    schema_name=row.provider.schema_name, kwargs__complaint_id=row.case_id
                ).delete()
            CaseIndex.objects.filter(reference__in=references).delete()
        finally:
            connections.close_all()

    # A thread has its own connection, so the deletes commit.
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()


@pytest.fixture
def filed_references() -> Iterator[list[str]]:
    references: list[str] = []
    yield references
    _purge(references)


def new_page(browser: Browser) -> Page:
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    return watch(context.new_page())


def log_in(page: Page, url: str, email: str, *, totp: bool = False) -> None:
    page.goto(url)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    if totp:
        expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
        page.get_by_label("Code").fill(fresh_totp_code())
        page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("link", name="Uitloggen")).to_be_visible()


def test_complainant_files_a_complaint_and_finds_it_in_mijn_klachten(
    page: Page, live_site: LiveServer, world: World, filed_references: list[str]
) -> None:
    log_in(page, live_site.url("/accounts/login/"), world.complainant.email)
    page.get_by_role("link", name="Klacht indienen").click()
    expect(page.get_by_role("heading", name="Klacht indienen")).to_be_visible()
    page.get_by_label("Naam of plaats van de zorgaanbieder").fill("Utrecht")
    page.get_by_role("button", name="Zoeken").click()
    assert_accessible(page, "portal-search")
    page.get_by_role("link", name="Zorg Alpha").click()

    # Who complains: the fields about the client appear only for a representative or relative.
    client_fields = page.locator("#client-fields")
    expect(client_fields).to_be_hidden()
    expect(page.get_by_label("Uw e-mailadres")).to_have_value(world.complainant.email)
    assert_accessible(page, "portal-form")
    page.get_by_label("Ik ben nabestaande van de cliënt").check()
    expect(client_fields).to_be_visible()
    expect(page.get_by_label("Waarom mag u namens de cliënt klagen?")).to_be_hidden()
    page.get_by_label("Ik ben vertegenwoordiger van de cliënt").check()
    expect(page.get_by_label("Waarom mag u namens de cliënt klagen?")).to_be_visible()

    page.get_by_label("Uw naam").fill("Jan Jansen")
    page.get_by_label("Naam van de cliënt").fill("Piet Jansen")
    page.get_by_label("Uw relatie tot de cliënt").fill("zoon")
    page.get_by_label("Waarom mag u namens de cliënt klagen?").fill("schriftelijke machtiging")
    page.get_by_label("Uitleg", exact=True).check()
    page.get_by_role("button", name="Klacht indienen").click()

    # Something is missing: the summary says what, and nothing entered is lost.
    expect(page.get_by_role("heading", name="Controleer wat u heeft ingevuld")).to_be_visible()
    expect(page.get_by_label("Naam van de cliënt")).to_have_value("Piet Jansen")
    expect(page.get_by_label("Waarom mag u namens de cliënt klagen?")).to_be_visible()
    assert_accessible(page, "portal-form-errors")

    page.get_by_label("Wat is er gebeurd?").fill(
        "Mijn vader kreeg drie avonden achter elkaar zijn medicijnen twee uur te laat."
    )
    page.get_by_label("Als formele klacht", exact=False).check()
    page.get_by_label("Ja, ik geef toestemming").check()
    page.get_by_role("button", name="Klacht indienen").click()

    expect(page.get_by_role("heading", name="Uw klacht is ontvangen")).to_be_visible()
    reference = REFERENCE.search(page.locator("main").inner_text()).group(0)
    filed_references.append(reference)
    expect(page.locator("main")).to_contain_text("schriftelijk oordelen")
    assert_accessible(page, "portal-filed")

    page.get_by_role("link", name="Mijn klachten", exact=True).click()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Zorg Alpha")
    expect(row).to_contain_text("Formele klacht")
    # 6 weeks, moved past a weekend or holiday by the Algemene termijnenwet.
    days_left = (decision_deadline(timezone.localdate()) - timezone.localdate()).days
    expect(row).to_contain_text(f"nog {days_left} dagen")
    assert_accessible(page, "portal-mijn-klachten")

    row.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", name=f"Klacht {reference}")).to_be_visible()
    assert_accessible(page, "portal-case")
    page.get_by_role("link", name="Toestemming intrekken").click()
    expect(page.locator("blockquote")).to_contain_text("Ik geef Klachtpunt toestemming")
    assert_accessible(page, "portal-confirm-withdraw")
    page.get_by_role("button", name="Toestemming intrekken").click()
    expect(page.get_by_role("status")).to_contain_text("Uw toestemming is ingetrokken")
    expect(page.get_by_role("link", name="Toestemming geven", exact=True)).to_be_visible()
    assert_accessible(page, "portal-case-withdrawn")


def test_coordinator_enters_a_phone_complaint_and_the_link_works(
    browser: Browser, page: Page, live_site: LiveServer, world: World, filed_references: list[str]
) -> None:
    log_in(page, live_site.url("/accounts/login/"), world.coordinator.email, totp=True)
    page.goto(live_site.url("/werkplek/"))
    page.get_by_role("link", name="Klacht invoeren (telefoon, brief of e-mail)").click()
    page.get_by_label("Naam of plaats van de zorgaanbieder").fill("Leiden")
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_role("link", name="Zorg Beta").click()
    expect(page.locator("#client-fields")).to_be_hidden()
    assert_accessible(page, "coordinator-entry")

    page.get_by_label("Telefoon", exact=True).check()
    page.get_by_label("De cliënt zelf").check()
    page.get_by_label("Naam van de klager").fill("Mevrouw De Vries")
    page.get_by_label("Telefoonnummer van de klager").fill("06 12345678")
    page.get_by_label("Wat is er gebeurd?").fill("Niemand belde terug na de operatie, ondanks de afspraak.")
    page.get_by_label("Gehoord worden").check()
    page.get_by_label("Nog niet gevraagd").check()
    page.get_by_role("button", name="Klacht vastleggen").click()

    expect(page.get_by_role("heading", name="Klacht vastgelegd")).to_be_visible()
    reference = REFERENCE.search(page.locator("main").inner_text()).group(0)
    filed_references.append(reference)
    follow_url = page.locator(".secret-link code").inner_text().strip()
    assert follow_url.startswith(f"http://beta.localhost:{live_site.port}/volg/")
    assert_accessible(page, "coordinator-entry-done")

    # The complainant opens the link: no account, another browser.
    visitor = new_page(browser)
    visitor.goto(follow_url)
    expect(visitor.get_by_role("heading", name=f"Klacht {reference}")).to_be_visible()
    expect(visitor.locator("main")).to_contain_text("nog niet gekozen")
    assert_accessible(visitor, "follow-link")
    visitor.get_by_role("link", name="Toestemming geven", exact=True).click()
    assert_accessible(visitor, "follow-confirm-consent")
    visitor.get_by_role("button", name="Toestemming geven").click()
    expect(visitor.get_by_role("status")).to_contain_text("Uw toestemming is vastgelegd")
    visitor.get_by_role("link", name="Account maken of inloggen").click()
    expect(visitor).to_have_url(re.compile(rf"^http://localhost:{live_site.port}/accounts/login/\?next="))
    save_screenshot(visitor, "follow-to-login")
    visitor.context.close()


def test_who_complains_stays_usable_without_javascript(
    browser: Browser, live_site: LiveServer, world: World
) -> None:
    context = browser.new_context(
        locale="nl-NL", viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    page = watch(context.new_page())
    try:
        log_in(page, live_site.url("/accounts/login/"), world.complainant.email)
        page.goto(live_site.url("/klacht-indienen/alpha/"))
        # Every field shows, with a hint that says when the client's fields apply.
        expect(page.locator("#client-fields")).to_be_visible()
        expect(page.get_by_text("Alleen invullen als de klacht namens een ander")).to_be_visible()
        expect(page.get_by_label("Waarom mag u namens de cliënt klagen?")).to_be_editable()
        save_screenshot(page, "portal-form-no-js")
    finally:
        context.close()
