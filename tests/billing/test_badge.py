"""The membership badge and its verification page: live from the membership, public, no personal data."""

from __future__ import annotations

import pytest
from django.test import Client

from billing.memberships import membership_create
from billing.models import Membership, MembershipStatus
from tests.support import World

pytestmark = pytest.mark.django_db


def test_an_active_membership_shows_active_with_its_services(world: World, platform_client: Client) -> None:
    membership_create(provider=world.alpha, services=["officer", "dpo"], status=MembershipStatus.ACTIVE)
    page = platform_client.get("/lidmaatschap/alpha/")
    html = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "Ja. Het lidmaatschap is actief." in html and "Zorg Alpha, Utrecht" in html
    assert "Klachtenfunctionaris, Functionaris gegevensbescherming" in html
    assert "http://alpha." in html and "/klachtenregeling/" in html
    # Nothing about the people behind it.
    assert world.alpha_admin.email not in html
    badge = platform_client.get("/lidmaatschap/alpha/badge.svg")
    svg = badge.content.decode()
    assert badge["Content-Type"].startswith("image/svg+xml")
    assert badge["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert svg.startswith("<svg") and "Lidmaatschap actief" in svg and "<title>" in svg


@pytest.mark.parametrize("status", [MembershipStatus.CANCELLED, MembershipStatus.PAST_DUE])
def test_a_lapsed_membership_says_so_on_the_page_and_the_badge(
    world: World, platform_client: Client, status: str
) -> None:
    membership_create(provider=world.alpha, services=["officer"], status=MembershipStatus.ACTIVE)
    membership = Membership.objects.get(provider=world.alpha)
    assert "Lidmaatschap actief" in platform_client.get("/lidmaatschap/alpha/badge.svg").content.decode()
    # Live: the next request reads the new status.
    membership.status = status
    membership.save()
    html = platform_client.get("/lidmaatschap/alpha/").content.decode()
    assert "Het lidmaatschap is verlopen." in html and "Geen actieve diensten" in html
    assert "Lidmaatschap verlopen" in platform_client.get("/lidmaatschap/alpha/badge.svg").content.decode()


def test_a_provider_without_membership_and_unknown_slugs(world: World, platform_client: Client) -> None:
    html = platform_client.get("/lidmaatschap/beta/").content.decode()
    assert "geen actief lidmaatschap" in html
    assert "Geen actief lidmaatschap" in platform_client.get("/lidmaatschap/beta/badge.svg").content.decode()
    assert platform_client.get("/lidmaatschap/bestaat-niet/").status_code == 404
    assert platform_client.get("/lidmaatschap/platform/badge.svg").status_code == 404
