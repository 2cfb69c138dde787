"""The coordinator's queue and dossier in headless Chromium.

Filtering works with the keyboard alone and updates the results in place
(the address follows, the back button too); without JavaScript the same form
reloads the page. Every page is checked with axe-core (WCAG 2.1 A and AA)
under the real Content-Security-Policy and saved in tests/artifacts/. The
cases are committed from a thread (its own connection) and removed afterwards.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from casework.index.models import CaseIndex, Consent, Track
from casework.models import Complaint
from outbox.models import OutboxMessage
from reference.dates import today_amsterdam
from tenants.clusters import schema_context
from tests.browser.conftest import (
    LiveServer,
    assert_accessible,
    committed,
    fresh_totp_code,
    new_context,
    save_screenshot,
    watch,
)
from tests.casework.factories import submission, submit
from tests.support import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db]


@pytest.fixture(scope="module")
def queue_cases(
    world: World,
    live_site: LiveServer,
    django_db_blocker,  # type: ignore[no-untyped-def]
) -> Iterator[dict[str, Any]]:
    """An overdue formal case at alpha, a privacy case of a lapsed member at alpha, one at beta."""

    def make() -> dict[str, Any]:
        overdue = submit(world.alpha, submission=submission(track=Track.FORMAL)).complaint.reference
        CaseIndex.objects.filter(reference=overdue).update(
            deadline=today_amsterdam() - datetime.timedelta(days=2),
            first_contact_due=today_amsterdam() - datetime.timedelta(days=1),
        )
        lapsed = submit(
            world.alpha,
            submission=submission(category_code="privacy", consent=Consent.PENDING),
            membership_lapsed=True,
        ).complaint.reference
        beta = submit(
            world.beta, submission=submission(complainant_name="Bea de Boer", consent=Consent.PENDING)
        ).complaint.reference
        return {"overdue": overdue, "lapsed": lapsed, "beta": beta, "beta_id": world.beta.pk}

    with django_db_blocker.unblock():
        cases = committed(make)
    yield cases

    def remove() -> None:
        for row in CaseIndex.objects.filter(reference__in=[cases["overdue"], cases["lapsed"], cases["beta"]]):
            with schema_context(row.provider.schema_name):
                Complaint.objects.filter(pk=row.case_id).delete()
            OutboxMessage.objects.filter(
                schema_name=row.provider.schema_name, kwargs__complaint_id=row.case_id
            ).delete()
            row.delete()

    with django_db_blocker.unblock():
        committed(remove)


@pytest.fixture(scope="module")
def coordinator_state(browser: Browser, live_site: LiveServer, world: World) -> dict:
    context = new_context(browser)
    page = context.new_page()
    page.goto(live_site.url("/accounts/login/"))
    page.get_by_label("E-mail").fill(world.coordinator.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.get_by_label("Code").fill(fresh_totp_code())
    page.get_by_role("button", name="Inloggen", exact=True).click()
    expect(page.get_by_role("link", name="Uitloggen")).to_be_visible()
    state = context.storage_state()
    context.close()
    return state


def coordinator_page(browser: Browser, state: dict, **options: Any) -> Page:
    return watch(new_context(browser, storage_state=state, **options).new_page())


def focused_id(page: Page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def tab_to(page: Page, element_id: str, *, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_id(page) == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}; last focused: #{focused_id(page)}")


def case_links(page: Page) -> list[str]:
    return page.locator("table.queue-table tbody th a").all_inner_texts()


def test_coordinator_filters_the_queue_with_the_keyboard_and_opens_a_dossier(
    browser: Browser, live_site: LiveServer, coordinator_state: dict, queue_cases: dict[str, Any]
) -> None:
    page = coordinator_page(browser, coordinator_state)
    page.goto(live_site.url("/werkplek/"))
    page.get_by_role("link", name="Wachtrij", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Wachtrij")).to_be_visible()
    links = case_links(page)
    for name in ("overdue", "lapsed", "beta"):
        assert queue_cases[name] in links
    # Most urgent first: the overdue case leads.
    assert links[0] == queue_cases["overdue"]
    lapsed_row = page.locator("tr", has=page.get_by_role("link", name=queue_cases["lapsed"]))
    expect(lapsed_row).to_contain_text("Lidmaatschap verlopen")
    expect(page.locator("tr", has=page.get_by_role("link", name=queue_cases["overdue"]))).to_contain_text(
        "2 dagen te laat"
    )
    assert_accessible(page, "queue")

    # Keyboard only: to the provider filter, choose beta, to the button, Enter.
    page.locator("h1").click()
    tab_to(page, "filter-provider")
    beta = str(queue_cases["beta_id"])
    for _ in range(10):
        if page.locator("#filter-provider").input_value() == beta:
            break
        page.keyboard.press("ArrowDown")
    assert page.locator("#filter-provider").input_value() == beta
    tab_to(page, "filter-submit")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"provider={beta}"))
    expect(page.locator("table.queue-table tbody th a")).to_have_text([queue_cases["beta"]])
    # Updated in place: the keyboard stays on the button, and the news is announced.
    assert focused_id(page) == "filter-submit"
    expect(page.locator("#queue-announcer")).to_contain_text("voldoet aan de filters")
    expect(page.locator("#filter-provider")).to_have_value(beta)
    assert_accessible(page, "queue-filtered")

    # The quick filter for overdue cases, by keyboard, replaces the provider filter's results.
    tab_to(page, "filter-reset")
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_site.url("/werkplek/wachtrij/"))
    tab_to(page, "quick-overdue", limit=60)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"deadline=overdue"))
    expect(page.locator("#quick-overdue")).to_have_attribute("aria-current", "true")
    assert queue_cases["overdue"] in case_links(page) and queue_cases["beta"] not in case_links(page)

    # Back goes to the previous state of the queue.
    page.go_back()
    expect(page).to_have_url(live_site.url("/werkplek/wachtrij/"))
    expect(page.get_by_role("link", name=queue_cases["beta"])).to_be_visible()

    # Open the dossier from the queue.
    page.get_by_role("link", name=queue_cases["beta"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dossier {queue_cases['beta']}")
    expect(page.get_by_text("Bea de Boer")).to_be_visible()
    expect(page.get_by_role("heading", name="Tijdlijn")).to_be_visible()
    assert_accessible(page, "dossier")

    # Record the intake call; the page comes back with it on the timeline.
    page.get_by_label("Wat is er besproken?").fill("Klaagster gebeld; wil vooral uitleg over de medicatie.")
    page.get_by_label("Wat wil de klager bereiken?").select_option("explanation")
    page.get_by_role("button", name="Gesprek vastleggen").click()
    expect(page.get_by_text("Het intakegesprek is vastgelegd.")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("wil vooral uitleg over de medicatie")
    expect(page.locator(".lead")).to_contain_text("In intake")
    assert_accessible(page, "dossier-after-intake")

    # Bad input: the page says what is wrong, links to it, and keeps what was typed.
    page.get_by_label("Wat is er besproken?").fill("   ")
    page.get_by_label("Toelichting op het doel").fill("Getypte toelichting")
    page.get_by_role("button", name="Gesprek vastleggen").click()
    expect(page.get_by_role("alert")).to_contain_text("Dat is niet gelukt.")
    expect(page.locator("#intake_form")).to_contain_text("Dit veld is verplicht.")
    expect(page.get_by_label("Toelichting op het doel")).to_have_value("Getypte toelichting")
    assert_accessible(page, "dossier-error")
    page.context.close()


def test_queue_filters_work_without_javascript(
    browser: Browser, live_site: LiveServer, coordinator_state: dict, queue_cases: dict[str, Any]
) -> None:
    page = coordinator_page(browser, coordinator_state, java_script_enabled=False)
    page.goto(live_site.url("/werkplek/wachtrij/"))
    page.get_by_label("Categorie").select_option("privacy")
    page.get_by_role("button", name="Filteren").click()
    expect(page).to_have_url(re.compile(r"category=privacy"))
    links = case_links(page)
    assert queue_cases["lapsed"] in links and queue_cases["overdue"] not in links
    save_screenshot(page, "queue-no-js")
    page.context.close()


def test_coordinator_sorts_the_queue_by_first_contact_and_sees_the_lapsed_one_first(
    browser: Browser, live_site: LiveServer, coordinator_state: dict, queue_cases: dict[str, Any]
) -> None:
    page = coordinator_page(browser, coordinator_state)
    page.goto(live_site.url("/werkplek/wachtrij/"))
    tab_to(page, "sort-first-contact", limit=80)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"sort=first_contact"))
    expect(page.locator("#sort-urgency")).to_be_visible()
    assert case_links(page)[0] == queue_cases["overdue"]
    first_row = page.locator("table.queue-table tbody tr").first
    expect(first_row.locator(".first-contact")).to_contain_text("Eerste contact te laat")
    assert_accessible(page, "queue-first-contact")
    page.context.close()


# A phone (390 x 844): nothing scrolls sideways


def fits_the_viewport(page: Page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_queue_on_a_phone_is_a_list_of_cards_with_the_filters_behind_one_control(
    browser: Browser, live_site: LiveServer, coordinator_state: dict, queue_cases: dict[str, Any]
) -> None:
    page = coordinator_page(browser, coordinator_state, viewport={"width": 390, "height": 844})
    page.goto(live_site.url("/werkplek/wachtrij/"))
    panel = page.locator("#queue-filter-panel")
    expect(panel).not_to_have_attribute("open", "")
    expect(page.get_by_label("Zorgaanbieder")).to_be_hidden()
    assert fits_the_viewport(page)
    # The first case is near the top, not after two screens of filters.
    first = page.locator("table.queue-table tbody tr").first
    assert first.bounding_box()["y"] < 844
    # Each case is a card as wide as the screen, its cells labelled.
    box = first.bounding_box()
    assert box["width"] <= 390
    overdue = page.locator("tr", has=page.get_by_role("link", name=queue_cases["overdue"]))
    expect(overdue).to_contain_text("2 dagen te laat")
    assert_accessible(page, "queue-phone")
    # One control opens the filters; they work as on a desk.
    page.locator("#queue-filter-panel > summary").click()
    expect(page.get_by_label("Zorgaanbieder")).to_be_visible()
    assert fits_the_viewport(page)
    save_screenshot(page, "queue-phone-filters")
    page.context.close()


def test_queue_on_a_desk_shows_the_filters_open(
    browser: Browser, live_site: LiveServer, coordinator_state: dict, queue_cases: dict[str, Any]
) -> None:
    page = coordinator_page(browser, coordinator_state)
    page.goto(live_site.url("/werkplek/wachtrij/"))
    expect(page.get_by_label("Zorgaanbieder")).to_be_visible()
    page.context.close()


def test_dossier_on_a_phone_fits_the_screen(
    browser: Browser, live_site: LiveServer, coordinator_state: dict, queue_cases: dict[str, Any]
) -> None:
    page = coordinator_page(browser, coordinator_state, viewport={"width": 390, "height": 844})
    page.goto(live_site.url(f"/werkplek/zaken/{queue_cases['overdue']}/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(queue_cases["overdue"])
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 8)
            .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
    )
    assert fits_the_viewport(page), wide
    assert_accessible(page, "dossier-phone")
    page.context.close()
