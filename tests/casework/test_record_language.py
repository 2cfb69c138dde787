"""Records read right in Dutch and in English, for every role (issue 14, item 2)."""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterator

import pytest
from django.core import mail
from django.test import Client
from django.utils import formats, timezone, translation
from pypdf import PdfReader

from accounts.models import PlatformRole
from accounts.services import user_create
from casework.intake.tasks import notify_coordinators
from tenants.clusters import schema_context
from tests.casework.factories import submit
from tests.casework.factories_decision import CONCLUSION, DECISIONS, TIMEFRAME, formal_complaint, login
from tests.support import PASSWORD, World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _dutch_after_each_test() -> Iterator[None]:
    """A request in English leaves English active in this thread; the next test starts in Dutch."""
    yield
    translation.activate("nl")


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def decision_form(**fields: str) -> dict[str, str]:
    return {
        "conclusion": CONCLUSION,
        "decisions_taken": DECISIONS,
        "measures_timeframe": TIMEFRAME,
        "decided_on": timezone.localdate().isoformat(),
        "measure-TOTAL_FORMS": "5",
        "measure-INITIAL_FORMS": "0",
        "measure-0-description": "Rooster avonddienst aanpassen",
        "measure-0-due_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        **fields,
    }


def test_the_decision_page_tells_the_writer_the_complainant_prefers_english(
    world: World, alpha_client: Client
) -> None:
    complaint, _case = formal_complaint(world.alpha, language="en")
    login(alpha_client, world.alpha_admin.email)
    html = alpha_client.get(f"/klachten/{complaint.reference}/oordeel/").content.decode()
    assert "De klager leest het liefst in het Engels" in html
    # The letter's language starts as the complainant's.
    assert '<option value="en" selected>' in html


def test_the_decision_pdf_headings_follow_the_language_the_decision_is_written_in(
    world: World, alpha_client: Client
) -> None:
    """An English-speaking complainant, a decision written in Dutch: the headings are Dutch too."""
    complaint, _case = formal_complaint(world.alpha, language="en")
    login(alpha_client, world.alpha_admin.email)
    done = alpha_client.post(f"/klachten/{complaint.reference}/oordeel/", decision_form(language="nl"))
    assert done.status_code == 302
    text = pdf_text(alpha_client.get(f"/klachten/{complaint.reference}/oordeel.pdf").content)
    assert "Conclusie over de klacht" in text and CONCLUSION in text
    assert "Conclusion" not in text


def test_a_decision_written_in_english_gets_english_headings(world: World, alpha_client: Client) -> None:
    complaint, _case = formal_complaint(world.alpha)
    login(alpha_client, world.alpha_admin.email)
    written = decision_form(language="en", conclusion="The complaint is founded.")
    assert alpha_client.post(f"/klachten/{complaint.reference}/oordeel/", written).status_code == 302
    text = pdf_text(alpha_client.get(f"/klachten/{complaint.reference}/oordeel.pdf").content)
    assert "The complaint is founded." in text and "Conclusie over de klacht" not in text


def test_the_english_form_gives_its_upload_hint_in_english(world: World, alpha_client: Client) -> None:
    html = alpha_client.get("/widget/?lang=en").content.decode()
    assert re.search(r"At most \d+ files: PDF, JPG, PNG, HEIC, DOCX or text, each up to 10 MB\.", html)
    assert "Maximaal" not in html
    dutch = alpha_client.get("/widget/?lang=nl").content.decode()
    assert re.search(r"Maximaal \d+ bestanden", dutch)


def test_dutch_tables_write_dates_in_dutch(world: World, platform_client: Client) -> None:
    submit(world.alpha)
    today = timezone.localdate()
    html = login(platform_client, world.coordinator.email).get("/werkplek/wachtrij/").content.decode()
    with translation.override("nl"):
        dutch = formats.date_format(today, "j F Y")  # '6 december 2026'
    with translation.override("en"):
        english_month = formats.date_format(today, "M")  # 'Dec', the old table's abbreviation
    assert dutch in html
    assert f"{today.day} {english_month} {today.year}" not in html


def test_staff_and_provider_pages_say_who_complains_in_the_third_person(
    world: World, platform_client: Client, alpha_client: Client
) -> None:
    complaint = submit(world.alpha).complaint  # filed as 'Ik ben de cliënt zelf'
    staff = login(platform_client, world.coordinator.email).get(f"/werkplek/zaken/{complaint.reference}/")
    login(alpha_client, world.alpha_admin.email)
    provider = alpha_client.get(f"/klachten/{complaint.reference}/")
    for page in (staff.content.decode(), provider.content.decode()):
        assert "De cliënt zelf" in page and "Ik ben de cliënt zelf" not in page
    english = platform_client.get(
        f"/werkplek/zaken/{complaint.reference}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "(The client)" in english and "I am the client" not in english


def test_each_coordinator_is_told_of_a_new_case_in_their_own_language(world: World) -> None:
    english = user_create(
        email="coordinator.en@klachtpunt.test", password=PASSWORD, roles=[PlatformRole.COORDINATOR]
    )
    english.preferred_language = "en"
    english.save(update_fields=["preferred_language"])
    complaint = submit(world.alpha).complaint
    mail.outbox.clear()
    with schema_context(world.alpha.schema_name):
        assert notify_coordinators(complaint.pk) == 2
    by_address = {address: message for message in mail.outbox for address in message.to}
    dutch, in_english = by_address[world.coordinator.email], by_address[english.email]
    assert dutch.subject == f"Nieuwe klacht {complaint.reference}" and "nieuwe klacht" in dutch.body
    assert in_english.subject == f"New complaint {complaint.reference}"
    assert "A new complaint has come in" in in_english.body and "Nieuwe" not in in_english.body


def test_the_sign_in_pages_address_people_as_u_like_ours(world: World, platform_client: Client) -> None:
    """allauth's Dutch says 'je'; our locale overrides it, so one page never mixes 'je' and 'u'."""
    failed = platform_client.post(
        "/accounts/login/", {"login": world.coordinator.email, "password": "niet-het-wachtwoord"}
    ).content.decode()
    assert "Het door u opgegeven e-mailadres en/of wachtwoord is niet correct." in failed
    reset = platform_client.get("/accounts/password/reset/").content.decode()
    assert "Vul uw e-mailadres in en we sturen u een e-mail" in reset
    for page in (failed, reset):
        assert not re.search(r"\b(je|jij|jouw)\b", re.sub(r"<[^>]+>", " ", page), re.IGNORECASE)
