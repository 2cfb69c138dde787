"""The dpo service on the landing page, at sign-up, and on the provider once bought."""

from __future__ import annotations

import pytest
from django.test import Client

from billing.memberships import membership_service_add, membership_service_remove
from tests.support import World

pytestmark = pytest.mark.django_db


def test_landing_page_says_what_the_dpo_service_does_and_prices_it(platform_client: Client) -> None:
    page = platform_client.get("/").content.decode()
    assert "Functionaris gegevensbescherming" in page
    assert "72 uur" in page and "één maand" in page
    row = page.split("Lidmaatschap functionaris gegevensbescherming (per jaar)")[1].split("</tr>")[0]
    assert "€&nbsp;395,00" in row or "€&nbsp;395.00" in row
    assert "Op aanvraag" not in row


def test_signup_form_offers_the_dpo_service(platform_client: Client) -> None:
    page = platform_client.get("/aanmelden/").content.decode()
    assert 'value="dpo"' in page


def test_buying_and_stopping_the_dpo_service_is_written_onto_the_provider(world: World) -> None:
    membership_service_add(provider=world.alpha, service="officer")
    membership_service_add(provider=world.alpha, service="dpo")
    world.alpha.refresh_from_db()
    assert world.alpha.services == ["dpo", "officer"]
    membership_service_remove(provider=world.alpha, service="dpo")
    world.alpha.refresh_from_db()
    assert world.alpha.services == ["officer"]
