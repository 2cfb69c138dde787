"""The data-protection officer's work in headless Chromium: a request and a breach, start to end.

A DPO logs in with a second factor, opens the AVG queue from the workspace,
enters a data subject's request for Zorg Alpha, takes it, records how the
requester's identity was verified and answers it (the letter lands in the
dossier); then registers a breach, sees the 72-hour clock, assesses it as
notifiable and records the notification. Every page is checked with axe-core
(WCAG 2.1 A and AA) under the real Content-Security-Policy.

The DPO and Zorg Alpha's dpo service are committed for the server to see and
removed after this module (the access log is append-only and stays).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import PlatformRole, User
from accounts.services import professional_create, totp_activate, user_create
from casework.index.models import Assignment, CaseIndex, DeadlineReminder, DpoAppointment
from casework.models import Breach, PrivacyAdvice, PrivacyRequest
from casework.timesheets.models import TimeEntry
from outbox.models import OutboxMessage
from tenants.clusters import schema_context
from tenants.models import Provider
from tests.browser.conftest import LiveServer, assert_accessible, committed, fresh_totp_code, watch
from tests.support import PASSWORD, TOTP_SECRET, World

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db]

EMAIL = "browser-fg@klachtpunt.test"
REQUESTER = "Anouk Browserman"
BREACH_TEXT = "Een USB-stick met een cliëntenlijst is kwijtgeraakt."


def _create(world: World) -> list[str]:
    provider = Provider.objects.get(pk=world.alpha.pk)
    before = list(provider.services)
    Provider.objects.filter(pk=provider.pk).update(services=sorted({*before, "dpo"}))
    user = user_create(
        email=EMAIL, password=PASSWORD, display_name="Fenna Gegevens", roles=[PlatformRole.PROFESSIONAL]
    )
    totp_activate(user=user, secret=TOTP_SECRET)
    professional_create(user=user, qualifications=["dpo"], sectors=[], languages=["nl"])
    return before


def _remove(world: World, services_before: list[str]) -> None:
    provider = Provider.objects.get(pk=world.alpha.pk)
    with schema_context(provider.schema_name):
        references = list(
            PrivacyRequest.objects.filter(requester_name=REQUESTER).values_list("reference", flat=True)
        )
        references += list(
            Breach.objects.filter(what_happened=BREACH_TEXT).values_list("reference", flat=True)
        )
        PrivacyRequest.objects.filter(reference__in=references).delete()
        Breach.objects.filter(reference__in=references).delete()
        PrivacyAdvice.objects.filter(given_by_label__contains="Fenna").delete()
    DpoAppointment.objects.filter(provider=provider).delete()
    rows = CaseIndex.every_kind.filter(reference__in=references)
    TimeEntry.objects.filter(reference__in=references).delete()
    DeadlineReminder.objects.filter(case__in=rows).delete()
    Assignment.objects.filter(case__in=rows).delete()
    OutboxMessage.objects.filter(task_name__startswith="casework.privacy.").delete()
    rows.delete()
    User.objects.filter(email=EMAIL).delete()
    Provider.objects.filter(pk=provider.pk).update(services=services_before)


@pytest.fixture(scope="module")
def dpo_ready(world: World, live_site: LiveServer, django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        before = committed(lambda: _create(world))
    try:
        yield None
    finally:
        with django_db_blocker.unblock():
            committed(lambda: _remove(world, before))


def _page(browser: Browser) -> Page:
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    return watch(context.new_page())


def _log_in(page: Page, live_site: LiveServer, email: str = EMAIL) -> None:
    page.goto(live_site.url("/accounts/login/"))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.get_by_label("Code").fill(fresh_totp_code())
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("link", name="Uitloggen")).to_be_visible()


def _moment(hours_ago: int = 0) -> str:
    return (timezone.localtime() - timezone.timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M")


def test_dpo_walks_a_request_and_a_breach_through_to_the_end(
    browser: Browser, live_site: LiveServer, dpo_ready: None
) -> None:
    page = _page(browser)
    _log_in(page, live_site)
    page.goto(live_site.url("/werkplek/"))
    page.get_by_role("link", name="AVG-verzoeken en datalekken").click()
    expect(page.get_by_role("heading", name="AVG-verzoeken en datalekken")).to_be_visible()
    assert_accessible(page, "dpo-queue")

    # A request that came in by letter yesterday.
    page.get_by_role("link", name="Nieuw AVG-verzoek").click()
    expect(page.get_by_role("heading", name="Nieuw AVG-verzoek")).to_be_visible()
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("heading", name="Controleer wat u heeft ingevuld")).to_be_visible()
    assert_accessible(page, "dpo-request-form-errors")
    page.get_by_label("Zorgaanbieder").select_option(label="Zorg Alpha")
    page.get_by_label("Inzage (art. 15)").check()
    page.get_by_label("Naam van de verzoeker").fill(REQUESTER)
    page.get_by_label("Het verzoek").fill("Graag een kopie van mijn dossier.")
    page.get_by_label("Ontvangen op").fill(_moment(24))
    page.get_by_label("Hoe ontvangen").fill("brief")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("heading", name=re.compile(r"^AVG-verzoek AVG-"))).to_be_visible()
    expect(page.locator("main")).to_contain_text(REQUESTER)
    page.get_by_role("button", name="Ik behandel dit").click()
    expect(page.get_by_role("heading", name="Identiteit vaststellen")).to_be_visible()
    assert_accessible(page, "dpo-request")
    page.get_by_label("Bekende contactgegevens uit het dossier").check()
    page.get_by_role("button", name="Identiteit vastleggen").click()
    expect(page.get_by_text("De vaststelling van de identiteit is vastgelegd.")).to_be_visible()
    page.get_by_label("Toegewezen", exact=True).check()
    page.get_by_label("Het antwoord aan de verzoeker").fill("Bijgaand de kopie van uw dossier.")
    page.get_by_role("button", name="Antwoord vastleggen en brief maken").click()
    expect(page.get_by_role("link", name="Antwoordbrief downloaden (PDF)")).to_be_visible()
    assert_accessible(page, "dpo-request-answered")

    # A breach noticed two hours ago.
    page.get_by_role("link", name="Datalek registreren").click()
    page.get_by_label("Zorgaanbieder").select_option(label="Zorg Alpha")
    page.get_by_label("Beschikbaarheid (verlies of vernietiging)").check()
    page.get_by_label("Ontdekt op").fill(_moment(2))
    page.get_by_label("Wat is er gebeurd?").fill(BREACH_TEXT)
    page.get_by_label("Welke soorten persoonsgegevens?").fill("Namen en geboortedata")
    page.get_by_label("Welke soorten betrokkenen?").fill("Cliënten")
    page.get_by_label("Aantal betrokkenen (bij benadering)").fill("40")
    page.get_by_label("Aantal registraties (bij benadering)").fill("40")
    page.get_by_label("Waarschijnlijke gevolgen").fill("Gegevens bij een onbekende vinder.")
    page.get_by_label("Genomen en voorgestelde maatregelen").fill("Voortaan alleen versleutelde sticks.")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Datalek DL-"))).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="om te melden")).to_contain_text(
        re.compile(r"Nog 7[01] uur")
    )
    expect(page.locator("main")).to_contain_text(BREACH_TEXT)  # ready to copy into the AP's form
    page.get_by_role("button", name="Ik behandel dit").click()
    expect(page.get_by_role("heading", name="Beoordelen")).to_be_visible()
    assert_accessible(page, "dpo-breach")
    page.get_by_label("Risico: melden aan de Autoriteit Persoonsgegevens").check()
    page.get_by_label("Onderbouwing").fill("Geboortedata van 40 cliënten: risico op identiteitsfraude.")
    page.get_by_role("button", name="Beoordeling vastleggen").click()
    expect(page.get_by_role("heading", name="Melding aan de Autoriteit Persoonsgegevens")).to_be_visible()
    page.get_by_label("Meldnummer van de Autoriteit Persoonsgegevens").fill("M-1234")
    page.get_by_role("button", name="Melding vastleggen").click()
    expect(page.get_by_text("De melding aan de Autoriteit Persoonsgegevens is vastgelegd.")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Gemeld aan de Autoriteit")).to_be_visible()
    assert_accessible(page, "dpo-breach-notified")

    page.get_by_role("link", name="Wachtrij").click()
    page.get_by_role("link", name="Jaarverslag Zorg Alpha").click()
    expect(
        page.get_by_role("heading", name=re.compile("Jaarverslag functionaris gegevensbescherming"))
    ).to_be_visible()
    assert_accessible(page, "dpo-annual-report")
    page.context.close()


def test_patient_files_a_data_subject_request_on_the_providers_form(
    browser: Browser, live_site: LiveServer, dpo_ready: None
) -> None:
    page = _page(browser)
    page.goto(live_site.alpha("/avg-verzoek/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Verzoek over uw gegevens bij Zorg Alpha")
    expect(page.get_by_role("link", name="Een klacht indienen")).to_be_visible()
    assert_accessible(page, "dpo-widget-request-form")
    page.get_by_role("button", name="Verzoek versturen").click()
    expect(page.locator("#error-summary")).to_be_focused(timeout=30_000)
    assert_accessible(page, "dpo-widget-request-errors")
    page.get_by_label("Wissen van gegevens (art. 17)").check()
    page.get_by_label("Naam van de verzoeker").fill(REQUESTER)
    page.get_by_label("E-mailadres").fill("anouk@example.nl")
    page.get_by_label("Uw verzoek").fill("Verwijder mijn oude telefoonnummer.")
    page.get_by_role("button", name="Verzoek versturen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uw verzoek is ontvangen", timeout=30_000)
    expect(page.locator("main")).to_contain_text("AVG-")
    assert_accessible(page, "dpo-widget-request-done")
    page.context.close()


def test_coordinator_appoints_zorg_alphas_data_protection_officer(
    browser: Browser, live_site: LiveServer, dpo_ready: None, world: World
) -> None:
    # Last in this module: once appointed, new requests of Zorg Alpha go to Fenna directly.
    page = _page(browser)
    _log_in(page, live_site, email=world.coordinator.email)
    page.goto(live_site.url("/werkplek/avg/"))
    page.get_by_role("link", name="Functionaris gegevensbescherming").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Functionaris gegevensbescherming van Zorg Alpha"
    )
    assert_accessible(page, "dpo-appointment")
    page.get_by_label("Fenna Gegevens").check()
    page.get_by_role("button", name="Vastleggen").click()
    expect(page.get_by_text("De functionaris gegevensbescherming is vastgelegd.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Nu: Fenna Gegevens")
    assert_accessible(page, "dpo-appointment-made")
    page.context.close()
