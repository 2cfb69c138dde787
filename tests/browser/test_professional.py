"""The professional's workspace and the coordinator's matching pages, in headless Chromium.

A professional logs in with a second factor, finds the cases offered to them
in "Mijn zaken", accepts one and declines another with a reason, logs time
with a note and sees it in "Mijn uren". A coordinator looks at the
directory and the matching page. Every page is checked with axe-core
(WCAG 2.1 A and AA) under the real Content-Security-Policy, and saved as a
screenshot in tests/artifacts/.

The professional and the two offered cases are committed for the server to
see (from a thread, which has its own connection) and removed after this
module, so the rest of the suite sees the world as it was.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connections
from playwright.sync_api import Browser, Page, expect

from accounts.models import ConflictOfInterest, PlatformRole, User
from accounts.services import professional_create, totp_activate, user_create
from casework.assignment.services import case_assign
from casework.index.models import Assignment, CaseIndex, Service
from casework.models import Complaint
from casework.timesheets.models import TimeEntry
from outbox.models import OutboxMessage
from tenants.clusters import schema_context
from tenants.models import Provider
from tests.browser.conftest import LiveServer, assert_accessible, fresh_totp_code, watch
from tests.casework.accessors import STAFF
from tests.casework.factories import submission, submit
from tests.support import PASSWORD, TOTP_SECRET, World

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db]

EMAIL = "browser-professional@klachtpunt.test"
CONFLICTED_EMAIL = "browser-conflicted@klachtpunt.test"
NOTE = "Gesprek op locatie met klager en teamleider; vervolgafspraak over drie weken."


@dataclass(frozen=True)
class Offered:
    accept: str
    decline: str
    professional_id: int


def _in_own_connection(work: Callable[[], Any]) -> Any:
    """Run ``work`` on a thread: its own connection, in autocommit, so the server sees the rows."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = work()
        except BaseException as error:  # re-raised in the test's thread
            result["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


def _create(world: World) -> Offered:
    coordinator = User.objects.get(pk=world.coordinator.pk)
    alpha = Provider.objects.get(pk=world.alpha.pk)
    user = user_create(
        email=EMAIL, password=PASSWORD, display_name="Pieter Jansen", roles=[PlatformRole.PROFESSIONAL]
    )
    totp_activate(user=user, secret=TOTP_SECRET)
    professional_create(
        user=user,
        qualifications=["officer"],
        sectors=["elderly"],
        languages=["nl", "en"],
        categories=["treatment"],
        home_postcode="3512 JE",
        travel_radius_km=60,
        capacity=10,
    )
    conflicted = user_create(
        email=CONFLICTED_EMAIL,
        password=PASSWORD,
        display_name="Carla Conflict",
        roles=[PlatformRole.PROFESSIONAL],
    )
    profile = professional_create(user=conflicted, qualifications=["officer"], sectors=[], languages=["nl"])
    ConflictOfInterest.objects.create(professional=profile, provider=alpha, reason="Werkte hier tot 2024")
    references = []
    for postcode in ("3511 AB", "1012 AB"):
        result = submit(alpha, submission=submission(complainant_postcode=postcode))
        CaseIndex.objects.filter(reference=result.complaint.reference).update(service=Service.OFFICER)
        case = CaseIndex.objects.select_related("provider").get(reference=result.complaint.reference)
        case_assign(accessor=STAFF, case=case, professional=user, actor=coordinator)
        references.append(case.reference)
    return Offered(accept=references[0], decline=references[1], professional_id=user.pk)


def _remove(offered: Offered) -> None:
    remove_cases([offered.accept, offered.decline])
    User.objects.filter(email__in=[EMAIL, CONFLICTED_EMAIL]).delete()


def remove_cases(references: list[str]) -> None:
    """Remove the committed cases a browser test made: dossiers, index rows, hours, assignments, outbox."""
    rows = list(CaseIndex.objects.filter(reference__in=references).select_related("provider"))
    TimeEntry.objects.filter(reference__in=references).delete()
    Assignment.objects.filter(case__in=rows).delete()
    for row in rows:
        with schema_context(row.provider.schema_name):
            Complaint.objects.filter(pk=row.case_id).delete()
        OutboxMessage.objects.filter(
            schema_name=row.provider.schema_name, kwargs__complaint_id=row.case_id
        ).delete()
    OutboxMessage.objects.filter(task_name__startswith="casework.assignment.tasks.").delete()
    CaseIndex.objects.filter(reference__in=references).delete()


@pytest.fixture(scope="module")
def offered(world: World, live_site: LiveServer, django_db_blocker) -> Iterator[Offered]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        made = _in_own_connection(lambda: _create(world))
    try:
        yield made
    finally:
        with django_db_blocker.unblock():
            _in_own_connection(lambda: _remove(made))


def new_page(browser: Browser) -> Page:
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    return watch(context.new_page())


def log_in(page: Page, live_site: LiveServer, email: str) -> None:
    page.goto(live_site.url("/accounts/login/"))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.get_by_label("Code").fill(fresh_totp_code())
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("link", name="Uitloggen")).to_be_visible()


