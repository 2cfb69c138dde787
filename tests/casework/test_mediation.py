"""Mediation: meetings with calendar invitations, records by visibility, messages between the parties."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from icalendar import Calendar

from casework.consent.services import consent_record
from casework.dossier.access_log import Event
from casework.dossier.events import entry_text
from casework.index.models import CaseIndex, CaseStatus, Channel, Consent
from casework.models import Meeting, Message, TimelineEntry
from casework.procedures.mediation import meeting_schedule, message_send
from casework.procedures.tasks import send_meeting_invitations, send_message_notifications
from tenants.clusters import schema_context
from tests.casework.accessors import STAFF
from tests.casework.factories import WHAT_HAPPENED
from tests.casework.factories_professionals import make_professional, staff_client
from tests.casework.procedure_support import (
    access_log_mark,
    complaint_of,
    follow_token,
    log_entries,
    professional_client,
    provider_login,
    staff_accessor,
    worked_case,
)
from tests.conftest import host_client
from tests.support import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_access_log(world: World) -> None:
    access_log_mark(world.alpha, world.beta)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def next_week_at(hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=7)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def meeting_post(**overrides: str) -> dict[str, str]:
    day = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    data = {
        "meeting-kind": "on_site",
        "meeting-day": day,
        "meeting-start": "14:00",
        "meeting-end": "15:30",
        "meeting-location": "Zorg Alpha, Stationsplein 1, Utrecht",
        "meeting-call_in": "",
        "meeting-with_complainant": "on",
        "meeting-provider_contact_name": "Mevrouw De Vries",
        "meeting-provider_contact_email": "devries@alpha.test",
    }
    data.update({f"meeting-{key}": value for key, value in overrides.items()})
    return data


def _ics(message: mail.EmailMessage) -> Calendar:
    [(name, content, mimetype)] = message.attachments
    assert name.endswith(".ics") and mimetype.startswith("text/calendar")
    return Calendar.from_ical(content)


def test_officer_schedules_a_meeting_and_each_party_gets_an_ics_without_complaint_text(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    case, officer = worked_case(world)
    client = professional_client(officer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/werkplek/zaken/{case.reference}/bemiddeling/gesprek/", meeting_post())
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context(world.alpha.schema_name):
        meeting = Meeting.objects.get(complaint_id=case.case_id)
        assert meeting.sent_sequence == 0
        [entry] = TimelineEntry.objects.filter(complaint_id=case.case_id, kind="meeting_scheduled")
    assert entry.visibility == TimelineEntry.Visibility.ALL and entry.actor_user_id == officer.pk
    # Dossier and index move to "in mediation" together.
    assert complaint_of(case).status == CaseStatus.IN_MEDIATION
    assert CaseIndex.objects.get(pk=case.pk).status == CaseStatus.IN_MEDIATION
    [change] = log_entries(world.alpha, case_id=case.case_id, event=Event.CHANGE, subject="meeting")
    assert change.user_id == officer.pk and change.role == "officer"

    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted(["jan.jansen@example.nl", "devries@alpha.test", officer.email])
    for message in mail.outbox:
        body = message.subject + message.body
        assert case.reference in message.subject
        assert "14:00" in message.body and "15:30" in message.body
        assert WHAT_HAPPENED not in body and "medicijnen" not in body and "Jan Jansen" not in body
        assert "Stationsplein" not in message.body  # where to go is in the calendar item, not the text
        calendar = _ics(message)
        assert calendar["METHOD"] == "REQUEST"
        [event] = calendar.walk("VEVENT")
        assert str(event["UID"]) == meeting.uid and int(event["SEQUENCE"]) == 0
        assert event.decoded("DTSTART") == next_week_at(14)
        assert event.decoded("DTEND") == next_week_at(14) + datetime.timedelta(minutes=90)
        assert case.reference in str(event["SUMMARY"]) and "Stationsplein 1" in str(event["LOCATION"])
        attendees = event.get("ATTENDEE")
        attendees = attendees if isinstance(attendees, list) else [attendees]
        assert [str(a).lower() for a in attendees] == [f"mailto:{message.to[0]}".lower()]
        assert "medicijnen" not in calendar.to_ical().decode()
        link = str(event["URL"])
        assert link in message.body
    by_recipient = {m.to[0]: str(_ics(m).walk("VEVENT")[0]["URL"]) for m in mail.outbox}
    assert by_recipient["devries@alpha.test"] == f"http://alpha.localhost:8000/klachten/{case.reference}/"
    assert by_recipient[officer.email].endswith(f"/werkplek/zaken/{case.reference}/bemiddeling/")
    assert "/volg/" in by_recipient["jan.jansen@example.nl"]
    # Safe to run twice.
    with schema_context(world.alpha.schema_name):
        assert send_meeting_invitations(meeting.pk, 0) == 0
    assert len(mail.outbox) == 3


def test_cancelling_sends_a_cancel_with_the_same_uid_and_the_next_sequence(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    case, officer = worked_case(world)
    client = professional_client(officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/werkplek/zaken/{case.reference}/bemiddeling/gesprek/", meeting_post(kind="phone"))
    with schema_context(world.alpha.schema_name):
        meeting = Meeting.objects.get(complaint_id=case.case_id)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/werkplek/zaken/{case.reference}/bemiddeling/gesprek/{meeting.pk}/annuleren/"
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        assert message.subject.startswith("Geannuleerd")
        calendar = _ics(message)
        [event] = calendar.walk("VEVENT")
        assert calendar["METHOD"] == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
        assert str(event["UID"]) == meeting.uid and int(event["SEQUENCE"]) == 1


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"meeting-day": "2020-01-01"}, "past"),
        ({"meeting-end": "13:00"}, "order"),
        ({"meeting-location": ""}, "location"),
        ({"meeting-kind": "video"}, "call_in"),
        ({"meeting-with_complainant": "", "meeting-provider_contact_email": ""}, "no_parties"),
    ],
)
def test_meeting_form_refusals_show_on_the_page(world: World, overrides: dict, code: str) -> None:
    case, officer = worked_case(world)
    data = meeting_post()
    data.update(overrides)
    if not data["meeting-with_complainant"]:
        del data["meeting-with_complainant"]
    response = professional_client(officer).post(
        f"/werkplek/zaken/{case.reference}/bemiddeling/gesprek/", data
    )
    assert response.status_code == 400
    with schema_context(world.alpha.schema_name):
        assert not Meeting.objects.filter(complaint_id=case.case_id).exists()


def test_no_provider_in_a_meeting_or_message_before_consent(world: World) -> None:
    case, officer = worked_case(world)
    # The complainant withdraws consent while the officer works on the case.
    consent_record(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=case.case_id,
        decision=Consent.WITHDRAWN,
        via=Channel.WIDGET,
        language="nl",
    )
    accessor = staff_accessor(officer, "officer")
    with pytest.raises(ValidationError) as refusal:
        meeting_schedule(
            provider=world.alpha,
            complaint_id=case.case_id,
            accessor=accessor,
            kind=Meeting.Kind.PHONE,
            starts_at=next_week_at(10),
            ends_at=next_week_at(11),
            provider_contact_email="devries@alpha.test",
        )
    assert refusal.value.code == "no_consent"
    with pytest.raises(ValidationError):
        message_send(
            provider=world.alpha,
            complaint_id=case.case_id,
            accessor=accessor,
            sender=Message.Party.STAFF,
            audience=Message.Audience.ALL,
            body="Voor iedereen",
        )
    # The provider's pages know nothing of the case.
    provider = provider_login(world)
    assert provider.get(f"/klachten/{case.reference}/").status_code == 404
    assert provider.post(f"/klachten/{case.reference}/bericht/", {"message-body": "x"}).status_code == 404


def test_records_are_shown_to_each_party_by_their_visibility(world: World) -> None:
    case, officer = worked_case(world)
    client = professional_client(officer)
    page = f"/werkplek/zaken/{case.reference}/bemiddeling/vastleggen/"
    for kind, text, visibility in (
        ("note", "Interne notitie: klager lijkt vooral gehoord te willen worden", "staff"),
        ("agreement", "Afspraak voor de klager: terugbelverzoek binnen een week", "complainant"),
        ("note", "Voor de zorgaanbieder: stuur het medicatieprotocol", "provider"),
        ("agreement", "Gezamenlijke afspraak: evaluatie op 1 maart", "all"),
    ):
        response = client.post(
            page, {"record-kind": kind, "record-text": text, "record-visibility": visibility}
        )
        assert response.status_code == 302, response.content.decode()[:1500]
    response = client.post(
        page,
        {
            "record-kind": "document",
            "record-text": "Verslag",
            "record-visibility": "provider",
            "record-document": SimpleUploadedFile("verslag gesprek.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    staff_page = client.get(f"/werkplek/zaken/{case.reference}/bemiddeling/").content.decode()
    assert "Interne notitie" in staff_page and "verslag gesprek.pdf" in staff_page

    complainant = host_client(world.alpha_host).get(f"/volg/{follow_token(case)}/").content.decode()
    assert "terugbelverzoek" in complainant and "evaluatie op 1 maart" in complainant
    assert "Interne notitie" not in complainant and "medicatieprotocol" not in complainant
    assert "verslag gesprek.pdf" not in complainant

    provider = provider_login(world)
    detail = provider.get(f"/klachten/{case.reference}/").content.decode()
    assert "medicatieprotocol" in detail and "evaluatie op 1 maart" in detail
    assert "Interne notitie" not in detail and "terugbelverzoek" not in detail
    with schema_context(world.alpha.schema_name):
        from casework.models import CaseRecord

        document = CaseRecord.objects.get(complaint_id=case.case_id, kind="document")
    download = provider.get(f"/klachten/{case.reference}/documenten/{document.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert log_entries(world.alpha, event=Event.EXPORT, subject="document", channel="provider")
    token = follow_token(case)
    assert host_client(world.alpha_host).get(f"/volg/{token}/documenten/{document.pk}/").status_code == 404


def test_messages_reach_only_their_audience_and_e_mails_carry_a_link_only(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    case, officer = worked_case(world)
    token = follow_token(case)
    complainant = host_client(world.alpha_host)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = complainant.post(
            f"/volg/{token}/bericht/",
            {"message-body": "Ik wil graag uitleg over de medicatietijden.", "message-audience": "all"},
        )
    assert response.status_code == 302
    notified = {m.to[0]: m for m in mail.outbox}
    # At the provider only who may read the dossier (need-to-know): the admin who decides, not plain staff.
    assert set(notified) == {world.alpha_admin.email, officer.email}
    for message in mail.outbox:
        assert case.reference in message.subject and "medicatietijden" not in message.body
        assert "http://" in message.body
    provider = provider_login(world)
    assert "medicatietijden" in provider.get(f"/klachten/{case.reference}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        provider.post(
            f"/klachten/{case.reference}/bericht/",
            {
                "message-body": "Alleen voor de klachtenfunctionaris: de dienstroosters",
                "message-audience": "provider",
            },
        )
    staff = professional_client(officer)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            f"/werkplek/zaken/{case.reference}/bemiddeling/bericht/",
            {"message-body": "Voor de klager: ik bel u dinsdag", "message-audience": "complainant"},
        )
    staff_page = staff.get(f"/werkplek/zaken/{case.reference}/bemiddeling/").content.decode()
    assert "medicatietijden" in staff_page and "dienstroosters" in staff_page and "dinsdag" in staff_page
    follow_page = complainant.get(f"/volg/{token}/").content.decode()
    assert "medicatietijden" in follow_page and "dinsdag" in follow_page
    assert "dienstroosters" not in follow_page
    provider_page = provider.get(f"/klachten/{case.reference}/").content.decode()
    assert "dienstroosters" in provider_page and "dinsdag" not in provider_page
    # The complainant was told of the officer's message, the provider's own message went to the officer.
    assert any(m.to == ["jan.jansen@example.nl"] for m in mail.outbox)
    with schema_context(world.alpha.schema_name):
        first = Message.objects.filter(complaint_id=case.case_id).order_by("pk").first()
        assert first.notified_at is not None and send_message_notifications(first.pk) == 0
        kinds = [
            (e.visibility, entry_text(e))
            for e in TimelineEntry.objects.filter(complaint_id=case.case_id, kind="message")
        ]
    assert ("all", "Bericht van de klager") in kinds and all("medicatie" not in s for _, s in kinds)


def test_complainant_writes_from_mijn_klachten(world: World) -> None:
    case, officer = worked_case(world)
    CaseIndex.objects.filter(pk=case.pk).update(complainant_user=world.complainant)
    with schema_context(world.alpha.schema_name):
        from casework.models import Complaint

        Complaint.objects.filter(pk=case.case_id).update(complainant_user_id=world.complainant.pk)
    client = host_client("localhost")
    client.force_login(world.complainant)
    page = client.get(f"/mijn-klachten/{case.reference}/").content.decode()
    assert f'action="/mijn-klachten/{case.reference}/bericht/"' in page
    response = client.post(
        f"/mijn-klachten/{case.reference}/bericht/",
        {"message-body": "Vanuit mijn account", "message-audience": "complainant"},
    )
    assert response.status_code == 302
    assert "Vanuit mijn account" in client.get(f"/mijn-klachten/{case.reference}/").content.decode()
    assert (
        "Vanuit mijn account"
        in professional_client(officer).get(f"/werkplek/zaken/{case.reference}/bemiddeling/").content.decode()
    )


def test_only_the_professional_holding_the_case_works_on_it(world: World) -> None:
    case, _officer = worked_case(world)
    stranger = make_professional(totp=True).user
    assert staff_client(stranger).get(f"/werkplek/zaken/{case.reference}/bemiddeling/").status_code == 404
    coordinator = staff_client(world.coordinator)
    assert coordinator.get(f"/werkplek/zaken/{case.reference}/bemiddeling/").status_code == 200
    refused = coordinator.post(f"/werkplek/zaken/{case.reference}/bemiddeling/gesprek/", meeting_post())
    assert refused.status_code == 404
    complainant = host_client("localhost")
    complainant.force_login(world.complainant)
    assert complainant.get(f"/werkplek/zaken/{case.reference}/bemiddeling/").status_code == 403


def test_meeting_cancel_of_another_cases_meeting_is_not_found_and_cancels_nothing(world: World) -> None:
    # Found by the isolation matrix: a worker posting another case's meeting id got a 500.
    case, officer = worked_case(world)
    other_case, other_officer = worked_case(world)
    meeting = meeting_schedule(
        provider=world.alpha,
        complaint_id=other_case.case_id,
        accessor=staff_accessor(other_officer, "officer"),
        kind=Meeting.Kind.PHONE,
        starts_at=next_week_at(10),
        ends_at=next_week_at(11),
    )
    client = staff_client(officer)
    response = client.post(f"/werkplek/zaken/{case.reference}/bemiddeling/gesprek/{meeting.pk}/annuleren/")
    assert response.status_code == 404
    with schema_context(world.alpha.schema_name):
        assert Meeting.objects.get(pk=meeting.pk).cancelled_at is None


def test_a_document_shared_with_the_complainant_downloads_from_the_portal_and_the_follow_link(
    world: World,
) -> None:
    # Found by the isolation matrix: the letters' routes (same path, /documenten/<id>/) shadowed
    # these, so a document the page linked answered 404.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from casework.dossier.attachments import check_attachments
    from casework.index.models import CaseIndex
    from casework.models import CaseRecord, Complaint
    from casework.procedures.mediation import record_add

    case, officer = worked_case(world)
    [document] = check_attachments([SimpleUploadedFile("verslag.txt", b"Verslag van het gesprek.")])
    record = record_add(
        provider=world.alpha,
        complaint_id=case.case_id,
        accessor=staff_accessor(officer, "officer"),
        kind=CaseRecord.Kind.DOCUMENT,
        visibility="complainant",
        document=document,
    )
    follow = host_client(world.alpha_host).get(f"/volg/{follow_token(case)}/documenten/{record.pk}/")
    assert follow.status_code == 200 and b"".join(follow.streaming_content) == b"Verslag van het gesprek."
    CaseIndex.objects.filter(pk=case.pk).update(complainant_user=world.complainant)
    with schema_context(world.alpha.schema_name):
        Complaint.objects.filter(pk=case.case_id).update(complainant_user_id=world.complainant.pk)
    portal = host_client("localhost")
    portal.force_login(world.complainant)
    response = portal.get(f"/mijn-klachten/{case.reference}/documenten/{record.pk}/")
    assert response.status_code == 200


def test_first_contact_is_met_by_the_first_message_to_the_complainant_only(world: World) -> None:
    case, officer = worked_case(world)
    accessor = staff_accessor(officer, "officer")
    CaseIndex.objects.filter(pk=case.pk).update(first_contact_at=None)
    # A message only for the provider is no contact with the complainant.
    message_send(
        provider=world.alpha,
        complaint_id=case.case_id,
        accessor=accessor,
        sender=Message.Party.STAFF,
        audience=Message.Audience.PROVIDER,
        body="Voor de zorgaanbieder",
    )
    assert CaseIndex.objects.get(pk=case.pk).first_contact_at is None
    message_send(
        provider=world.alpha,
        complaint_id=case.case_id,
        accessor=accessor,
        sender=Message.Party.STAFF,
        audience=Message.Audience.COMPLAINANT,
        body="Goedemiddag, ik neem uw klacht in behandeling.",
    )
    first = CaseIndex.objects.get(pk=case.pk).first_contact_at
    assert first is not None
    message_send(
        provider=world.alpha,
        complaint_id=case.case_id,
        accessor=accessor,
        sender=Message.Party.STAFF,
        audience=Message.Audience.ALL,
        body="Een tweede bericht",
    )
    assert CaseIndex.objects.get(pk=case.pk).first_contact_at == first
