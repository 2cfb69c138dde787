"""AVG requests filed in the complainant's portal (Mijn klachten) by a signed-in person."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.services import user_create
from casework.dossier.access_log import AccessChannel, Event
from casework.index.models import CaseIndex, CaseKind
from casework.models import AccessLogEntry, PrivacyRequest
from tenants.clusters import schema_context
from tests.privacy.conftest import Dpo
from tests.support import PASSWORD, World

pytestmark = pytest.mark.django_db

FORM_KEY = "portal-avg-key-000000001"
URL = "/avg-verzoek-indienen/alpha/"


def request_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "form_key": FORM_KEY,
        "kind": PrivacyRequest.Kind.ACCESS,
        "requester_name": "Jan Jansen",
        "requester_email": "klager@example.test",
        "description": "Ik wil mijn cliëntdossier van 2025 inzien.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def complainant_client(world: World) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(world.complainant)
    return client


def test_a_signed_in_person_files_a_request_and_finds_it_in_mijn_klachten(
    world: World, dpo: Dpo, complainant_client: Client
) -> None:
    form = complainant_client.get(URL)
    assert form.status_code == 200
    assert world.complainant.email in form.content.decode()  # prefilled from the account

    response = complainant_client.post(URL, request_post(), follow=True)
    assert response.redirect_chain[-1][0] == "/mijn-klachten/"
    row = CaseIndex.every_kind.get(kind=CaseKind.DSR, complainant_user=world.complainant)
    with schema_context(world.alpha.schema_name):
        record = PrivacyRequest.objects.get(pk=row.case_id)
        assert record.via == PrivacyRequest.Via.PORTAL
        assert record.requester_user_id == world.complainant.pk
        # Filing is in the access log, inside the same transaction as the request.
        assert AccessLogEntry.objects.filter(
            reference=record.reference, event=Event.CREATE, channel=AccessChannel.COMPLAINANT_PORTAL
        ).exists()
    html = response.content.decode()
    assert "Mijn privacyverzoeken" in html and row.reference in html
    assert f"Uw verzoek {row.reference} is ontvangen" in html


def test_resubmitting_one_rendering_files_one_request_and_the_key_is_the_users_own(
    world: World, dpo: Dpo, complainant_client: Client
) -> None:
    complainant_client.post(URL, request_post())
    complainant_client.post(URL, request_post())
    assert CaseIndex.every_kind.filter(kind=CaseKind.DSR, complainant_user=world.complainant).count() == 1

    other = user_create(email="ander@example.test", password=PASSWORD)
    client = Client(HTTP_HOST="localhost")
    client.force_login(other)
    response = client.post(URL, request_post(requester_email=other.email), follow=True)
    mine = CaseIndex.every_kind.filter(kind=CaseKind.DSR, complainant_user=other)
    assert mine.count() == 1  # the same form key gives the other user their own request
    html = response.content.decode()
    assert mine.get().reference in html
    theirs = CaseIndex.every_kind.get(kind=CaseKind.DSR, complainant_user=world.complainant)
    assert theirs.reference not in html


def test_bad_input_keeps_what_was_entered_and_names_the_field(
    world: World, dpo: Dpo, complainant_client: Client
) -> None:
    response = complainant_client.post(URL, request_post(kind="", description="Mijn dossier graag"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Controleer wat u heeft ingevuld" in html and "Mijn dossier graag" in html
    assert not CaseIndex.every_kind.filter(kind=CaseKind.DSR, complainant_user=world.complainant).exists()


def test_a_provider_without_the_dpo_service_takes_no_portal_request(
    world: World, complainant_client: Client
) -> None:
    assert complainant_client.get(URL).status_code == 404
    assert complainant_client.post(URL, request_post()).status_code == 404
    assert "Doe een privacyverzoek" not in complainant_client.get("/klacht-indienen/alpha/").content.decode()


def test_the_complaint_form_points_to_a_request_when_the_provider_has_the_dpo_service(
    dpo: Dpo, complainant_client: Client
) -> None:
    html = complainant_client.get("/klacht-indienen/alpha/").content.decode()
    assert f'href="{URL}"' in html


def test_the_portal_request_page_needs_a_login(dpo: Dpo, platform_client: Client) -> None:
    response = platform_client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response.url
