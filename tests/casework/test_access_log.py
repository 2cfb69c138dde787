"""The access log (NEN 7513): append-only in the database, written by every dossier page and action,
shown to the complainant (who looked) and to the provider admin (per employee and period)."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from casework.dossier.access_log import (
    SYSTEM,
    AccessChannel,
    Accessor,
    Event,
    access_log_purge_older_than,
    access_log_record,
)
from casework.index.models import CaseIndex
from casework.models import AccessLogEntry
from tenants.clusters import schema_context
from tenants.services import api_key_create
from tests.casework.factories import WHAT_HAPPENED
from tests.casework.factories_professionals import make_case
from tests.casework.procedure_support import (
    access_log_mark,
    follow_token,
    log_entries,
    professional_client,
    provider_accessor,
    provider_login,
    staff_accessor,
)
from tests.casework.test_portal import complaint_post
from tests.casework.test_queue import login
from tests.conftest import host_client
from tests.support import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_access_log(world: World) -> None:
    access_log_mark(world.alpha, world.beta)


# No dossier has this id: these rows describe a dossier that is gone (a kept dossier keeps its rows).
GONE = -1


def _entry(world: World, *, at: datetime.datetime | None = None, case_id: int = GONE) -> AccessLogEntry:
    return access_log_record(
        provider=world.alpha, event=Event.READ, accessor=SYSTEM, case_id=case_id, reference="KP-TEST", at=at
    )


def _refused(statement) -> str:  # type: ignore[no-untyped-def]
    """Run ``statement`` in a savepoint; return the database's refusal."""
    with pytest.raises(DatabaseError) as refusal, transaction.atomic():
        statement()
    return str(refusal.value)


# --- Append-only, enforced by the database ------------------------------------------------


def test_access_log_refuses_update_and_delete_through_the_orm(world: World) -> None:
    entry = _entry(world)
    with schema_context(world.alpha.schema_name):
        rows = AccessLogEntry.objects.filter(pk=entry.pk)
        assert "append-only" in _refused(lambda: rows.update(detail="tampered"))
        assert "append-only" in _refused(lambda: rows.delete())
        assert "append-only" in _refused(lambda: AccessLogEntry.objects.all().delete())
        # The model refuses too, before the database is asked.
        entry.detail = "tampered"
        with pytest.raises(PermissionError):
            entry.save()
        with pytest.raises(PermissionError):
            entry.delete()
        assert AccessLogEntry.objects.get(pk=entry.pk).detail == ""


def test_access_log_refuses_update_delete_and_truncate_in_raw_sql(world: World) -> None:
    entry = _entry(world)
    with schema_context(world.alpha.schema_name), connection.cursor() as cursor:
        for sql in (
            "UPDATE casework_accesslogentry SET event = 'delete' WHERE id = %s",
            "DELETE FROM casework_accesslogentry WHERE id = %s",
            "TRUNCATE casework_accesslogentry",
        ):
            params = [entry.pk] if "%s" in sql else None
            message = _refused(lambda sql=sql, params=params: cursor.execute(sql, params))
            assert "append-only" in message and "refused" in message
        cursor.execute("SELECT count(*) FROM casework_accesslogentry WHERE id = %s", [entry.pk])
        assert cursor.fetchone()[0] == 1


def test_retention_setting_does_not_unlock_rows_younger_than_five_years(world: World) -> None:
    entry = _entry(world)
    with schema_context(world.alpha.schema_name), connection.cursor() as cursor:

        def delete_young() -> None:
            cursor.execute("SET LOCAL klachtpunt.retention = 'on'")
            cursor.execute("DELETE FROM casework_accesslogentry WHERE id = %s", [entry.pk])

        assert "append-only" in _refused(delete_young)

        # Even the retention path refuses an update.
        def update_old() -> None:
            cursor.execute("SET LOCAL klachtpunt.retention = 'on'")
            cursor.execute("UPDATE casework_accesslogentry SET detail = 'x' WHERE id = %s", [entry.pk])

        assert "append-only" in _refused(update_old)