def test_my_cases_and_an_offer_fit_a_phone(browser: Browser, live_site: LiveServer, offered: Offered) -> None:
    # Runs before the test that accepts and declines the offers (module order).
    context = browser.new_context(locale="nl-NL", viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    page = watch(context.new_page())
    log_in(page, live_site, EMAIL)
    page.goto(live_site.url("/werkplek/mijn-zaken/"))
    expect(page.get_by_role("heading", name="Mijn zaken")).to_be_visible()
    fits = "() => document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(fits)
    page.goto(live_site.url(f"/werkplek/mijn-zaken/{offered.accept}/aanbod/"))
    expect(page.get_by_role("button", name="Zaak accepteren")).to_be_visible()
    assert page.evaluate(fits)
    assert_accessible(page, "professional-offer-phone")
    context.close()


def test_professional_sees_my_cases_accepts_declines_and_logs_time(
    browser: Browser, live_site: LiveServer, offered: Offered
) -> None:
    page = new_page(browser)
    log_in(page, live_site, EMAIL)
    page.get_by_role("link", name="Mijn zaken").click()
    expect(page.get_by_role("heading", name="Mijn zaken")).to_be_visible()
    expect(page.get_by_text("Er wachten 2 zaken op uw antwoord.")).to_be_visible()
    accept_row = page.get_by_role("row").filter(has_text=offered.accept)
    expect(accept_row).to_contain_text("Zorg Alpha")
    expect(accept_row).to_contain_text("Accepteer of wijs de zaak af")
    assert_accessible(page, "professional-my-cases")

    # The offer's page says what the case is about before the professional accepts.
    accept_row.get_by_role("link", name=f"Bekijken en beslissen over {offered.accept}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Aanbod: zaak {offered.accept}")
    expect(page.get_by_role("heading", name="Wat is er gebeurd?")).to_be_visible()
    assert_accessible(page, "professional-offer")
    page.get_by_role("button", name="Zaak accepteren").click()
    expect(page.get_by_text(f"U heeft zaak {offered.accept} geaccepteerd.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=offered.accept)).to_contain_text(
        "Plan het intakegesprek met de klager"
    )

    page.get_by_role("link", name=f"Afwijzen {offered.decline}").click()
    expect(page.get_by_role("heading", name=f"{offered.decline} afwijzen")).to_be_visible()
    page.get_by_role("button", name="Zaak afwijzen").click()
    expect(page.get_by_role("heading", name="Controleer wat u heeft ingevuld")).to_be_visible()
    assert_accessible(page, "professional-decline-errors")
    page.get_by_label("Waarom wijst u de zaak af?").fill("Ik ken de klager persoonlijk.")
    page.get_by_role("button", name="Zaak afwijzen").click()
    expect(page.get_by_text("de zaak gaat terug naar de coördinator")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=offered.decline)).to_have_count(0)

    page.get_by_role("link", name=f"Uren schrijven op {offered.accept}").click()
    expect(page.get_by_role("heading", name=f"Uren schrijven op {offered.accept}")).to_be_visible()
    assert_accessible(page, "professional-time-form")
    page.get_by_label("Op locatie").check()
    page.get_by_label("Activiteit").select_option(label="Bemiddelingsgesprek")
    page.get_by_label("Minuten").fill("75")
    page.get_by_label("Notitie (niet verplicht)").fill(NOTE)
    page.get_by_role("button", name="Uren opslaan").click()
    expect(page.get_by_text(f"75 minuten geschreven op {offered.accept}.")).to_be_visible()
    entries = page.get_by_role("table")
    expect(entries).to_contain_text("Op locatie")
    expect(entries).to_contain_text("Bemiddelingsgesprek")
    expect(entries).to_contain_text("1:15")
    assert_accessible(page, "professional-time-logged")

    page.get_by_label("Minuten").fill("")
    page.get_by_role("button", name="Uren opslaan").click()
    expect(page.get_by_role("heading", name="Controleer wat u heeft ingevuld")).to_be_visible()
    assert_accessible(page, "professional-time-errors")

    page.get_by_role("link", name="Mijn uren").click()
    expect(page.get_by_role("heading", name="Mijn uren")).to_be_visible()
    expect(page.get_by_role("table", name="Per soort")).to_contain_text("1:15")
    expect(page.get_by_role("table", name="Per zaak")).to_contain_text(offered.accept)
    assert_accessible(page, "professional-my-hours")
    page.context.close()


def test_coordinator_sees_the_directory_and_the_reasons_on_the_matching_page(
    browser: Browser, live_site: LiveServer, world: World, offered: Offered
) -> None:
    page = new_page(browser)
    log_in(page, live_site, world.coordinator.email)
    page.get_by_role("link", name="Professionals").click()
    expect(page.get_by_role("heading", name="Professionals")).to_be_visible()
    expect(page.get_by_role("link", name="Pieter Jansen")).to_be_visible()
    assert_accessible(page, "coordinator-directory")

    page.get_by_role("link", name="Carla Conflict").click()
    expect(page.get_by_role("heading", name="Carla Conflict")).to_be_visible()
    expect(page.get_by_role("cell", name="Werkte hier tot 2024")).to_be_visible()
    assert_accessible(page, "coordinator-professional-detail")
    page.get_by_role("link", name="Profiel bewerken").click()
    expect(page.get_by_role("heading", name="Carla Conflict bewerken")).to_be_visible()
    assert_accessible(page, "coordinator-professional-edit")

    # The matching page: who fits, and who may not take the case and why.
    page.goto(live_site.url(f"/werkplek/zaken/{offered.decline}/toewijzen/"))
    expect(page.get_by_role("heading", name=f"Toewijzen: {offered.decline}")).to_be_visible()
    expect(page.locator("main")).to_contain_text(
        "Belangenverstrengeling met Zorg Alpha: Werkte hier tot 2024"
    )
    assert_accessible(page, "coordinator-matching")
    page.context.close()
