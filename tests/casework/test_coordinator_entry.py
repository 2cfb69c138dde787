"""A coordinator records a complaint received by phone, letter or e-mail."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.services import totp_activate, user_create
from casework.index.models import CaseIndex, Channel, Consent, Track
from casework.models import Complaint, ConsentRecord
from reference.deadline_rules import decision_deadline
from tenants.clusters import schema_context
from tests.casework.factories import WHAT_HAPPENED
from tests.support import PASSWORD, World, submit_totp

pytestmark = pytest.mark.django_db

ENTRY = "/werkplek/klachten/nieuw/"


@pytest.fixture
def coordinator_client(world: World) -> Client:
    """The coordinator, logged in with password and TOTP as a person would."""
    client = Client(HTTP_HOST="localhost")
    response = client.post("/accounts/login/", {"login": world.coordinator.email, "password": PASSWORD})
    assert response.url == "/accounts/2fa/authenticate/"
    assert submit_totp(client, response.url).status_code == 302
    return client


def entry_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "form_key": "coordinator-form-key-0001",
        "channel": Channel.PHONE,
        "received_on": timezone.localdate().isoformat(),
        "complainant_kind": "client",
        "complainant_name": "Mevrouw De Vries",
        "complainant_phone": "06 12345678",
        "what_happened": WHAT_HAPPENED,
        "law": "unknown",
        "goal": "be_heard",
        "track": Track.INFORMAL,
        "consent": Consent.PENDING,
    }
    data.update(overrides)
    return data


def test_coordinator_finds_the_provider_then_gets_the_form(coordinator_client: Client) -> None:
    found = coordinator_client.get(ENTRY, {"q": "Leiden"}).content.decode()
    assert f'href="{ENTRY}beta/"' in found
    form = coordinator_client.get(f"{ENTRY}beta/")
    html = form.content.decode()
    assert form.status_code == 200
    assert 'name="channel"' in html and 'name="received_on"' in html
    assert 'value="pending"' in html and "Nog niet gevraagd" in html
    assert "Naam van de klager" in html


def test_phone_complaint_with_only_a_phone_number(world: World, coordinator_client: Client) -> None:
    response = coordinator_client.post(f"{ENTRY}alpha/", entry_post())
    assert response.status_code == 200
    html = response.content.decode()
    reference = re.search(r"KP-\d{4}-\d{6}", html).group(0)
    assert "no-store" in response["Cache-Control"]
    row = CaseIndex.objects.get(reference=reference)
    assert row.channel == Channel.PHONE and row.consent == Consent.PENDING and row.complainant_user is None
    with schema_context(world.alpha.schema_name):
        complaint = Complaint.objects.get(reference=reference)
        assert complaint.entered_by_user_id == world.coordinator.pk
        assert complaint.complainant_email == "" and complaint.complainant_phone == "06 12345678"
        assert not ConsentRecord.objects.filter(complaint=complaint).exists()
    # The link to pass on works on the provider's host.
    link = re.search(r"http://alpha\.localhost:\d+(/volg/[A-Za-z0-9_-]+/)", html).group(1)
    followed = Client(HTTP_HOST=world.alpha_host).get(link)
    assert followed.status_code == 200 and reference in followed.content.decode()


def test_entry_needs_an_email_or_a_phone_number(coordinator_client: Client) -> None:
    page = coordinator_client.post(f"{ENTRY}alpha/", entry_post(complainant_phone=""))
    html = page.content.decode()
    assert page.status_code == 200 and "Vul een e-mailadres of telefoonnummer in." in html
    assert 'value="Mevrouw De Vries"' in html
    assert not CaseIndex.objects.filter(channel=Channel.PHONE).exists()


def test_letter_with_consent_records_it_on_behalf_and_keeps_the_day_received(
    world: World, coordinator_client: Client
) -> None:
    arrived = timezone.localdate() - datetime.timedelta(days=3)
    response = coordinator_client.post(
        f"{ENTRY}beta/",
        entry_post(
            channel=Channel.LETTER,
            received_on=arrived.isoformat(),
            consent=Consent.GIVEN,
            track=Track.FORMAL,
            complainant_email="devries@example.nl",
        ),
    )
    reference = re.search(r"KP-\d{4}-\d{6}", response.content.decode()).group(0)
    row = CaseIndex.objects.get(reference=reference)
    assert row.channel == Channel.LETTER and row.consent == Consent.GIVEN
    assert timezone.localtime(row.received_at).date() == arrived
    # The consent came in the letter itself: the clock runs from the day the letter arrived,
    # not from the day it was entered.
    assert row.formal_received_on == arrived and row.deadline == decision_deadline(arrived, "unknown")
    with schema_context(world.beta.schema_name):
        record = ConsentRecord.objects.get(complaint_id=row.case_id)
    assert record.on_behalf_of_complainant and record.recorded_by_user_id == world.coordinator.pk
    assert record.recorded_via == Channel.LETTER


def test_received_date_cannot_be_in_the_future(coordinator_client: Client) -> None:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page = coordinator_client.post(f"{ENTRY}alpha/", entry_post(received_on=tomorrow.isoformat()))
    assert "Deze datum ligt in de toekomst." in page.content.decode()


def test_resubmitting_the_entry_makes_one_complaint_and_still_shows_a_link(
    coordinator_client: Client,
) -> None:
    first = coordinator_client.post(f"{ENTRY}alpha/", entry_post())
    second = coordinator_client.post(f"{ENTRY}alpha/", entry_post())
    references = {re.search(r"KP-\d{4}-\d{6}", r.content.decode()).group(0) for r in (first, second)}
    assert len(references) == 1
    assert CaseIndex.objects.filter(reference__in=references).count() == 1
    assert "/volg/" in second.content.decode()


def test_non_coordinators_are_refused(world: World) -> None:
    anonymous = Client(HTTP_HOST="localhost")
    response = anonymous.get(ENTRY)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    complainant = Client(HTTP_HOST="localhost")
    complainant.force_login(world.complainant)
    assert complainant.get(ENTRY).status_code == 403
    assert complainant.post(f"{ENTRY}alpha/", entry_post()).status_code == 403
    professional = user_create(email="prof@klachtpunt.test", password=PASSWORD, roles=["professional"])
    totp_activate(user=professional)
    client = Client(HTTP_HOST="localhost")
    client.force_login(professional)
    assert client.get(ENTRY).status_code == 403
    assert not CaseIndex.objects.filter(channel=Channel.PHONE).exists()


def test_workspace_links_coordinators_to_the_entry(coordinator_client: Client) -> None:
    assert f'href="{ENTRY}"' in coordinator_client.get("/werkplek/").content.decode()
