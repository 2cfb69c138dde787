"""A complainant downloads everything held about them and asks for erasure, in Dutch and in English.

In Dutch through Mijn klachten (with an account, complaints at two
providers); in English through the follow link (no account). Each page is
checked with axe-core (WCAG 2.1 A and AA) and saved as a screenshot in
tests/artifacts/. What the server commits is removed afterwards.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from accounts.services import user_create
from casework.dossier.attachments import check_attachments
from casework.dossier.services import follow_link_create
from casework.index.models import CaseIndex, CaseStatus, Channel, Track
from casework.models import CaseStatistic, Complaint, DataRightsRecord
from tenants.clusters import schema_context
from tenants.models import Provider
from tests.browser.conftest import LiveServer, assert_accessible, committed, new_context, watch
from tests.casework.datarights_support import forget_media_root
from tests.casework.factories import submission, submit
from tests.support import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Made:
    """What a test committed, to remove afterwards."""

    user_ids: list[int] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    statistic_floor: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def made(world: World) -> Iterator[Made]:
    found = Made()

    def floors() -> dict[str, int]:
        out = {}
        for provider in (world.alpha, world.beta):
            with schema_context(provider.schema_name):
                out[provider.schema_name] = max(CaseStatistic.objects.values_list("pk", flat=True), default=0)
        return out

    found.statistic_floor = committed(floors)
    yield found

    def purge() -> None:
        rows = list(CaseIndex.objects.filter(reference__in=found.references).select_related("provider"))
        for row in rows:
            with schema_context(row.provider.schema_name):
                Complaint.objects.filter(pk=row.case_id).delete()
                DataRightsRecord.objects.filter(case_id=row.case_id).delete()
        CaseIndex.objects.filter(reference__in=found.references).delete()
        for schema, floor in found.statistic_floor.items():
            with schema_context(schema):
                CaseStatistic.objects.filter(pk__gt=floor).delete()
        User.objects.filter(pk__in=found.user_ids).delete()

    committed(purge)


def _complaint(provider: Provider, *, user: User | None, closed: bool, made: Made) -> tuple[Complaint, str]:
    """A complaint committed on its own connection, closed (informal) or open, and a follow token."""

    def work() -> tuple[Complaint, str]:
        forget_media_root()  # the server reads MEDIA_ROOT: the files must land there, not in a test's folder
        files = check_attachments([SimpleUploadedFile("foto.pdf", PDF, content_type="application/pdf")])
        complaint = submit(
            provider,
            channel=Channel.PORTAL if user else Channel.WIDGET,
            submission=submission(complainant_name="Fenna Bos", complainant_phone="0612345678"),
            attachments=files,
            complainant_user_id=user.pk if user else None,
        ).complaint
        if closed:
            values = {"status": CaseStatus.CLOSED, "closed_at": timezone.now(), "track": Track.INFORMAL}
            with schema_context(provider.schema_name):
                Complaint.objects.filter(pk=complaint.pk).update(**values)
            CaseIndex.objects.filter(provider=provider, case_id=complaint.pk).update(**values)
        with schema_context(provider.schema_name):
            token = follow_link_create(complaint=complaint)
        return complaint, token

    complaint, token = committed(work)
    made.references.append(complaint.reference)
    return complaint, token


def _new_page(browser: Browser, locale: str) -> Page:
    context = new_context(browser) if locale == "nl-NL" else _english_context(browser)
    return watch(context.new_page())


def _english_context(browser: Browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    return context


def test_a_complainant_downloads_and_erases_their_data_in_mijn_klachten_in_dutch(
    browser: Browser, live_site: LiveServer, world: World, made: Made
) -> None:
    user = committed(
        lambda: user_create(email=f"fenna-{uuid.uuid4().hex[:6]}@example.test", password=PASSWORD)
    )
    made.user_ids.append(user.pk)
    closed, _token = _complaint(world.alpha, user=user, closed=True, made=made)
    still_open, _token = _complaint(world.beta, user=user, closed=False, made=made)

    page = _new_page(browser, "nl-NL")
    page.goto(live_site.url("/accounts/login/?next=/mijn-klachten/"))
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Mijn klachten", level=1)).to_be_visible()
    page.get_by_role("link", name="Naar mijn gegevens").click()

    expect(page.get_by_role("heading", name="Mijn gegevens", level=1)).to_be_visible()
    assert_accessible(page, "datarights-nl-rights")

    with page.expect_download() as json_download:
        page.get_by_role("link", name="Download als JSON-bestand").click()
    document = json.loads(json_download.value.path().read_text(encoding="utf-8"))
    assert {item["reference"] for item in document["complaints"]} == {closed.reference, still_open.reference}
    assert all(item["attachments"][0]["file"]["content_base64"] for item in document["complaints"])
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Download als PDF").click()
    assert pdf_download.value.path().read_bytes().startswith(b"%PDF")

    page.get_by_role("link", name="Bekijk wat wij kunnen wissen").click()
    table = page.get_by_role("table", name="Wat wij wissen en wat wij bewaren")
    expect(table).to_contain_text(closed.reference)
    expect(table).to_contain_text("zolang de klacht loopt")  # the open one at beta is kept while handled
    assert_accessible(page, "datarights-nl-erase-confirm")

    page.get_by_role("button", name="Ja, wis mijn gegevens").click()
    expect(page.get_by_role("heading", name="Uw gegevens zijn gewist", level=1)).to_be_visible()
    result = page.get_by_role("table", name="Wat wij hebben gewist en wat wij bewaren")
    expect(result).to_contain_text("Gewist")
    expect(result).to_contain_text(str(timezone.localdate().year + 5))  # the access log: until when
    assert_accessible(page, "datarights-nl-erased")

    def state() -> tuple[bool, bool]:
        with schema_context(world.alpha.schema_name):
            gone = not Complaint.objects.filter(pk=closed.pk).exists()
        with schema_context(world.beta.schema_name):
            kept = Complaint.objects.filter(pk=still_open.pk).exists()
        return gone, kept

    assert committed(state) == (True, True)

    # Then the account itself goes; the open complaint stays, no longer linked to it.
    page.goto(live_site.url("/mijn-gegevens/"))
    page.get_by_role("link", name="Account verwijderen").click()
    expect(page.get_by_role("heading", name="Account verwijderen", level=1)).to_be_visible()
    assert_accessible(page, "datarights-nl-account-delete")
    page.get_by_label("Uw wachtwoord").fill(PASSWORD)
    page.get_by_label("Ik begrijp dat mijn account niet terug te halen is.").check()
    page.get_by_role("button", name="Verwijder mijn account").click()
    expect(page.get_by_role("heading", name="Uw account is verwijderd", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Inloggen")).to_be_visible()
    assert_accessible(page, "datarights-nl-account-deleted")

    def account_gone() -> tuple[bool, int | None]:
        with schema_context(world.beta.schema_name):
            owner = Complaint.objects.get(pk=still_open.pk).complainant_user_id
        return not User.objects.filter(pk=user.pk).exists(), owner

    assert committed(account_gone) == (True, None)
    page.context.close()


def test_a_complainant_downloads_and_erases_by_follow_link_in_english(
    browser: Browser, live_site: LiveServer, world: World, made: Made
) -> None:
    complaint, token = _complaint(world.alpha, user=None, closed=True, made=made)
    page = _new_page(browser, "en-GB")

    page.goto(live_site.alpha("/privacyverklaring/"))
    expect(page.get_by_role("heading", level=2, name="How long we keep your data")).to_be_visible()
    assert_accessible(page, "datarights-en-notice")

    page.goto(live_site.alpha(f"/volg/{token}/"))
    page.get_by_role("link", name="Go to my data").click()
    expect(page.get_by_role("heading", name="My data", level=1)).to_be_visible()
    assert_accessible(page, "datarights-en-rights")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download as JSON file").click()
    document = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert [item["reference"] for item in document["complaints"]] == [complaint.reference]

    page.get_by_role("link", name="See what we can erase").click()
    expect(page.get_by_role("table", name="What we erase and what we keep")).to_contain_text("Erased")
    assert_accessible(page, "datarights-en-erase-confirm")
    page.get_by_role("button", name="Yes, erase my data").click()
    expect(page.get_by_role("heading", name="Your data has been erased", level=1)).to_be_visible()
    expect(page.get_by_role("table", name="What we erased and what we keep")).to_contain_text(
        re.compile(r"Kept until|Kept")
    )
    assert_accessible(page, "datarights-en-erased")

    def gone() -> bool:
        with schema_context(world.alpha.schema_name):
            return not Complaint.objects.filter(pk=complaint.pk).exists()

    assert committed(gone)
    page.context.close()
