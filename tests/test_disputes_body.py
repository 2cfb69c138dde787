"""The disputes body (Wkkgz art. 18): the platform's list, sign-up, the admin's settings page and its log."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.test import Client

from reference.models import DisputesBody
from tenants.models import Provider, ProviderAuditEvent
from tenants.services import provider_disputes_body_set
from tests.casework.factories_decision import login
from tests.support import World

pytestmark = pytest.mark.django_db

SEEDED = "De Geschillencommissie Zorg Algemeen"
ZORGGESCHIL = "Geschilleninstantie Zorggeschil (Stichting Zorggeschil)"


def _settings_page(world: World) -> Client:
    return login(Client(HTTP_HOST=world.alpha_host), world.alpha_admin.email)


def test_the_platform_list_is_seeded_with_real_bodies_marked_to_be_confirmed() -> None:
    seeded = {body.name: body for body in DisputesBody.objects.all()}
    assert {SEEDED, ZORGGESCHIL} <= set(seeded)
    general = seeded[SEEDED]
    assert general.website == "https://www.degeschillencommissiezorg.nl"
    # Nothing was checked against the bodies' own publications: every row says so.
    assert all(body.to_be_confirmed for body in seeded.values())
    assert "nog te bevestigen" in general.fee
    assert general.contact_lines()[:2] == ["Postbus 90600", "2509 LP Den Haag"]


def test_free_text_from_before_the_list_is_matched_or_kept_and_flagged(world: World) -> None:
    migration = importlib.import_module("tenants.migrations.0007_disputes_body_from_list_audit")
    Provider.objects.filter(pk=world.alpha.pk).update(
        disputes_body=None, disputes_body_unmatched="zorggeschil"
    )
    Provider.objects.filter(pk=world.beta.pk).update(
        disputes_body=None, disputes_body_unmatched="Geschilleninstantie van de buurman"
    )
    migration.match_free_text(apps, None)
    alpha = Provider.objects.select_related("disputes_body").get(pk=world.alpha.pk)
    beta = Provider.objects.get(pk=world.beta.pk)
    assert alpha.disputes_body.name == ZORGGESCHIL and alpha.disputes_body_unmatched == ""
    assert beta.disputes_body is None and beta.disputes_body_unmatched == "Geschilleninstantie van de buurman"


def test_signup_requires_a_disputes_body_from_the_list(platform_client: Client) -> None:
    page = platform_client.get("/aanmelden/").content.decode()
    assert SEEDED in page and 'name="disputes_body"' in page
    response = platform_client.post("/aanmelden/", {"organisation_name": "Zorggroep Gamma"})
    assert response.status_code == 200
    assert "Kies uw geschilleninstantie." in response.content.decode()
    response = platform_client.post("/aanmelden/", {"disputes_body": "Mijn eigen instantie"})
    assert "Kies uw geschilleninstantie." not in response.content.decode()
    assert response.context["form"].errors["disputes_body"]


def test_admin_changes_the_disputes_body_and_the_change_is_logged(world: World) -> None:
    client = _settings_page(world)
    Provider.objects.filter(pk=world.alpha.pk).update(disputes_body_unmatched="Oude naam die niets is")
    page = client.get("/instellingen/geschilleninstantie/").content.decode()
    assert "Oude naam die niets is" in page and "nog geen geschilleninstantie gekozen" in page
    body = DisputesBody.objects.get(name=ZORGGESCHIL)
    response = client.post("/instellingen/geschilleninstantie/", {"disputes_body": body.pk}, follow=True)
    assert (
        response.status_code == 200 and "De geschilleninstantie is opgeslagen." in response.content.decode()
    )
    alpha = Provider.objects.get(pk=world.alpha.pk)
    assert alpha.disputes_body_id == body.pk and alpha.disputes_body_unmatched == ""
    [event] = ProviderAuditEvent.objects.filter(provider=world.alpha)
    assert event.action == ProviderAuditEvent.Action.DISPUTES_BODY_CHANGED
    assert event.actor_id == world.alpha_admin.pk and event.actor_label == "Admin Alpha"
    assert event.data == {
        "from": None,
        "to": {"id": body.pk, "name": ZORGGESCHIL},
        "from_unmatched_text": "Oude naam die niets is",
    }
    # The page shows the chosen body with its contact details, and the change in its history.
    page = response.content.decode()
    assert "https://www.zorggeschil.nl" in page and "Admin Alpha" in page
    # Saving the same body again changes and logs nothing.
    client.post("/instellingen/geschilleninstantie/", {"disputes_body": body.pk})
    assert ProviderAuditEvent.objects.filter(provider=world.alpha).count() == 1
    # Another provider's log is untouched.
    assert not ProviderAuditEvent.objects.filter(provider=world.beta).exists()


def test_a_body_the_platform_no_longer_offers_cannot_be_chosen(world: World) -> None:
    retired = DisputesBody.objects.create(
        name="Opgeheven instantie",
        sector="Alle zorg",
        address="Postbus 1",
        website="https://x.example",
        fee="-",
    )
    retired.active = False
    retired.save()
    client = _settings_page(world)
    response = client.post("/instellingen/geschilleninstantie/", {"disputes_body": retired.pk})
    assert response.status_code == 400
    assert Provider.objects.get(pk=world.alpha.pk).disputes_body_id != retired.pk
    with pytest.raises(ValidationError):
        provider_disputes_body_set(provider=world.alpha, disputes_body=retired, actor=world.alpha_admin)
    assert not ProviderAuditEvent.objects.filter(provider=world.alpha).exists()


def test_only_the_provider_admin_reaches_the_disputes_body_settings(world: World) -> None:
    staff = login(Client(HTTP_HOST=world.alpha_host), world.alpha_staff_no_mfa.email, totp=False)
    body = DisputesBody.objects.get(name=SEEDED)
    response = staff.post("/instellingen/geschilleninstantie/", {"disputes_body": body.pk})
    assert response.status_code in (302, 403)
    assert Provider.objects.get(pk=world.alpha.pk).disputes_body_id != body.pk
    # The admin of another provider is no member here.
    other = login(Client(HTTP_HOST=world.alpha_host), world.beta_admin.email)
    assert other.get("/instellingen/geschilleninstantie/").status_code in (403, 404)
