"""The DPO's workspace over HTTP (platform host): queue, a request, a breach, advice, the annual report."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import Qualification
from casework.dossier.access_log import AccessChannel, Accessor
from casework.index.models import CaseIndex
from casework.models import AccessLogEntry, PrivacyAdvice, PrivacyRequest
from casework.privacy.services import dpo_appoint, privacy_case_take
from casework.timesheets.models import TimeEntry
from reference import avg_terms
from tenants.clusters import schema_context
from tests.casework.factories_professionals import make_professional, staff_client
from tests.privacy.conftest import Dpo, make_breach, make_request
from tests.support import World

pytestmark = pytest.mark.django_db


def _moment(hours_ago: float = 0) -> str:
    return (timezone.localtime() - timezone.timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M")


def test_dpo_pages_are_refused_to_a_professional_without_the_dpo_qualification(dpo: Dpo) -> None:
    officer = make_professional("Officier", qualifications=[Qualification.OFFICER])
    client = staff_client(officer.user)
    assert client.get("/werkplek/avg/").status_code == 403
    assert dpo.client.get("/werkplek/avg/").status_code == 200


def test_dpo_enters_takes_verifies_and_answers_a_request_with_a_letter(dpo: Dpo) -> None:
    client = dpo.client
    today = timezone.localdate()
    response = client.post(
        "/werkplek/avg/verzoek/nieuw/",
        {
            "provider": dpo.provider.pk,
            "kind": "erasure",
            "requester_name": "Piet Bakker",
            "requester_email": "piet@example.nl",
            "description": "Verwijder mijn gegevens uit de nieuwsbrieflijst.",
            "received_at": _moment(24),
            "receipt_evidence": "e-mail aan info@",
        },
    )
    assert response.status_code == 302, response.content
    reference = response.url.rstrip("/").rsplit("/", 1)[-1]
    assert reference.startswith("AVG-")
    page = client.get(response.url)
    assert "Piet Bakker" in page.content.decode() and "Ik behandel dit" in page.content.decode()
    client.post(f"/werkplek/avg/{reference}/oppakken/")
    client.post(f"/werkplek/avg/{reference}/identiteit/", {"method": "known_contact", "note": ""})
    done = client.post(
        f"/werkplek/avg/{reference}/uren/",
        {
            "kind": "phone",
            "activity": "correspondence",
            "minutes": "20",
            "worked_on": today.isoformat(),
            "note": "",
        },
    )
    assert done.status_code == 302
    assert TimeEntry.objects.filter(reference=reference, minutes=20, service="dpo").count() == 1
    client.post(
        f"/werkplek/avg/{reference}/antwoord/",
        {
            "outcome": "granted",
            "answer_text": "Uw gegevens zijn verwijderd uit de nieuwsbrieflijst.",
            "reason": "",
            "answered_on": today.isoformat(),
        },
    )
    with schema_context(dpo.provider.schema_name):
        request = PrivacyRequest.objects.get(reference=reference)
        assert request.outcome == "granted" and request.identity_method == "known_contact"
        events = {entry.detail for entry in AccessLogEntry.objects.filter(reference=reference)}
        taken = AccessLogEntry.objects.filter(reference=reference, subject="assignment", role="dpo")
        assert taken.count() == 1
    assert {"identity", "answer"} <= events
    letter = client.get(f"/werkplek/avg/{reference}/antwoord.pdf")
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(letter.content)).pages)
    assert "Piet Bakker" in text and "Autoriteit Persoonsgegevens" in text
    assert CaseIndex.every_kind.get(reference=reference).status == "closed"


def test_dpo_reports_assesses_and_notifies_a_breach_with_fields_ready_to_copy(dpo: Dpo) -> None:
    client = dpo.client
    response = client.post(
        "/werkplek/avg/datalek/nieuw/",
        {
            "provider": dpo.provider.pk,
            "kind": "availability",
            "aware_at": _moment(2),
            "occurred_at": "",
            "what_happened": "Een laptop met onversleutelde roosters is gestolen.",
            "data_categories": "Namen en adressen",
            "people_categories": "Cliënten en medewerkers",
            "people_approx": "120",
            "records_approx": "130",
            "likely_consequences": "Adressen bekend bij onbevoegden.",
            "measures": "Aangifte gedaan, wachtwoorden gewijzigd.",
            "contact": "FG via Klachtpunt",
        },
    )
    assert response.status_code == 302, response.content
    reference = response.url.rstrip("/").rsplit("/", 1)[-1]
    client.post(f"/werkplek/avg/{reference}/oppakken/")
    page = client.get(response.url).content.decode()
    assert "Nog 70 uur om te melden" in page or "Nog 69 uur om te melden" in page
    assert "Een laptop met onversleutelde roosters is gestolen." in page  # ready to copy
    client.post(
        f"/werkplek/avg/{reference}/beoordeling/", {"risk": "risk", "reason": "Adressen van 120 mensen."}
    )
    client.post(
        f"/werkplek/avg/{reference}/melding-ap/",
        {"notified_at": _moment(0), "case_number": "M-2026-1", "late_reason": ""},
    )
    page = client.get(response.url).content.decode()
    assert "Gemeld aan de Autoriteit Persoonsgegevens" in page
    assert client.post(f"/werkplek/avg/{reference}/afsluiten/").status_code == 302
    assert CaseIndex.every_kind.get(reference=reference).status == "closed"


def test_dpo_queue_lists_breaches_and_requests_of_every_provider(dpo: Dpo) -> None:
    breach = make_breach(dpo, hours_ago=59.5)
    page = dpo.client.get("/werkplek/avg/").content.decode()
    assert breach.reference in page and "Nog 12 uur om te melden" in page
    assert breach.what_happened not in page


def test_advice_is_logged_with_hours_and_the_annual_report_counts_it_as_page_and_pdf(
    dpo: Dpo, world: World
) -> None:
    today = timezone.localdate()
    # Advice is recorded (and billed) by the provider's own DPO (art. 37).
    dpo_appoint(
        provider=dpo.provider,
        professional=dpo.user,
        actor=world.coordinator,
        accessor=Accessor(
            channel=AccessChannel.PLATFORM_STAFF, role="coordinator", user_id=world.coordinator.pk
        ),
    )
    response = dpo.client.post(
        "/werkplek/avg/advies/",
        {
            "provider": dpo.provider.pk,
            "topic": "dpia",
            "asked_on": today.isoformat(),
            "given_on": today.isoformat(),
            "question": "Is voor het nieuwe cliëntportaal een DPIA nodig?",
            "advice": "Ja: grootschalige verwerking van gezondheidsgegevens.",
            "minutes": "90",
        },
    )
    assert response.status_code == 302, response.content
    with schema_context(dpo.provider.schema_name):
        assert PrivacyAdvice.objects.get().minutes == 90
    make_breach(dpo, hours_ago=1)
    page = dpo.client.get(f"/werkplek/avg/jaarverslag/{dpo.provider.slug}/{today.year}/")
    content = page.content.decode()
    assert page.status_code == 200 and "1,5" in content and "Beschikbaarheid" not in content
    assert "Vertrouwelijkheid" in content
    pdf = dpo.client.get(f"/werkplek/avg/jaarverslag/{dpo.provider.slug}/{today.year}/pdf/")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Advies over een DPIA" in text and "1,5 uur" in text
    # A provider without the dpo service has no DPO report.
    assert dpo.client.get(f"/werkplek/avg/jaarverslag/{world.beta.slug}/{today.year}/").status_code == 404


def test_art_12_3_dpo_extends_a_request_inside_the_first_month_and_is_refused_after_it(dpo: Dpo) -> None:
    today = timezone.localdate()
    early, late = make_request(dpo, days_ago=3), make_request(dpo, days_ago=45)
    for request in (early, late):
        privacy_case_take(case=CaseIndex.every_kind.get(reference=request.reference), dpo=dpo.user)
        dpo.client.post(
            f"/werkplek/avg/{request.reference}/verlengen/",
            {"reason": "Het dossier ligt deels in het externe archief.", "notice_on": today.isoformat()},
        )
    assert CaseIndex.every_kind.get(reference=early.reference).deadline == avg_terms.request_extended_due(
        early.received_on
    )
    assert CaseIndex.every_kind.get(reference=late.reference).deadline == avg_terms.request_due(
        late.received_on
    )
    page = dpo.client.get(f"/werkplek/avg/{late.reference}/").content.decode()
    assert "Te laat: een verlenging moet binnen één maand na ontvangst worden gemeld" in page
