"""Filing from Klachtpunt's own site needs no account; dead ends say how to reach Klachtpunt."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from tests.support import World

pytestmark = pytest.mark.django_db


def test_landing_file_link_leads_to_filing_without_a_login(world: World, platform_client: Client) -> None:
    landing = platform_client.get("/").content.decode()
    link = re.search(r'<a[^>]*href="([^"]+)"[^>]*>Dien hier een klacht in</a>', landing)
    assert link is not None
    start = platform_client.get(link.group(1))
    # Anonymous: the page itself, not a redirect to the login page.
    assert start.status_code == 200
    body = start.content.decode()
    assert "geen account nodig" in body
    assert 'href="/mijn-klachten/"' in body  # "Mijn klachten" stays the second way in


def test_public_provider_search_links_to_the_providers_own_form(
    world: World, platform_client: Client
) -> None:
    body = platform_client.get("/klacht/", {"q": "Alpha"}).content.decode()
    expected = f"http://alpha.{settings.PLATFORM_DOMAIN}"
    assert re.search(rf'href="{re.escape(expected)}(:\d+)?/klacht/"', body)
    assert "Zorg Beta" not in body
    # The provider's form, reached anonymously, is the filing form itself.
    form = Client(HTTP_HOST=world.alpha_host).get("/klacht/")
    assert form.status_code == 200 and "geen account nodig" in form.content.decode().lower()


def test_broken_link_page_and_footer_give_phone_and_address(world: World, alpha_client: Client) -> None:
    page = alpha_client.get("/volg/dit-is-geen-geldige-link/").content.decode()
    main, _, footer = page.partition('class="site-footer"')
    assert settings.KLACHTPUNT_CONTACT_PHONE in main and settings.KLACHTPUNT_CONTACT_ADDRESS in main
    assert settings.KLACHTPUNT_CONTACT_PHONE in footer and settings.KLACHTPUNT_CONTACT_ADDRESS in footer
