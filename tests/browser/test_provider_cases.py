"""The provider's side in headless Chromium: consented complaints, search, detail, API keys.

Each page is checked with axe-core (WCAG 2.1 A and AA) under the real
Content-Security-Policy and saved as a screenshot in tests/artifacts/. The
complaints are committed from a thread (its own connection) and removed again,
with the API keys the server made, so the rest of the suite sees the world as it was.
"""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from casework.index.models import CaseIndex, Consent
from casework.models import Complaint
from outbox.models import OutboxMessage
from tenants.clusters import schema_context
from tenants.models import ProviderApiKey
from tests.browser.conftest import (
    LiveServer,
    assert_accessible,
    committed,
    fresh_totp_code,
    new_context,
    watch,
)
from tests.casework.factories import submission, submit
from tests.support import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db]


def api_get(live_site: LiveServer, path: str, key: str) -> tuple[int, Any]:
    """A provider's own system calling the API (the host name is sent, not resolved)."""
    conn = http.client.HTTPConnection("127.0.0.1", live_site.port, timeout=10)
    try:
        conn.request(
            "GET",
            path,
            headers={"Host": f"{live_site.alpha_host}:{live_site.port}", "Authorization": f"Bearer {key}"},
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def shared_cases(
    world: World,
    live_site: LiveServer,
    django_db_blocker,  # type: ignore[no-untyped-def]
) -> Iterator[dict[str, str]]:
    """Two consented complaints and one without consent, committed at alpha."""

    def make() -> dict[str, str]:
        return {
            "shared": submit(world.alpha).complaint.reference,
            "attitude": submit(
                world.alpha, submission=submission(category_code="attitude")
            ).complaint.reference,
            "pending": submit(
                world.alpha, submission=submission(consent=Consent.PENDING)
            ).complaint.reference,
            "english": submit(world.alpha, submission=submission(language="en")).complaint.reference,
        }

    with django_db_blocker.unblock():
        cases = committed(make)
    yield cases

    def remove() -> None:
        for row in CaseIndex.objects.filter(reference__in=cases.values()):
            with schema_context(world.alpha.schema_name):
                Complaint.objects.filter(pk=row.case_id).delete()
            OutboxMessage.objects.filter(
                schema_name=world.alpha.schema_name, kwargs__complaint_id=row.case_id
            ).delete()
            row.delete()
        ProviderApiKey.objects.filter(provider=world.alpha).delete()

    with django_db_blocker.unblock():
        committed(remove)


@pytest.fixture(scope="module")
def admin_state(browser: Browser, live_site: LiveServer, world: World) -> dict:
    context = new_context(browser)
    page = context.new_page()
    page.goto(live_site.alpha("/accounts/login/"))
    page.get_by_label("E-mail").fill(world.alpha_admin.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.get_by_label("Code").fill(fresh_totp_code())
    page.get_by_role("button", name="Inloggen", exact=True).click()
    expect(page.get_by_role("link", name="Uitloggen")).to_be_visible()
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def admin_page(browser: Browser, admin_state: dict) -> Iterator[Page]:
    context = new_context(browser, storage_state=admin_state)
    yield watch(context.new_page())
    context.close()


def test_provider_lists_searches_and_opens_consented_complaints_only(
    admin_page: Page, live_site: LiveServer, shared_cases: dict[str, str]
) -> None:
    page = admin_page
    page.goto(live_site.alpha("/"))
    page.get_by_role("link", name="Klachten", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Klachten")).to_be_visible()
    table = page.get_by_role("table")
    expect(table.get_by_role("link", name=shared_cases["shared"])).to_be_visible()
    expect(table.get_by_role("link", name=shared_cases["attitude"])).to_be_visible()
    expect(page.get_by_text(shared_cases["pending"])).to_have_count(0)
    assert_accessible(page, "provider-complaints")

    page.get_by_label("Categorie", exact=True).select_option("attitude")
    page.get_by_role("button", name="Zoeken").click()
    expect(page.locator("#complaint-count")).to_have_text("1 klacht")
    assert_accessible(page, "provider-complaints-search")

    page.get_by_label("Zoek op kenmerk of categorie").fill(shared_cases["pending"])
    page.get_by_label("Categorie", exact=True).select_option("")
    page.get_by_role("button", name="Zoeken").click()
    expect(page.locator("#complaint-count")).to_have_text("0 klachten")

    page.get_by_role("link", name="Zoekopdracht wissen").click()
    page.get_by_role("link", name=shared_cases["shared"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Klacht {shared_cases['shared']}")
    expect(page.get_by_text("Jan Jansen")).to_be_visible()
    assert_accessible(page, "provider-complaint-detail")

    missing = page.goto(live_site.alpha(f"/klachten/{shared_cases['pending']}/"))
    assert missing is not None and missing.status == 404


def test_the_decision_page_tells_the_writer_which_language_the_complainant_reads(
    admin_page: Page, live_site: LiveServer, shared_cases: dict[str, str]
) -> None:
    page = admin_page
    page.goto(live_site.alpha(f"/klachten/{shared_cases['english']}/oordeel/"))
    expect(page.get_by_text("De klager leest het liefst in het Engels.")).to_be_visible()
    # The letter's language starts as the complainant's; its headings follow it.
    expect(page.get_by_label("Taal van het oordeel")).to_have_value("en")
    assert_accessible(page, "provider-decision-language")


def test_provider_admin_makes_and_revokes_an_api_key(
    admin_page: Page, live_site: LiveServer, shared_cases: dict[str, str]
) -> None:
    page = admin_page
    page.goto(live_site.alpha("/klachten/"))
    page.get_by_role("link", name="API-sleutels voor uw eigen systemen beheren").click()
    expect(page.get_by_role("heading", level=1, name="API-sleutels")).to_be_visible()
    assert_accessible(page, "provider-api-keys-empty")

    page.get_by_label("Naam van de sleutel").fill("EPD-koppeling")
    page.get_by_role("button", name="Sleutel maken").click()
    # A new key is a credential: allauth asks for the password again, then carries on with the form.
    expect(page.get_by_role("heading", level=1, name="Toegang bevestigen")).to_be_visible()
    assert_accessible(page, "provider-api-key-reauthenticate")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Bevestigen").click()
    key = page.locator("#new-key").inner_text()
    assert re.fullmatch(r"kp_[0-9a-f]{8}_[\w-]{40,}", key)
    assert_accessible(page, "provider-api-key-created")

    status, body = api_get(live_site, "/api/v1/cases", key)
    assert status == 200
    references = {case["reference"] for case in body["items"]}
    assert shared_cases["shared"] in references and shared_cases["pending"] not in references

    page.get_by_role("button", name="Intrekken: sleutel EPD-koppeling").click()
    expect(page.get_by_role("status").filter(has_text="ingetrokken")).to_be_visible()
    assert_accessible(page, "provider-api-key-revoked")
    assert api_get(live_site, "/api/v1/cases", key)[0] == 401


def test_provider_admin_gives_a_role_and_records_the_handler_of_a_complaint(
    admin_page: Page,
    live_site: LiveServer,
    shared_cases: dict[str, str],
    world: World,
    django_db_blocker,  # type: ignore[no-untyped-def]
) -> None:
    staff = world.alpha_staff_no_mfa
    page = admin_page
    try:
        page.goto(live_site.alpha("/"))
        page.get_by_role("link", name="Gebruikers", exact=True).click()
        expect(page.get_by_role("heading", level=1, name="Gebruikers en rollen")).to_be_visible()
        assert_accessible(page, "provider-member-roles")
        member = page.get_by_role("form", name=str(staff))
        member.get_by_label("Klachtbehandelaar").check()
        member.get_by_role("button", name=f"Rollen van {staff} opslaan").click()
        expect(page.get_by_role("status").filter(has_text="De rollen zijn opgeslagen")).to_be_visible()
        expect(page.get_by_role("form", name=str(staff)).get_by_label("Klachtbehandelaar")).to_be_checked()

        page.goto(live_site.alpha(f"/klachten/{shared_cases['shared']}/"))
        panel = page.get_by_role("region", name="Wie werkt aan deze klacht")
        panel.get_by_label("Medewerker").select_option(str(staff.pk))
        panel.get_by_label("Rol bij deze klacht").select_option("handler")
        panel.get_by_role("button", name="Vastleggen").click()
        expect(
            page.get_by_role("status").filter(has_text="Vastgelegd wie aan deze klacht werkt")
        ).to_be_visible()
        expect(panel.get_by_text(f"{staff}: Klachtbehandelaar")).to_be_visible()
        assert_accessible(page, "provider-complaint-participants")
    finally:

        def restore() -> None:
            from casework.models import ComplaintParticipant
            from tenants.models import ProviderMembership

            ProviderMembership.objects.filter(user=staff, provider=world.alpha).update(roles=[])
            with schema_context(world.alpha.schema_name):
                ComplaintParticipant.objects.filter(user_id=staff.pk).delete()

        with django_db_blocker.unblock():
            committed(restore)
