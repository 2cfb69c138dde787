"""Contract end in headless Chromium: from the subscription page to the export and the deletion request.

The provider admin makes an export (built by the task after commit, in the server), sees it
ready with its checksum, asks for deletion (typing the slug) and withdraws it again; every
state is checked with axe-core, in Dutch, and the page once in English. The export and its
record are removed afterwards; nothing is deleted (the confirmation period never passes).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from casework.models import TenantExport
from casework.reports.tenant_exit.services import export_folder
from tenants.clusters import schema_context
from tenants.models import ProviderDeletionRequest
from tests.browser.conftest import (
    LiveServer,
    assert_accessible,
    committed,
    fresh_totp_code,
    new_context,
    watch,
)
from tests.support import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db]


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
def admin_page(browser: Browser, admin_state: dict, world: World, django_db_blocker: Any) -> Iterator[Page]:
    context = new_context(browser, storage_state=admin_state)
    yield watch(context.new_page())
    context.close()

    def remove() -> None:
        ProviderDeletionRequest.objects.filter(provider=world.alpha).delete()
        with schema_context(world.alpha.schema_name):
            TenantExport.objects.all().delete()
        shutil.rmtree(export_folder(world.alpha.schema_name), ignore_errors=True)

    with django_db_blocker.unblock():
        committed(remove)


def test_provider_admin_exports_asks_for_deletion_and_withdraws_it(
    admin_page: Page, browser: Browser, admin_state: dict, live_site: LiveServer, world: World
) -> None:
    page = admin_page
    page.goto(live_site.alpha("/instellingen/abonnement/"))
    page.get_by_role("link", name="Export en verwijderen").click()
    expect(page.get_by_role("heading", level=1, name="Einde contract: export en verwijderen")).to_be_visible()
    expect(page.get_by_role("button", name="Verwijderen aanvragen")).to_have_count(0)
    assert_accessible(page, "provider-exit-start")

    page.get_by_role("button", name="Maak een export").click()
    # The export is made by the task after commit (Celery runs eagerly in the test server): pg_dump.
    expect(page.get_by_role("status").filter(has_text="De export wordt gemaakt")).to_be_visible(
        timeout=120_000
    )
    expect(page.get_by_role("table").get_by_role("cell", name="Klaar")).to_be_visible()
    expect(page.get_by_role("link", name="Download de nieuwste export")).to_be_visible()
    assert_accessible(page, "provider-exit-export-ready")

    page.get_by_label("Typ ter bevestiging de adres-naam van uw organisatie").fill(world.alpha.slug)
    page.get_by_role("button", name="Verwijderen aanvragen").click()
    expect(
        page.get_by_role("status").filter(has_text="Uw verzoek om te verwijderen is vastgelegd")
    ).to_be_visible()
    expect(page.get_by_text("Tot die dag kunt u het verzoek intrekken")).to_be_visible()
    assert_accessible(page, "provider-exit-deletion-requested")

    page.get_by_role("button", name="Verzoek intrekken").click()
    expect(page.get_by_role("status").filter(has_text="Er wordt niets verwijderd")).to_be_visible()
    expect(page.get_by_role("button", name="Verwijderen aanvragen")).to_be_visible()

    english = browser.new_context(
        locale="en-GB", viewport={"width": 1280, "height": 900}, storage_state=admin_state
    )
    try:
        page_en = watch(english.new_page())
        page_en.goto(live_site.alpha("/instellingen/abonnement/einde/"))
        expect(
            page_en.get_by_role("heading", level=1, name="End of contract: export and deletion")
        ).to_be_visible()
        expect(page_en.get_by_role("link", name="Download the newest export")).to_be_visible()
        assert_accessible(page_en, "provider-exit-english")
    finally:
        english.close()
