"""The dpo service on a provider's host: the request form next to the complaint form, and the register."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from casework.index.models import CaseIndex
from casework.models import AccessLogEntry, Breach, PrivacyRequest
from reference import avg_terms
from tenants.clusters import schema_context
from tenants.models import Provider
from tests.casework.widget_support import hidden_fields, post_form
from tests.privacy.conftest import Dpo, make_breach
from tests.support import World

pytestmark = pytest.mark.django_db

REQUEST_FIELDS = {
    "kind": "access",
    "requester_name": "Sara Yilmaz",
    "requester_email": "sara@example.nl",
    "requester_phone": "",
    "on_behalf_of": "",
    "description": "Ik wil een kopie van mijn gegevens.",
}


def test_widget_offers_a_data_subject_request_next_to_a_complaint_only_with_the_dpo_service(
    dpo: Dpo, world: World, alpha_client: Client, beta_client: Client
) -> None:
    page = alpha_client.get("/widget/").content.decode()
    assert "/widget/avg-verzoek/" in page
    assert "/widget/avg-verzoek/" not in beta_client.get("/widget/").content.decode()
    assert beta_client.get("/widget/avg-verzoek/").status_code == 404


def test_art_12_3_widget_request_is_received_with_its_term_once_per_submission(
    dpo: Dpo, alpha_client: Client
) -> None:
    page = alpha_client.get("/widget/avg-verzoek/").content.decode()
    data = {**hidden_fields(page), **REQUEST_FIELDS}
    first = post_form(alpha_client, data, path="/widget/avg-verzoek/")
    assert first.status_code == 201, first.content.decode()[:2000]
    again = post_form(alpha_client, data, path="/widget/avg-verzoek/")
    assert again.status_code == 200
    with schema_context(dpo.provider.schema_name):
        [request] = PrivacyRequest.objects.filter(requester_name="Sara Yilmaz")
        assert request.via == "widget" and request.received_on == timezone.localdate()
        assert AccessLogEntry.objects.filter(reference=request.reference, channel="widget").count() == 1
    due = avg_terms.request_due(request.received_on)
    assert CaseIndex.every_kind.get(reference=request.reference).deadline == due
    assert request.reference in first.content.decode()


def test_widget_request_without_the_security_check_is_refused(dpo: Dpo, alpha_client: Client) -> None:
    response = post_form(alpha_client, dict(REQUEST_FIELDS), path="/widget/avg-verzoek/")
    assert response.status_code in (400, 403)
    with schema_context(dpo.provider.schema_name):
        assert not PrivacyRequest.objects.filter(requester_name="Sara Yilmaz").exists()


def test_provider_member_reports_a_breach_and_sees_its_register(dpo: Dpo, world: World) -> None:
    client = Client(HTTP_HOST=world.alpha_host)
    client.force_login(world.alpha_admin)
    aware = timezone.localtime() - timezone.timedelta(hours=3)
    response = client.post(
        "/privacy/datalek/",
        {
            "kind": "confidentiality",
            "aware_at": aware.strftime("%Y-%m-%dT%H:%M"),
            "occurred_at": "",
            "what_happened": "Een map met dossiers lag in de trein.",
            "data_categories": "Dossiers",
            "people_categories": "Cliënten",
            "people_approx": "12",
            "records_approx": "12",
            "likely_consequences": "Inzage door onbevoegden.",
            "measures": "NS gebeld, map teruggevonden.",
            "contact": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with schema_context(dpo.provider.schema_name):
        breach = Breach.objects.get(what_happened="Een map met dossiers lag in de trein.")
    assert CaseIndex.every_kind.get(reference=breach.reference).assignee_id is None
    register = client.get("/privacy/").content.decode()
    assert breach.reference in register


def test_provider_without_the_dpo_service_has_no_privacy_pages(world: World) -> None:
    Provider.objects.filter(pk=world.beta.pk).update(services=["officer"])
    client = Client(HTTP_HOST=world.beta_host)
    client.force_login(world.beta_admin)
    assert client.get("/privacy/").status_code == 404


def test_provider_admin_reads_its_dpo_annual_report_next_to_the_complaints_report(
    dpo: Dpo, world: World
) -> None:
    make_breach(dpo, hours_ago=1)
    client = Client(HTTP_HOST=world.alpha_host)
    client.force_login(world.alpha_admin)
    year = timezone.localdate().year
    page = client.get(f"/privacy/jaarverslag/{year}/")
    assert page.status_code == 200 and "Vertrouwelijkheid" in page.content.decode()
    pdf = client.get(f"/privacy/jaarverslag/{year}/?formaat=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    complaints_report = client.get(f"/rapportage/{year}/")
    assert complaints_report.status_code == 200
    assert f"/privacy/jaarverslag/{year}/" in complaints_report.content.decode()


def test_widget_request_without_any_way_to_reach_the_requester_is_refused(
    dpo: Dpo, alpha_client: Client
) -> None:
    page = alpha_client.get("/widget/avg-verzoek/").content.decode()
    data = {**hidden_fields(page), **REQUEST_FIELDS, "requester_email": "", "requester_phone": ""}
    response = post_form(alpha_client, data, path="/widget/avg-verzoek/")
    assert response.status_code == 400
    assert "e-mailadres of telefoonnummer" in response.content.decode()
