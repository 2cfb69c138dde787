"""The complainant's own AVG rights against Klachtpunt: notice, download, erasure, account deletion.

The download must hold every row of a seeded complainant's dossiers across
providers, files included, and nobody else's; erasure must reach files and
cached entries, keep what the law keeps and say until when; account deletion
removes the account and keeps, unlinked, what the law keeps.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core import mail
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import models
from django.test import Client
from django.utils import timezone

from accounts.models import PlatformRole, User
from accounts.services import user_create
from casework.datarights.caches import complainant_cache_keys
from casework.datarights.inventory import DOSSIER_PARTS, EXCLUDED
from casework.datarights.rules import ERASED, KEPT, DossierFacts, add_years, dossier_plan
from casework.datarights.services import AccountNotDeletable, account_delete, complainant_erase, user_targets
from casework.dossier.services import follow_link_create
from casework.index.models import CaseIndex, CaseStatus, Channel, Track
from casework.models import AccessLogEntry, CaseRecord, CaseStatistic, Complaint, DataRightsRecord
from tenants.clusters import schema_context
from tests.casework.accessors import STAFF
from tests.casework.datarights_support import (
    PDF,
    file_complaint,
    forget_media_root,
    new_complainant,
    part_ids,
    seeded_complainant,
    stored_paths,
)
from tests.casework.factories import submission, submit
from tests.conftest import host_client
from tests.support import PASSWORD, World, submit_totp

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    forget_media_root()
    yield tmp_path
    forget_media_root()  # or later tests in this process write into this test's folder


def logged_in(user: User) -> Client:
    client = host_client("localhost")
    client.force_login(user)
    return client


def close(provider, complaint: Complaint, *, track: str, closed_ago: datetime.timedelta) -> None:  # type: ignore[no-untyped-def]
    """Put ``complaint`` in the closed state, ``closed_ago`` ago, on ``track`` (dossier and index)."""
    closed_at = timezone.now() - closed_ago
    values = {"status": CaseStatus.CLOSED, "closed_at": closed_at, "track": track, "outcome": "resolved"}
    with schema_context(provider.schema_name):
        Complaint.objects.filter(pk=complaint.pk).update(**values)
    CaseIndex.objects.filter(provider=provider, case_id=complaint.pk).update(**values)


def follow_token(provider, complaint: Complaint) -> str:  # type: ignore[no-untyped-def]
    with schema_context(provider.schema_name):
        return follow_link_create(complaint=complaint)


# --- The privacy notice ------------------------------------------------------------


def test_the_privacy_notice_is_linked_on_every_intake_form_before_its_submit_button(
    world: World, alpha_client: Client, platform_client: Client
) -> None:
    platform_client.force_login(world.complainant)
    pages = {
        "widget": alpha_client.get("/widget/"),
        "complaint page": alpha_client.get("/klacht/"),
        "platform filing": host_client("localhost").get("/klacht/"),
        "portal form": platform_client.get("/klacht-indienen/alpha/"),
    }
    for name, response in pages.items():
        html = response.content.decode()
        assert response.status_code == 200, name
        assert 'href="/privacyverklaring/"' in html, name
        if name != "platform filing":  # a search page: the form it leads to links the notice again
            notice_at, submit_at = html.find("/privacyverklaring/"), html.rfind('type="submit"')
            assert 0 <= notice_at < submit_at, f"{name}: the notice must come before the form is sent"
    challenge = alpha_client.get("/api/v1/complaints/challenge").json()
    assert challenge["privacy_notice_url"].endswith("/privacyverklaring/")
    assert world.alpha_host.split(":")[0] in challenge["privacy_notice_url"]


def test_complaints_taken_in_by_phone_or_letter_get_the_notice_too(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    coordinator = host_client("localhost")
    response = coordinator.post("/accounts/login/", {"login": world.coordinator.email, "password": PASSWORD})
    assert submit_totp(coordinator, response.url).status_code == 302
    entry = coordinator.get("/werkplek/klachten/nieuw/alpha/").content.decode()
    assert 0 <= entry.find("/privacyverklaring/") < entry.rfind('type="submit"')
    # Whatever the channel, the acknowledgement carries the link.
    with django_capture_on_commit_callbacks(execute=True):
        submit(world.alpha, channel=Channel.PHONE, submission=submission(language="en"))
    ack = next(message for message in mail.outbox if message.to == ["jan.jansen@example.nl"])
    assert "http://localhost:8000/privacyverklaring/" in ack.body
    assert "privacy notice" in ack.body


def test_the_privacy_notice_is_short_and_speaks_dutch_and_english(alpha_client: Client) -> None:
    dutch = alpha_client.get("/privacyverklaring/")
    english = alpha_client.get("/privacyverklaring/", HTTP_ACCEPT_LANGUAGE="en")
    assert dutch.status_code == english.status_code == 200
    assert "Autoriteit Persoonsgegevens" in dutch.content.decode()
    assert "Hoe lang wij uw gegevens bewaren" in dutch.content.decode()
    assert "How long we keep your data" in english.content.decode()
    assert host_client("localhost").get("/privacyverklaring/").status_code == 200


# --- The download ------------------------------------------------------------------


def _complaint_in(document: dict, reference: str) -> dict:
    return next(item for item in document["complaints"] if item["reference"] == reference)


def test_the_download_holds_every_row_of_the_complainant_across_providers_files_included_and_nobody_elses(
    world: World,
) -> None:
    seeded = seeded_complainant(world.alpha, world.beta)
    response = logged_in(seeded.user).get("/mijn-gegevens/download.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    document = json.loads(response.content)

    assert {item["reference"] for item in document["complaints"]} == {
        seeded.alpha_complaint.reference,
        seeded.beta_complaint.reference,
    }
    for provider, complaint in ((world.alpha, seeded.alpha_complaint), (world.beta, seeded.beta_complaint)):
        exported = _complaint_in(document, complaint.reference)
        assert exported["complaint"]["id"] == complaint.pk
        assert exported["complaint"]["complainant_name"] == "Els de Vries"
        for part, ids in part_ids(provider, complaint).items():
            assert {row["id"] for row in exported[part]} == ids, part
        with schema_context(provider.schema_name):
            logged = AccessLogEntry.objects.filter(case_id=complaint.pk).count()
        # Every access-log row up to the download (which logs itself afterwards).
        assert len(exported["access_log"]) == logged - 1
    alpha = _complaint_in(document, seeded.alpha_complaint.reference)
    # Every part of the dossier was seeded, so none is empty.
    assert all(alpha[part.name] for part in DOSSIER_PARTS), [
        p.name for p in DOSSIER_PARTS if not alpha[p.name]
    ]
    # The files themselves: attachments, letters, documents, whole and checkable.
    for part, field in (("attachments", "file"), ("letters", "file"), ("records", "file")):
        for row in alpha[part]:
            content = base64.b64decode(row[field]["content_base64"])
            assert hashlib.sha256(content).hexdigest() == row[field]["sha256"]
    assert base64.b64decode(alpha["attachments"][0]["file"]["content_base64"]) == PDF
    # The account, and no secrets or other people's data.
    assert document["account"]["email"] == seeded.user.email
    text = response.content.decode()
    assert "Piet Onbekend" not in text and "Niemand anders mag dit lezen" not in text
    assert seeded.stranger_complaint.reference not in text
    assert "token_hash" not in text and "teamleider@alpha.test" not in text
    assert "test coordinator" not in text  # the names of people who looked stay out of the log part


def test_every_table_that_hangs_from_a_complaint_is_in_the_download_or_left_out_with_a_reason() -> None:
    exported = {part.model for part in DOSSIER_PARTS}

    def hangs_from_complaint(model: type[models.Model], depth: int = 0) -> bool:
        for field in model._meta.get_fields():
            if field.many_to_one or field.one_to_one:
                if field.concrete and field.related_model is Complaint:
                    return True
                deeper = field.concrete and depth < 2 and field.related_model not in (None, model)
                if deeper and hangs_from_complaint(field.related_model, depth + 1):  # type: ignore[arg-type]
                    return True
        return False

    dossier_tables = {
        model for model in apps.get_app_config("casework").get_models() if hangs_from_complaint(model)
    }
    assert dossier_tables == exported | set(EXCLUDED)


def test_the_pdf_download_is_readable_and_carries_the_files(world: World) -> None:
    seeded = seeded_complainant(world.alpha, world.beta)
    response = logged_in(seeded.user).get("/mijn-gegevens/download.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF")
    assert b"/EmbeddedFiles" in body
    assert f"{seeded.alpha_complaint.reference}-attachments-".encode() in body
    assert f"{seeded.alpha_complaint.reference}-letters-".encode() in body


def test_each_download_is_logged_and_recorded_in_each_dossiers_own_schema(world: World) -> None:
    seeded = seeded_complainant(world.alpha, world.beta)
    assert logged_in(seeded.user).get("/mijn-gegevens/download.pdf").status_code == 200
    for provider, complaint in ((world.alpha, seeded.alpha_complaint), (world.beta, seeded.beta_complaint)):
        with schema_context(provider.schema_name):
            entry = AccessLogEntry.objects.filter(case_id=complaint.pk, subject="datarights_export").get()
            record = DataRightsRecord.objects.get(case_id=complaint.pk)
        assert entry.event == AccessLogEntry.Event.EXPORT
        assert (
            entry.channel == AccessLogEntry.AccessChannel.COMPLAINANT_PORTAL
            and entry.user_id == seeded.user.pk
        )
        assert record.kind == DataRightsRecord.Kind.EXPORT and record.file_format == "pdf"
    with schema_context(world.alpha.schema_name):
        assert not DataRightsRecord.objects.filter(case_id=seeded.stranger_complaint.pk).exists()


def test_the_follow_link_download_holds_its_own_dossier_only(world: World, alpha_client: Client) -> None:
    seeded = seeded_complainant(world.alpha, world.beta)
    token = follow_token(world.alpha, seeded.alpha_complaint)
    page = alpha_client.get(f"/volg/{token}/gegevens/")
    assert page.status_code == 200 and page["Referrer-Policy"] == "same-origin"
    document = json.loads(alpha_client.get(f"/volg/{token}/gegevens/download.json").content)
    assert [item["reference"] for item in document["complaints"]] == [seeded.alpha_complaint.reference]
    assert document["account"] is None
    with schema_context(world.alpha.schema_name):
        assert AccessLogEntry.objects.filter(
            case_id=seeded.alpha_complaint.pk,
            subject="datarights_export",
            channel=AccessLogEntry.AccessChannel.FOLLOW_LINK,
        ).exists()
    assert alpha_client.get("/volg/not-a-token/gegevens/download.json").status_code == 404
    # Another provider's host does not open this provider's link.
    assert host_client(world.beta_host).get(f"/volg/{token}/gegevens/").status_code == 404


# --- Erasure ------------------------------------------------------------------------


def test_erasing_a_closed_informal_complaint_deletes_the_dossier_and_its_files_and_says_what_is_kept(
    world: World, alpha_client: Client
) -> None:
    complaint = file_complaint(world.alpha, user=None, name="Kees Klaag", text="Onvriendelijk bejegend.")
    with schema_context(world.alpha.schema_name):  # a document from the mediation, on disk too
        CaseRecord.objects.create(
            complaint=complaint,
            kind=CaseRecord.Kind.DOCUMENT,
            file=ContentFile(b"gespreksverslag", name="verslag.txt"),
            created_at=timezone.now(),
        )
    close(world.alpha, complaint, track=Track.INFORMAL, closed_ago=datetime.timedelta(days=10))
    token = follow_token(world.alpha, complaint)
    paths = stored_paths(world.alpha, complaint)
    assert len(paths) == 2 and all(path.is_file() for path in paths)

    preview = alpha_client.get(f"/volg/{token}/gegevens/wissen/")
    assert preview.status_code == 200 and "Ja, wis mijn gegevens" in preview.content.decode()
    with schema_context(world.alpha.schema_name):
        assert Complaint.objects.filter(pk=complaint.pk).exists()  # looking changes nothing

    response = alpha_client.post(f"/volg/{token}/gegevens/wissen/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Gewist" in html and "Bewaard" in html
    log_until = add_years(timezone.localdate(), 5)
    assert f"{log_until.day} " in html and str(log_until.year) in html  # the access log: until when
    assert not any(path.exists() for path in paths)
    with schema_context(world.alpha.schema_name):
        assert not Complaint.objects.filter(pk=complaint.pk).exists()
        assert CaseStatistic.objects.filter(reduced_month__isnull=False).exists()
        record = DataRightsRecord.objects.get(case_id=complaint.pk, kind=DataRightsRecord.Kind.ERASURE)
        deletion = AccessLogEntry.objects.get(case_id=complaint.pk, event=AccessLogEntry.Event.DELETE)
    assert deletion.channel == AccessLogEntry.AccessChannel.FOLLOW_LINK
    assert {(item["code"], item["action"]) for item in record.items} >= {
        ("dossier", ERASED),
        ("access_log", KEPT),
    }
    assert "Kees" not in json.dumps(record.items)
    row = CaseIndex.objects.get(provider=world.alpha, case_id=complaint.pk)
    assert row.reduced_at is not None and row.complainant_user_id is None
    # The link went with the dossier.
    assert alpha_client.get(f"/volg/{token}/").status_code == 404


def test_erasing_a_closed_formal_complaint_keeps_the_dossier_until_its_retention_ends_and_says_so(
    world: World,
) -> None:
    user = new_complainant()
    complaint = file_complaint(world.alpha, user=user, name="Els Formeel", text="Valpartij niet gemeld.")
    close(world.alpha, complaint, track=Track.FORMAL, closed_ago=datetime.timedelta(days=30))
    paths = stored_paths(world.alpha, complaint)
    response = logged_in(user).post("/mijn-gegevens/wissen/")
    assert response.status_code == 200
    closed_on = timezone.localdate(timezone.now() - datetime.timedelta(days=30))
    kept_until = add_years(closed_on, world.alpha.retention_years)
    assert kept_until.strftime("%Y") in response.content.decode()
    with schema_context(world.alpha.schema_name):
        kept = Complaint.objects.get(pk=complaint.pk)
        record = DataRightsRecord.objects.get(case_id=complaint.pk)
        change = AccessLogEntry.objects.get(case_id=complaint.pk, subject="datarights_erasure")
    assert kept.complainant_phone == "" and kept.complainant_postcode == ""
    assert kept.complainant_name == "Els Formeel" and kept.complainant_user_id == user.pk
    assert all(path.is_file() for path in paths)  # the law keeps the attachments with the dossier
    dossier = next(item for item in record.items if item["code"] == "dossier")
    assert dossier == {
        "code": "dossier",
        "action": KEPT,
        "reason": "dossier_retention",
        "until": kept_until.isoformat(),
        "reference": complaint.reference,
        "provider_name": world.alpha.name,
    }
    assert change.event == AccessLogEntry.Event.CHANGE and change.user_id == user.pk
    assert CaseIndex.objects.get(provider=world.alpha, case_id=complaint.pk).region == ""


def test_erasing_an_open_complaint_keeps_it_and_says_why(world: World) -> None:
    user = new_complainant()
    complaint = file_complaint(world.alpha, user=user, name="Open Klacht", text="Nog bezig.")
    items = complainant_erase(targets=user_targets(user=user), user=user, accessor=STAFF)
    first = items[0]
    assert (first.code, first.action, first.reason) == ("dossier", KEPT, "open_complaint")
    with schema_context(world.alpha.schema_name):
        kept = Complaint.objects.get(pk=complaint.pk)
    assert kept.complainant_phone == "0612345678"


def test_erasure_also_forgets_cached_entries_keyed_to_the_complainant(world: World) -> None:
    user = new_complainant()
    complaint = file_complaint(world.alpha, user=user, name="Cache Klager", text="Iets.")
    close(world.alpha, complaint, track=Track.INFORMAL, closed_ago=datetime.timedelta(days=3))
    client = host_client("localhost")
    response = client.post("/accounts/login/", {"login": user.email, "password": "wrong-password"})
    assert response.status_code == 200
    keys = complainant_cache_keys(emails=[user.email])
    assert any(cache.get(key) is not None for key in keys), "the failed login left a counter for this address"
    logged_in(user).post("/mijn-gegevens/wissen/")
    assert all(cache.get(key) is None for key in keys)


def test_nobody_erases_someone_elses_dossier(world: World) -> None:
    seeded = seeded_complainant(world.alpha, world.beta)
    logged_in(seeded.user).post("/mijn-gegevens/wissen/")
    with schema_context(world.alpha.schema_name):
        stranger = Complaint.objects.get(pk=seeded.stranger_complaint.pk)
        assert not DataRightsRecord.objects.filter(case_id=stranger.pk).exists()
    assert stranger.complainant_phone == "0612345678"


# --- Account deletion ------------------------------------------------------------------


def test_deleting_the_account_removes_the_user_and_keeps_unlinked_what_the_law_keeps(world: World) -> None:
    user = new_complainant()
    open_complaint = file_complaint(world.alpha, user=user, name="Weg Account", text="Loopt nog.")
    informal = file_complaint(world.beta, user=user, name="Weg Account", text="Onvrede, afgesloten.")
    close(world.beta, informal, track=Track.INFORMAL, closed_ago=datetime.timedelta(days=3))
    informal_files = stored_paths(world.beta, informal)
    client = logged_in(user)
    assert "Account verwijderen" in client.get("/mijn-gegevens/").content.decode()
    preview = client.get("/mijn-gegevens/account-verwijderen/").content.decode()
    assert "De koppeling tussen dit dossier en uw account" in preview and open_complaint.reference in preview
    assert User.objects.filter(pk=user.pk).exists()  # looking changes nothing

    refused = client.post("/mijn-gegevens/account-verwijderen/", {"password": "wrong", "confirm": "on"})
    assert refused.status_code == 200 and User.objects.filter(pk=user.pk).exists()

    done = client.post("/mijn-gegevens/account-verwijderen/", {"password": PASSWORD, "confirm": "on"})
    assert done.status_code == 200 and "Uw account is verwijderd" in done.content.decode()
    assert not User.objects.filter(pk=user.pk).exists()
    assert not EmailAddress.objects.filter(email=user.email).exists()
    # Logged out: Mijn klachten asks for a login again.
    assert client.get("/mijn-klachten/").status_code == 302
    # The open complaint goes on, pseudonymised: no account names it any more.
    with schema_context(world.alpha.schema_name):
        kept = Complaint.objects.get(pk=open_complaint.pk)
        record = DataRightsRecord.objects.get(case_id=kept.pk)
        entry = AccessLogEntry.objects.get(case_id=kept.pk, subject="account_deletion")
    assert kept.complainant_user_id is None and kept.what_happened == "Loopt nog."
    assert CaseIndex.objects.get(provider=world.alpha, case_id=kept.pk).complainant_user_id is None
    assert record.kind == DataRightsRecord.Kind.ACCOUNT_DELETION and record.user_id == user.pk
    assert ("account_link", ERASED) in {(item["code"], item["action"]) for item in record.items}
    assert entry.event == AccessLogEntry.Event.CHANGE
    # The closed informal one had no duty keeping it: gone, files and all.
    with schema_context(world.beta.schema_name):
        assert not Complaint.objects.filter(pk=informal.pk).exists()
        assert DataRightsRecord.objects.filter(case_id=informal.pk).exists()
    assert not any(path.exists() for path in informal_files)


def test_staff_accounts_are_not_deleted_by_their_owner(world: World) -> None:
    staff = user_create(
        email="coordinator-2@klachtpunt.test", password=PASSWORD, roles=[PlatformRole.COORDINATOR]
    )
    client = logged_in(staff)
    assert "Account verwijderen" not in client.get("/mijn-gegevens/").content.decode()
    response = client.post("/mijn-gegevens/account-verwijderen/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302 and User.objects.filter(pk=staff.pk).exists()
    with pytest.raises(AccountNotDeletable):
        account_delete(user=staff, accessor=STAFF)


def test_the_rights_pages_need_a_login_and_live_on_the_platform_only(
    world: World, alpha_client: Client
) -> None:
    for path in ("/mijn-gegevens/", "/mijn-gegevens/download.json", "/mijn-gegevens/wissen/"):
        assert host_client("localhost").get(path).status_code == 302, path
    alpha_client.force_login(world.complainant)
    assert alpha_client.get("/mijn-gegevens/").status_code == 404
    assert logged_in(world.complainant).get("/mijn-gegevens/download.xml").status_code == 404


# --- The rules ---------------------------------------------------------------------


def facts(**overrides: object) -> DossierFacts:
    values: dict[str, object] = {
        "reference": "KP-2026-000001",
        "provider_name": "Zorg",
        "closed": True,
        "formal": True,
        "has_decision": True,
        "closed_on": datetime.date(2026, 3, 1),
        "disputes_last_day": None,
        "retention_years": 5,
        "last_access_on": datetime.date(2026, 3, 2),
    }
    values.update(overrides)
    return DossierFacts(**values)  # type: ignore[arg-type]


def test_rules_a_closed_formal_dossier_is_kept_for_the_retention_period_and_loses_its_contact_details() -> (
    None
):
    plan = dossier_plan(facts(), today=datetime.date(2026, 6, 1))
    assert not plan.reduce and plan.erase_contact
    dossier = next(item for item in plan.items if item.code == "dossier")
    assert dossier.until == datetime.date(2031, 3, 1) and dossier.reason == "dossier_retention"


def test_rules_the_disputes_body_term_can_outlast_a_short_retention_period() -> None:
    plan = dossier_plan(
        facts(retention_years=0, disputes_last_day=datetime.date(2027, 1, 10)),
        today=datetime.date(2026, 6, 1),
    )
    assert next(item for item in plan.items if item.code == "dossier").until == datetime.date(2027, 1, 10)


def test_rules_informal_closed_or_past_retention_is_erased_and_open_is_kept() -> None:
    today = datetime.date(2026, 6, 1)
    assert dossier_plan(facts(formal=False, has_decision=False), today=today).reduce
    assert dossier_plan(facts(closed_on=datetime.date(2020, 1, 1)), today=today).reduce
    open_plan = dossier_plan(facts(closed=False, closed_on=None), today=today)
    assert not open_plan.reduce and not open_plan.erase_contact
    log_item = next(item for item in open_plan.items if item.code == "access_log")
    assert (log_item.until, log_item.reason) == (None, "nen7513_open")  # as long as the dossier, at least
    informal = dossier_plan(facts(formal=False, has_decision=False), today=today)
    informal_log = next(item for item in informal.items if item.code == "access_log")
    assert informal_log.until == datetime.date(2031, 6, 1)
    formal = dossier_plan(facts(retention_years=10), today=today)
    # A dossier kept longer than five years of log keeps its log as long.
    assert next(item for item in formal.items if item.code == "access_log").until == datetime.date(2036, 3, 1)


def test_rules_29_february_plus_years_is_28_february() -> None:
    assert add_years(datetime.date(2028, 2, 29), 5) == datetime.date(2033, 2, 28)
