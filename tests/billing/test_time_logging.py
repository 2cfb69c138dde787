"""Time logging: who may log, what the ledger keeps (no notes), closed months, the provider's view."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from billing.selectors import time_entries_visible_to_provider
from casework.assignment.services import assignment_accept, case_assign, case_reassign
from casework.assignment.time import time_entry_log
from casework.dossier.events import entry_text
from casework.index.models import CaseIndex, Consent, Service
from casework.models import TimelineEntry
from casework.timesheets.models import Activity, LedgerMonth, TimeEntry, TimeKind
from casework.timesheets.selectors import hours_for_month
from casework.timesheets.services import TimeEntryError, time_entry_delete, time_entry_update
from tenants.clusters import schema_context
from tests.casework.accessors import STAFF
from tests.casework.factories_professionals import make_case, make_professional, staff_client

pytestmark = pytest.mark.django_db

NOTE = "Klager belde huilend; wil vooral excuses van nachtdienst Zwaluw-7"


def _assigned(world, **case_overrides):  # type: ignore[no-untyped-def]
    case = make_case(world.alpha, **case_overrides)
    professional = make_professional("Pieter Jansen")
    case_assign(accessor=STAFF, case=case, professional=professional.user, actor=world.coordinator)
    assignment_accept(accessor=STAFF, case=case, professional=professional.user)
    return case, professional.user


def _log(actor, case, **overrides) -> TimeEntry:  # type: ignore[no-untyped-def]
    values = {
        "kind": TimeKind.PHONE,
        "minutes": 45,
        "worked_on": timezone.localdate(),
        "activity": Activity.MEDIATION,
    }
    values.update(overrides)
    return time_entry_log(accessor=STAFF, actor=actor, case=case, **values)


def test_assigned_professional_logs_time_and_the_note_goes_to_the_timeline(world) -> None:  # type: ignore[no-untyped-def]
    case, professional = _assigned(world)
    entry = _log(professional, case, note=NOTE)
    entry.refresh_from_db()
    assert (entry.reference, entry.minutes, entry.kind, entry.activity) == (
        case.reference,
        45,
        TimeKind.PHONE,
        Activity.MEDIATION,
    )
    assert entry.provider_id == world.alpha.pk and entry.service == Service.OFFICER
    with schema_context(world.alpha.schema_name):
        [note] = TimelineEntry.objects.filter(complaint_id=case.case_id, kind="time_note")
    assert entry_text(note) == NOTE and note.visibility == TimelineEntry.Visibility.STAFF
    assert note.actor_user_id == professional.pk and note.data["time_entry_id"] == entry.pk


def test_no_notes_in_the_ledger_or_anywhere_in_the_public_schema(world) -> None:  # type: ignore[no-untyped-def]
    field_names = {field.name for field in TimeEntry._meta.get_fields()}
    assert not field_names & {"note", "notes", "description", "comment", "text"}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = %s",
            [TimeEntry._meta.db_table],
        )
        columns = {row[0] for row in cursor.fetchall()}
    assert columns and not any("note" in column or "comment" in column for column in columns)

    case, professional = _assigned(world)
    _log(professional, case, note=NOTE)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        hits = []
        for table in tables:
            cursor.execute(
                f'SELECT count(*) FROM public."{table}" AS t WHERE t::text LIKE %s', ["%Zwaluw-7%"]
            )
            if cursor.fetchone()[0]:
                hits.append(table)
    assert tables and hits == []
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT count(*) FROM "{world.alpha.schema_name}".casework_timelineentry '
            "WHERE data->>'text' LIKE %s",
            ["%Zwaluw-7%"],
        )
        assert cursor.fetchone()[0] == 1


def test_time_logging_is_refused_for_a_professional_who_is_not_assigned(world) -> None:  # type: ignore[no-untyped-def]
    case, _professional = _assigned(world)
    stranger = make_professional("Sam Vreemd").user
    with pytest.raises(TimeEntryError, match="Alleen de professional"):
        _log(stranger, case)
    assert not TimeEntry.objects.filter(case=case).exists()
    client = staff_client(stranger)
    assert client.get(f"/werkplek/zaken/{case.reference}/uren/").status_code == 404
    response = client.post(
        f"/werkplek/zaken/{case.reference}/uren/",
        {
            "kind": "phone",
            "activity": "mediation",
            "minutes": 30,
            "worked_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 404 and not TimeEntry.objects.filter(case=case).exists()


def test_offered_professional_may_log_and_a_replaced_one_may_not(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    first, second = make_professional().user, make_professional().user
    case_assign(accessor=STAFF, case=case, professional=first, actor=world.coordinator)
    _log(first, case, activity=Activity.CORRESPONDENCE)  # offered: may already log
    case_reassign(
        accessor=STAFF, case=case, professional=second, actor=world.coordinator, reason="Herverdeeld"
    )
    with pytest.raises(TimeEntryError):
        _log(first, case)
    _log(second, case)
    assert TimeEntry.objects.filter(case=case).count() == 2


def test_coordinator_may_log_intake_calls_only(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha, consent=Consent.PENDING)
    entry = _log(world.coordinator, case, kind=TimeKind.PHONE, activity=Activity.INTAKE, minutes=20)
    assert entry.professional == world.coordinator and entry.service == "officer"
    with pytest.raises(TimeEntryError, match="intakegesprekken"):
        _log(world.coordinator, case, kind=TimeKind.ONSITE, activity=Activity.INTAKE)
    with pytest.raises(TimeEntryError, match="intakegesprekken"):
        _log(world.coordinator, case, kind=TimeKind.PHONE, activity=Activity.MEDIATION)
    # Through the page: the form only offers the phone intake.
    client = staff_client(world.coordinator)
    page = client.get(f"/werkplek/zaken/{case.reference}/uren/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="onsite"' not in html and 'value="mediation"' not in html
    response = client.post(
        f"/werkplek/zaken/{case.reference}/uren/",
        {"kind": "phone", "activity": "intake", "minutes": 15, "worked_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    assert TimeEntry.objects.filter(case=case, professional=world.coordinator).count() == 2


def test_closed_month_is_locked(world) -> None:  # type: ignore[no-untyped-def]
    case, professional = _assigned(world)
    entry = _log(professional, case)
    today = timezone.localdate()
    LedgerMonth.objects.create(
        month=today.replace(day=1), closed_at=timezone.now(), closed_by=world.coordinator
    )
    with pytest.raises(TimeEntryError, match="afgesloten"):
        _log(professional, case)
    with pytest.raises(TimeEntryError, match="afgesloten"):
        time_entry_update(
            actor=professional,
            entry=entry,
            kind=TimeKind.ONSITE,
            minutes=60,
            worked_on=today,
            activity="mediation",
        )
    with pytest.raises(TimeEntryError, match="afgesloten"):
        time_entry_delete(actor=professional, entry=entry)
    entry.refresh_from_db()
    assert entry.minutes == 45
    page = staff_client(professional).get(f"/werkplek/zaken/{case.reference}/uren/").content.decode()
    assert "Maand afgesloten" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"minutes": 0}, "1 en 1440"),
        ({"minutes": 1441}, "1 en 1440"),
        ({"worked_on": timezone.localdate() + datetime.timedelta(days=1)}, "toekomst"),
        ({"worked_on": timezone.localdate() - datetime.timedelta(days=40)}, "ontvangst"),
        ({"kind": "bicycle"}, "soort"),
        ({"activity": "golf"}, "activiteit"),
    ],
)
def test_bad_values_are_refused(world, overrides, message) -> None:  # type: ignore[no-untyped-def]
    case, professional = _assigned(world)
    with pytest.raises(TimeEntryError, match=message):
        _log(professional, case, **overrides)


def test_professional_edits_and_deletes_own_entry_only(world) -> None:  # type: ignore[no-untyped-def]
    case, professional = _assigned(world)
    entry = _log(professional, case)
    time_entry_update(
        actor=professional,
        entry=entry,
        kind=TimeKind.ONSITE,
        minutes=90,
        worked_on=timezone.localdate(),
        activity=Activity.MEDIATION,
    )
    entry.refresh_from_db()
    assert (entry.kind, entry.minutes) == (TimeKind.ONSITE, 90)
    with pytest.raises(TimeEntryError, match="eigen"):
        time_entry_delete(actor=world.coordinator, entry=entry)
    client = staff_client(professional)
    assert client.get(f"/werkplek/zaken/{case.reference}/uren/{entry.pk}/").status_code == 200
    assert (
        staff_client(world.coordinator).get(f"/werkplek/zaken/{case.reference}/uren/{entry.pk}/").status_code
        == 404
    )
    response = client.post(f"/werkplek/zaken/{case.reference}/uren/{entry.pk}/verwijderen/")
    assert response.status_code == 302 and not TimeEntry.objects.filter(pk=entry.pk).exists()


def test_logging_through_the_page(world) -> None:  # type: ignore[no-untyped-def]
    case, professional = _assigned(world)
    client = staff_client(professional)
    response = client.post(
        f"/werkplek/zaken/{case.reference}/uren/",
        {
            "kind": "onsite",
            "activity": "mediation",
            "minutes": 75,
            "worked_on": timezone.localdate().isoformat(),
            "note": NOTE,
        },
    )
    assert response.status_code == 302
    entry = TimeEntry.objects.get(case=case)
    assert entry.minutes == 75 and entry.kind == TimeKind.ONSITE
    future = client.post(
        f"/werkplek/zaken/{case.reference}/uren/",
        {
            "kind": "phone",
            "activity": "mediation",
            "minutes": 10,
            "worked_on": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
        },
    )
    assert future.status_code == 200 and "De datum ligt in de toekomst." in future.content.decode()


def test_my_hours_totals_per_kind_and_per_case(world) -> None:  # type: ignore[no-untyped-def]
    case, professional = _assigned(world)
    other = make_case(world.beta)
    case_assign(accessor=STAFF, case=other, professional=professional, actor=world.coordinator)
    _log(professional, case, kind=TimeKind.PHONE, minutes=30)
    _log(professional, case, kind=TimeKind.ONSITE, minutes=90)
    _log(professional, other, kind=TimeKind.NON_BILLABLE, minutes=15, activity=Activity.TRAVEL)
    hours = hours_for_month(user=professional, month=timezone.localdate())
    assert {kind: minutes for kind, _label, minutes in hours.by_kind} == {
        "phone": 30,
        "onsite": 90,
        "non_billable": 15,
    }
    assert hours.total_minutes == 135 and hours.billable_minutes == 120
    assert {row.reference: row.minutes for row in hours.by_case} == {case.reference: 120, other.reference: 15}
    page = staff_client(professional).get("/werkplek/mijn-uren/")
    html = page.content.decode()
    assert page.status_code == 200 and "2:15" in html and "2:00" in html and other.reference in html
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
    assert (
        "Geen uren in deze maand"
        in staff_client(professional).get(f"/werkplek/mijn-uren/?maand={last_month}").content.decode()
    )


def test_time_entries_visible_to_provider_excludes_unconsented_and_confidant_cases(world) -> None:  # type: ignore[no-untyped-def]
    consented, professional = _assigned(world)
    visible = _log(professional, consented)

    unconsented = make_case(world.alpha, consent=Consent.PENDING)
    hidden_intake = _log(world.coordinator, unconsented, activity=Activity.INTAKE)

    confidant_case = make_case(world.alpha, service=Service.CONFIDANT)
    confidant = make_professional("Vera Vertrouwens", qualifications=["confidant"]).user
    case_assign(accessor=STAFF, case=confidant_case, professional=confidant, actor=world.coordinator)
    hidden_confidant = _log(confidant, confidant_case, activity=Activity.SUPPORT)

    withdrawn, withdrawn_professional = _assigned(world)
    hidden_withdrawn = _log(withdrawn_professional, withdrawn)
    CaseIndex.objects.filter(pk=withdrawn.pk).update(consent=Consent.WITHDRAWN)

    other_provider = make_case(world.beta)
    _log(world.coordinator, other_provider, activity=Activity.INTAKE)

    shown = set(time_entries_visible_to_provider(world.alpha).values_list("pk", flat=True))
    assert shown == {visible.pk}
    assert not shown & {hidden_intake.pk, hidden_confidant.pk, hidden_withdrawn.pk}
