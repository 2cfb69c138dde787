"""A complainant on Klachtpunt's own site reaches a provider's complaint form without an account."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db]


def test_complainant_files_from_the_platform_without_an_account(page: Page, live_site: LiveServer) -> None:
    page.goto(live_site.url("/"))
    page.get_by_role("link", name="Dien hier een klacht in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("heading", name="Klacht indienen")).to_be_visible()
    page.get_by_label("Naam of plaats van de zorgaanbieder").fill("Utrecht")
    page.get_by_role("button", name="Zoeken").click()
    expect(page.get_by_role("link", name="Mijn klachten")).to_be_visible()
    assert_accessible(page, "platform-file-start")
    page.get_by_role("link", name="Zorg Alpha").click()
    expect(page).to_have_url(live_site.alpha("/klacht/"))
    expect(page.get_by_text("U hebt geen account nodig.")).to_be_visible()
