"""Confidant support: the confidant's notes and the client's choices are the client's.

Visible to the confidant and the client only; the officer, the committee, the
coordinator and the provider read a note only after the client shared it, on
every read path (the one selector, the staff pages, the provider's page, the API).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from casework.consent.services import consent_record
from casework.dossier.events import entry_text
from casework.index.models import Channel, Consent, Service
from casework.models import ConfidantNote, TimelineEntry
from casework.procedures.confidant import confidant_note_add, confidant_note_share
from casework.procedures.selectors import Party, Viewer, confidant_notes_visible
from tenants.clusters import schema_context
from tenants.services import api_key_create
from tests.casework.accessors import STAFF
from tests.casework.factories_professionals import make_professional, staff_client
from tests.casework.procedure_support import (
    access_log_mark,
    complainant_accessor,
    complaint_of,
    follow_token,
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


NOTE = "Cliënt is bang dat klagen gevolgen heeft voor de zorg van haar vader"
CHOICE = "Cliënt kiest eerst voor een gesprek, nog geen formele klacht"


def _confidant_case(world: World):  # type: ignore[no-untyped-def]
    case, confidant = worked_case(world, service=Service.CONFIDANT)
    client = professional_client(confidant)
    base = f"/werkplek/zaken/{case.reference}/bemiddeling/vertrouwenspersoon/"
    for kind, text in (("note", NOTE), ("choice", CHOICE)):
        response = client.post(base, {"confidant-kind": kind, "confidant-text": text})
        assert response.status_code == 302, response.content.decode()[:1500]
    return case, confidant, client


def _visible(case, viewer: Viewer) -> list[str]:  # type: ignore[no-untyped-def]
    with schema_context(case.provider.schema_name):
        return [note.text for note in confidant_notes_visible(complaint=complaint_of(case), viewer=viewer)]


def test_the_one_selector_shows_notes_to_the_confidant_and_the_client_only(world: World) -> None:
    case, confidant, _client = _confidant_case(world)
    assert _visible(case, Viewer(Party.CONFIDANT, confidant.pk)) == [NOTE, CHOICE]
    assert _visible(case, Viewer(Party.COMPLAINANT)) == [NOTE, CHOICE]
    assert _visible(case, Viewer(Party.STAFF, world.coordinator.pk)) == []
    assert _visible(case, Viewer(Party.PROVIDER)) == []


def test_confidant_notes_hidden_from_officer_coordinator_and_provider_until_shared(world: World) -> None:
    case, _confidant, confidant_client = _confidant_case(world)
    assert NOTE in confidant_client.get(f"/werkplek/zaken/{case.reference}/bemiddeling/").content.decode()

    coordinator = staff_client(world.coordinator)
    for url in (f"/werkplek/zaken/{case.reference}/bemiddeling/", f"/werkplek/zaken/{case.reference}/"):
        page = coordinator.get(url).content.decode()
        assert NOTE not in page and CHOICE not in page
    # Another professional (an officer, say) does not reach the case at all.
    officer = make_professional(totp=True).user
    assert staff_client(officer).get(f"/werkplek/zaken/{case.reference}/bemiddeling/").status_code == 404

    provider = provider_login(world)
    assert NOTE not in provider.get(f"/klachten/{case.reference}/").content.decode()
    _key, raw = api_key_create(provider=world.alpha, name="EPD", created_by=world.alpha_admin)
    api = host_client(world.alpha_host).get(
        f"/api/v1/cases/{case.reference}", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert api.status_code == 200 and api.json()["shared_confidant_notes"] == []

    # The timeline says the confidant wrote something, never what.
    with schema_context(world.alpha.schema_name):
        summaries = [
            entry_text(e)
            for e in TimelineEntry.objects.filter(complaint_id=case.case_id, kind="confidant_note")
        ]
    assert len(summaries) == 2 and all(NOTE not in s and CHOICE not in s for s in summaries)

    # The client shares the note with Klachtpunt from the follow page, the choice also with the provider.
    token = follow_token(case)
    follow = host_client(world.alpha_host)
    page = follow.get(f"/volg/{token}/").content.decode()
    assert NOTE in page and CHOICE in page and "Notitie delen" in page
    with schema_context(world.alpha.schema_name):
        note = ConfidantNote.objects.get(complaint_id=case.case_id, kind="note")
        choice = ConfidantNote.objects.get(complaint_id=case.case_id, kind="choice")
    shared = follow.post(
        f"/volg/{token}/notities/{note.pk}/delen/", {f"note-{note.pk}-shared_with": "klachtpunt"}
    )
    assert shared.status_code == 302
    follow.post(f"/volg/{token}/notities/{choice.pk}/delen/", {f"note-{choice.pk}-shared_with": "provider"})

    page = coordinator.get(f"/werkplek/zaken/{case.reference}/bemiddeling/").content.decode()
    assert NOTE in page and CHOICE in page
    detail = provider.get(f"/klachten/{case.reference}/").content.decode()
    assert CHOICE in detail and NOTE not in detail
    api = host_client(world.alpha_host).get(
        f"/api/v1/cases/{case.reference}", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert [n["text"] for n in api.json()["shared_confidant_notes"]] == [CHOICE]


def test_sharing_with_the_provider_needs_consent(world: World) -> None:
    case, confidant, _client = _confidant_case(world)
    consent_record(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=case.case_id,
        decision=Consent.WITHDRAWN,
        via=Channel.WIDGET,
        language="nl",
    )
    with schema_context(world.alpha.schema_name):
        note = ConfidantNote.objects.filter(complaint_id=case.case_id).first()
    with pytest.raises(ValidationError) as refusal:
        confidant_note_share(
            provider=world.alpha,
            complaint_id=case.case_id,
            note_id=note.pk,
            accessor=complainant_accessor(),
            shared_with=ConfidantNote.SharedWith.PROVIDER,
        )
    assert refusal.value.code == "no_consent"
    # Even a note shared with the provider earlier is not shown to it without consent.
    with schema_context(world.alpha.schema_name):
        ConfidantNote.objects.filter(pk=note.pk).update(shared_with="provider", shared_at=note.created_at)
    assert _visible(case, Viewer(Party.PROVIDER)) == []
    assert confidant.pk


def test_messages_between_client_and_confidant_stay_between_them(world: World) -> None:
    case, _confidant, confidant_client = _confidant_case(world)
    token = follow_token(case)
    follow = host_client(world.alpha_host)
    page = follow.get(f"/volg/{token}/").content.decode()
    assert "Mijn vertrouwenspersoon" in page
    follow.post(
        f"/volg/{token}/bericht/", {"message-body": "Kunt u mij bellen?", "message-audience": "confidant"}
    )
    confidant_client.post(
        f"/werkplek/zaken/{case.reference}/bemiddeling/bericht/",
        {"message-body": "Ik bel u morgen om tien uur.", "message-audience": "confidant"},
    )
    assert "morgen om tien uur" in follow.get(f"/volg/{token}/").content.decode()
    assert (
        "Kunt u mij bellen"
        in confidant_client.get(f"/werkplek/zaken/{case.reference}/bemiddeling/").content.decode()
    )
    coordinator_page = staff_client(world.coordinator).get(f"/werkplek/zaken/{case.reference}/bemiddeling/")
    assert "Kunt u mij bellen" not in coordinator_page.content.decode()
    provider = provider_login(world)
    provider_page = provider.get(f"/klachten/{case.reference}/").content.decode()
    assert "Kunt u mij bellen" not in provider_page and "tien uur" not in provider_page
    # A complainant of a confidant case cannot address the provider.
    follow.post(f"/volg/{token}/bericht/", {"message-body": "Aan iedereen", "message-audience": "all"})
    assert "Aan iedereen" not in provider.get(f"/klachten/{case.reference}/").content.decode()


def test_only_the_confidant_writes_confidant_notes(world: World) -> None:
    case, officer = worked_case(world, service=Service.OFFICER)
    response = professional_client(officer).post(
        f"/werkplek/zaken/{case.reference}/bemiddeling/vertrouwenspersoon/",
        {"confidant-kind": "note", "confidant-text": "x"},
    )
    assert response.status_code == 404
    # The service itself keeps the rules of the note (it is the view that checks who writes).
    with pytest.raises(ValidationError):
        confidant_note_add(
            provider=world.alpha,
            complaint_id=case.case_id,
            accessor=staff_accessor(officer, "confidant"),
            kind="note",
            text="   ",
        )