def test_access_log_purge_older_than_removes_only_rows_past_five_years(world: World) -> None:
    now = timezone.now()
    old = _entry(world, at=now - datetime.timedelta(days=5 * 365 + 10))
    recent = _entry(world, at=now - datetime.timedelta(days=4 * 365))
    assert access_log_purge_older_than(provider=world.alpha) == 1
    with schema_context(world.alpha.schema_name):
        remaining = set(AccessLogEntry.objects.values_list("pk", flat=True))
    assert old.pk not in remaining and recent.pk in remaining
    with pytest.raises(ValueError, match="at least 5 years"):
        access_log_purge_older_than(provider=world.alpha, years=4)
    # The privilege lasts for the retention transaction only.
    with schema_context(world.alpha.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('klachtpunt.retention', true)")
        assert cursor.fetchone()[0] in (None, "", "off")


def test_access_log_rows_are_kept_while_their_dossier_exists(world: World) -> None:
    """Kept at least as long as the dossier they describe: 5 years is a minimum, not a maximum."""
    case = make_case(world.alpha)
    long_ago = timezone.now() - datetime.timedelta(days=7 * 365)
    of_living_dossier = _entry(world, at=long_ago, case_id=case.case_id)
    of_gone_dossier = _entry(world, at=long_ago)
    of_a_search = access_log_record(
        provider=world.alpha, event=Event.SEARCH, accessor=SYSTEM, subject="complaints", at=long_ago
    )
    assert access_log_purge_older_than(provider=world.alpha) == 2
    with schema_context(world.alpha.schema_name):
        remaining = set(AccessLogEntry.objects.values_list("pk", flat=True))
    assert of_living_dossier.pk in remaining
    assert of_gone_dossier.pk not in remaining and of_a_search.pk not in remaining
    # The database holds the same line, whatever the retention path is asked.
    with schema_context(world.alpha.schema_name), connection.cursor() as cursor:

        def delete_kept() -> None:
            cursor.execute("SET LOCAL klachtpunt.retention = 'on'")
            cursor.execute("DELETE FROM casework_accesslogentry WHERE id = %s", [of_living_dossier.pk])

        assert "existing dossier is kept" in _refused(delete_kept)


# --- The provider sees every access to its dossiers ------------------------------------------


def test_provider_sees_klachtpunt_staffs_accesses_by_name_role_and_organisation(world: World) -> None:
    from accounts.models import PlatformRole
    from accounts.services import user_create
    from tests.casework.procedure_support import worked_case
    from tests.support import PASSWORD

    case, officer = worked_case(world)
    # The coordinator and the officer open the dossier on the platform, over HTTP.
    login(Client(HTTP_HOST="localhost"), world.coordinator.email).get(f"/werkplek/zaken/{case.reference}/")
    professional_client(officer).get(f"/werkplek/zaken/{case.reference}/bemiddeling/")
    platform_admin = user_create(
        email="beheer@klachtpunt.test",
        password=PASSWORD,
        display_name="Petra Platform",
        roles=[PlatformRole.PLATFORM_ADMIN],
    )
    professional_client(platform_admin).get(f"/werkplek/zaken/{case.reference}/")
    # A complainant following their complaint.
    host_client(world.alpha_host).get(f"/volg/{follow_token(case)}/")

    admin = provider_login(world)
    html = admin.get("/instellingen/toegangslog/").content.decode()
    assert str(officer) in html and "Klachtenfunctionaris" in html
    assert world.coordinator.email in html and "Klachtencoördinator" in html
    assert "Petra Platform" in html and "Beheerder van Klachtpunt" in html
    assert "Klachtpunt" in html and case.reference in html
    # The complainant by role only: no name, no address, no IP address.
    assert "Klager" in html and "Jan Jansen" not in html and "jan.jansen" not in html
    # Klachtpunt's accesses only, as a filter; and the same in the CSV.
    only_klachtpunt = admin.get("/instellingen/toegangslog/", {"party": "klachtpunt"}).content.decode()
    assert str(officer) in only_klachtpunt and "Admin Alpha" not in only_klachtpunt.split("<table")[1]
    export = admin.get("/instellingen/toegangslog/export.csv", {"party": "klachtpunt"})
    rows = list(csv.reader(io.StringIO(export.content.decode().lstrip("\ufeff")), delimiter=";"))
    assert rows[0][4:7] == ["Wie", "Rol", "Organisatie"]
    people = {(row[4], row[5], row[6]) for row in rows[1:]}
    assert (str(officer), "Klachtenfunctionaris", "Klachtpunt") in people
    assert (world.coordinator.email, "Klachtencoördinator", "Klachtpunt") in people
    assert ("Petra Platform", "Beheerder van Klachtpunt", "Klachtpunt") in people


def test_provider_sees_who_accessed_a_dossier_not_shared_with_it_but_not_which(world: World) -> None:
    from casework.index.models import Consent
    from tests.casework.factories import submission, submit

    pending = submit(world.alpha, submission=submission(consent=Consent.PENDING)).complaint
    login(Client(HTTP_HOST="localhost"), world.coordinator.email).get(f"/werkplek/zaken/{pending.reference}/")
    admin = provider_login(world)
    html = admin.get("/instellingen/toegangslog/", {"party": "klachtpunt"}).content.decode()
    assert world.coordinator.email in html and "dossier niet met u gedeeld" in html
    assert pending.reference not in html
    export = admin.get("/instellingen/toegangslog/export.csv", {"party": "klachtpunt"}).content.decode()
    assert world.coordinator.email in export and pending.reference not in export


# --- Pages and actions write entries ------------------------------------------------------


def test_coordinator_reading_a_dossier_and_an_attachment_step_are_logged(world: World) -> None:
    case = make_case(world.alpha)
    client = login(Client(HTTP_HOST="localhost", REMOTE_ADDR="192.0.2.10"), world.coordinator.email)
    assert client.get(f"/werkplek/zaken/{case.reference}/").status_code == 200
    [read] = log_entries(world.alpha, case_id=case.case_id, event=Event.READ, subject="dossier")
    assert read.reference == case.reference and read.user_id == world.coordinator.pk
    assert read.role == "coordinator" and read.organisation == "Klachtpunt"
    assert read.channel == AccessChannel.PLATFORM_STAFF
    assert (read.host, read.path, read.method) == ("localhost", f"/werkplek/zaken/{case.reference}/", "GET")
    assert read.ip_address == "192.0.2.10"
    response = client.post(
        f"/werkplek/zaken/{case.reference}/intake/",
        {"intake-discussed": "Gebeld", "intake-goal": "explanation", "intake-goal_details": ""},
    )
    assert response.status_code == 302
    [change] = log_entries(world.alpha, case_id=case.case_id, event=Event.CHANGE)
    assert change.subject == "triage_intake" and change.method == "POST"
    # Nothing lands in another provider's log.
    assert log_entries(world.beta, reference=case.reference) == []


def test_a_refused_triage_step_logs_no_change(world: World) -> None:
    case = make_case(world.alpha)
    client = login(Client(HTTP_HOST="localhost"), world.coordinator.email)
    response = client.post(f"/werkplek/zaken/{case.reference}/doorzetten/", {"route-service": "officer"})
    assert response.status_code == 400  # already with the officer
    assert log_entries(world.alpha, case_id=case.case_id, event=Event.CHANGE) == []


def test_portal_filing_is_logged_as_create_and_reading_as_read(world: World) -> None:
    client = Client(HTTP_HOST="localhost")
    client.force_login(world.complainant)
    response = client.post("/klacht-indienen/alpha/", complaint_post())
    reference = response.url.split("/")[2]
    case = CaseIndex.objects.get(reference=reference)
    [created] = log_entries(world.alpha, case_id=case.case_id, event=Event.CREATE)
    assert created.channel == AccessChannel.COMPLAINANT_PORTAL and created.user_id == world.complainant.pk
    assert client.get(f"/mijn-klachten/{reference}/").status_code == 200
    assert log_entries(world.alpha, case_id=case.case_id, event=Event.READ, channel="complainant_portal")


def test_provider_search_detail_and_export_are_logged(world: World) -> None:
    case = make_case(world.alpha)
    client = provider_login(world)
    assert client.get("/klachten/", {"q": "KP"}).status_code == 200
    [search] = log_entries(world.alpha, event=Event.SEARCH, subject="complaints")
    assert search.case_id is None and search.user_id == world.alpha_admin.pk
    assert search.role == "provider_admin" and search.organisation == "Zorg Alpha"
    assert "text='KP'" in search.detail
    assert client.get(f"/klachten/{case.reference}/").status_code == 200
    assert log_entries(world.alpha, event=Event.READ, case_id=case.case_id, channel="provider")
    assert client.get("/klachten/export.csv").status_code == 200
    [export] = log_entries(world.alpha, event=Event.EXPORT, subject="complaints_csv")
    assert export.channel == AccessChannel.PROVIDER


def test_api_key_search_and_read_are_logged_with_the_key(world: World) -> None:
    case = make_case(world.alpha)
    _key, raw = api_key_create(provider=world.alpha, name="EPD-koppeling", created_by=world.alpha_admin)
    client = host_client(world.alpha_host)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/cases", **auth).status_code == 200
    assert client.get(f"/api/v1/cases/{case.reference}", **auth).status_code == 200
    [search] = log_entries(world.alpha, event=Event.SEARCH, subject="cases")
    [read] = log_entries(world.alpha, event=Event.READ, case_id=case.case_id)
    for entry in (search, read):
        assert entry.channel == AccessChannel.API_KEY and entry.role == "api_key"
        assert "EPD-koppeling" in entry.user_label and entry.user_id is None


def test_follow_page_and_status_api_reads_are_logged(world: World) -> None:
    case = make_case(world.alpha)
    token = follow_token(case)
    client = host_client(world.alpha_host)
    assert client.get(f"/volg/{token}/").status_code == 200
    assert client.get(f"/api/v1/status/{token}").status_code == 200
    reads = log_entries(world.alpha, event=Event.READ, case_id=case.case_id)
    assert [r.channel for r in reads] == [AccessChannel.FOLLOW_LINK] * 2
    assert all(r.user_id is None and r.role == "complainant" for r in reads)


# --- The complainant sees who looked ---------------------------------------------------------


def test_complainant_sees_who_looked_by_role_and_organisation_not_names(world: World) -> None:
    case = make_case(world.alpha, complainant_name="Els Eigenaar")
    other = make_case(world.alpha, complainant_name="Anna Ander")
    coordinator = login(Client(HTTP_HOST="localhost"), world.coordinator.email)
    coordinator.get(f"/werkplek/zaken/{case.reference}/")
    coordinator.get(f"/werkplek/zaken/{other.reference}/")
    provider_login(world).get(f"/klachten/{case.reference}/")
    token = follow_token(case)
    page = host_client(world.alpha_host).get(f"/volg/{token}/").content.decode()
    section = page.split('id="accesses-title"')[1]
    assert "Klachtencoördinator" in section and "Klachtpunt" in section
    # The world's admin also decides: reading a dossier, they act as its decision maker.
    assert "Beslisser bij de zorgaanbieder" in section and "Zorg Alpha" in section
    assert "Ingezien" in section
    # No staff names, no other complainant's data, and the complainant's own visit is not listed.
    assert world.alpha_admin.display_name not in section and world.coordinator.email not in section
    assert "Anna Ander" not in page and other.reference not in page
    assert section.count("<tr>") == 1 + 2  # header, the coordinator's read, the provider's read


def test_mijn_klachten_detail_shows_who_looked(world: World) -> None:
    client = Client(HTTP_HOST="localhost")
    client.force_login(world.complainant)
    reference = client.post("/klacht-indienen/alpha/", complaint_post()).url.split("/")[2]
    login(Client(HTTP_HOST="localhost"), world.coordinator.email).get(f"/werkplek/zaken/{reference}/")
    page = client.get(f"/mijn-klachten/{reference}/").content.decode()
    section = page.split('id="accesses-title"')[1]
    assert "Klachtencoördinator" in section and WHAT_HAPPENED not in section


# --- The provider admin per employee and period ------------------------------------------------


def test_provider_admin_views_the_log_per_employee_and_period_and_reading_is_logged(world: World) -> None:
    case = make_case(world.alpha)
    now = timezone.now()
    staff = provider_accessor(world.alpha_staff_no_mfa, world.alpha)
    access_log_record(
        provider=world.alpha,
        event=Event.READ,
        accessor=staff,
        case_id=case.case_id,
        reference=case.reference,
        at=now - datetime.timedelta(days=3),
    )
    access_log_record(
        provider=world.alpha,
        event=Event.EXPORT,
        accessor=staff,
        case_id=case.case_id,
        reference=case.reference,
        at=now - datetime.timedelta(days=60),
    )
    # Klachtpunt's accesses are in the provider's log too, but not this employee's (filtered out).
    access_log_record(
        provider=world.alpha,
        event=Event.READ,
        accessor=staff_accessor(world.coordinator, "coordinator"),
        case_id=case.case_id,
        reference=case.reference,
    )
    client = provider_login(world)
    page = client.get(
        "/instellingen/toegangslog/",
        {
            "user": world.alpha_staff_no_mfa.pk,
            "since": (now - datetime.timedelta(days=10)).date().isoformat(),
            "until": now.date().isoformat(),
        },
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "1 toegang" in html and case.reference in html and "Staff Alpha" in html
    assert "Geëxporteerd" not in html  # outside the period
    assert world.coordinator.email not in html
    earlier = (now - datetime.timedelta(days=30)).date().isoformat()
    everyone = client.get(
        "/instellingen/toegangslog/", {"since": "2000-01-01", "until": earlier}
    ).content.decode()
    assert "Geëxporteerd" in everyone and world.coordinator.email not in everyone  # now: after the period
    export = client.get(
        "/instellingen/toegangslog/export.csv", {"user": world.alpha_staff_no_mfa.pk, "since": "2000-01-01"}
    )
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode().lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "Moment" and len(rows) == 3
    assert {row[1] for row in rows[1:]} == {"Ingezien", "Geëxporteerd"}
    # Reading the log is itself logged: each page view a search, the CSV an export.
    reads = log_entries(world.alpha, subject="access_log", user_id=world.alpha_admin.pk)
    assert [entry.event for entry in reads] == [Event.SEARCH, Event.SEARCH, Event.EXPORT]
    assert f"user={world.alpha_staff_no_mfa.pk}" in reads[0].detail


def test_only_the_provider_admin_reads_the_providers_log(world: World) -> None:
    staff = host_client(world.alpha_host)
    staff.force_login(world.alpha_staff_no_mfa)
    # A provider user without a second factor is sent to set one up; with one, staff still may not.
    assert staff.get("/instellingen/toegangslog/").status_code == 302
    from accounts.services import totp_activate
    from tests.support import TOTP_SECRET

    totp_activate(user=world.alpha_staff_no_mfa, secret=TOTP_SECRET)
    assert staff.get("/instellingen/toegangslog/").status_code == 403
    # Another provider's admin sees its own log only (and is not logged in on this host).
    beta = provider_login(world, world.beta_admin, host=world.beta_host)
    assert beta.get("/instellingen/toegangslog/").status_code == 200
    assert log_entries(world.alpha, subject="access_log") == []


def test_staff_read_a_dossiers_log_and_that_read_is_logged(world: World) -> None:
    case = make_case(world.alpha)
    client = login(Client(HTTP_HOST="localhost"), world.coordinator.email)
    client.get(f"/werkplek/zaken/{case.reference}/")
    page = client.get(f"/werkplek/zaken/{case.reference}/toegangslog/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ingezien" in html and "Klachtencoördinator" in html
    assert log_entries(world.alpha, case_id=case.case_id, subject="access_log", event=Event.READ)
    complainant = Client(HTTP_HOST="localhost")
    complainant.force_login(world.complainant)
    assert complainant.get(f"/werkplek/zaken/{case.reference}/toegangslog/").status_code == 403


def test_complainant_pages_through_who_looked_twenty_at_a_time(world: World) -> None:
    client = Client(HTTP_HOST="localhost")
    client.force_login(world.complainant)
    reference = client.post("/klacht-indienen/alpha/", complaint_post()).url.split("/")[2]
    case = CaseIndex.objects.get(reference=reference)
    staff = Accessor(channel=AccessChannel.PLATFORM_STAFF, role="coordinator", organisation="Klachtpunt")
    start = timezone.now() - datetime.timedelta(days=1)
    for minute in range(25):
        access_log_record(
            provider=world.alpha,
            event=Event.READ,
            accessor=staff,
            case_id=case.case_id,
            reference=reference,
            at=start + datetime.timedelta(minutes=minute),
        )
    page = client.get(f"/mijn-klachten/{reference}/").content.decode()
    section = page.split('id="accesses-title"')[1].split("</section>")[0]
    assert section.count("<tr>") == 1 + 20 and "Pagina 1 van 2" in section
    assert 'href="?inzage=2#accesses-title"' in section
    older = client.get(f"/mijn-klachten/{reference}/", {"inzage": 2}).content.decode()
    section = older.split('id="accesses-title"')[1].split("</section>")[0]
    assert section.count("<tr>") == 1 + 5 and "Pagina 2 van 2" in section


def test_complainant_reads_the_complaint_they_wrote_on_their_page(world: World) -> None:
    client = Client(HTTP_HOST="localhost")
    client.force_login(world.complainant)
    reference = client.post(
        "/klacht-indienen/alpha/", complaint_post(goal_details="Ik wil weten waarom het gebeurde.")
    ).url.split("/")[2]
    page = client.get(f"/mijn-klachten/{reference}/").content.decode()
    section = page.split('id="written-title"')[1].split("</section>")[0]
    assert WHAT_HAPPENED in section
    assert "Uitleg" in section and "Ik wil weten waarom het gebeurde." in section
