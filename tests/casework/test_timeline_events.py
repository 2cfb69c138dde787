"""The timeline stores events (a kind and data), rendered in the reader's language (issue 14, item 2)."""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone, translation

from casework.decision.services import MeasureInput
from casework.dossier.events import COMPLAINANT, entry_text
from casework.dossier.services import timeline_add
from casework.index.models import CaseIndex, Consent, Service
from casework.models import Complaint, Decision, TimelineEntry
from casework.triage.services import case_route, consent_request_send
from tenants.clusters import schema_context
from tests.casework.accessors import STAFF
from tests.casework.factories import submission, submit
from tests.casework.factories_decision import record_decision
from tests.casework.test_queue import login
from tests.support import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _dutch_after_each_test() -> Iterator[None]:
    """A request in English leaves English active in this thread; the next test starts in Dutch."""
    yield
    translation.activate("nl")


migration = importlib.import_module("casework.migrations.0013_timeline_events")


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def entries(world: World, complaint: Complaint, kind: str) -> list[TimelineEntry]:
    with schema_context(world.alpha.schema_name):
        return list(TimelineEntry.objects.filter(complaint_id=complaint.pk, kind=kind))


def test_an_english_complainant_reads_the_consent_request_in_english(
    world: World, alpha_client: Client
) -> None:
    result = submit(
        world.alpha,
        submission=submission(consent=Consent.PENDING, language="en", complainant_email="a@b.test"),
    )
    consent_request_send(
        provider=world.alpha, complaint_id=result.complaint.pk, actor=world.coordinator, accessor=STAFF
    )
    html = english(alpha_client).get(f"/volg/{result.follow_token}/").content.decode()
    assert "Consent to share the complaint requested by e-mail" in html
    assert "Toestemming om de klacht te delen gevraagd per e-mail" not in html


def test_staff_read_the_channel_in_their_own_language_whatever_the_filers_was(
    world: World, platform_client: Client
) -> None:
    # Filed through the English widget: the event keeps the channel's code, not the English label.
    with translation.override("en"):
        complaint = submit(world.alpha, submission=submission(language="en")).complaint
    [received] = entries(world, complaint, "received")
    assert received.data["channel"] == "widget" and received.summary == ""
    client = login(platform_client, world.coordinator.email)
    dutch = client.get(f"/werkplek/zaken/{complaint.reference}/").content.decode()
    assert "Klacht ontvangen via Klachtenformulier op website" in dutch
    assert "Complaint form" not in dutch
    in_english = english(client).get(f"/werkplek/zaken/{complaint.reference}/").content.decode()
    assert "Complaint received by Complaint form on website" in in_english
    assert "Klacht ontvangen via" not in in_english


def test_staff_on_the_english_interface_read_the_routing_in_english(
    world: World, platform_client: Client
) -> None:
    complaint = submit(world.alpha).complaint
    case_route(
        provider=world.alpha,
        complaint_id=complaint.pk,
        actor=world.coordinator,
        accessor=STAFF,
        service=Service.CONFIDANT,
        note="Gebeld met de klager.",
    )
    client = english(login(platform_client, world.coordinator.email))
    html = client.get(f"/werkplek/zaken/{complaint.reference}/").content.decode()
    assert "Routed to: Client confidant" in html and "Doorgezet naar" not in html
    # A note is someone's own words: shown as written, in any language.
    assert "Gebeld met de klager." in html


def test_the_decision_counts_its_measures_in_words(world: World) -> None:
    one = submit(world.alpha).complaint
    two = submit(world.alpha).complaint
    day = timezone.localdate() + datetime.timedelta(days=30)
    record_decision(world.alpha, one, world.alpha_admin, measures=[MeasureInput("Excuses", day)])
    record_decision(
        world.alpha,
        two,
        world.alpha_admin,
        measures=[MeasureInput("Excuses", day), MeasureInput("Rooster", day)],
    )
    [first] = entries(world, one, "decision_recorded")
    [second] = entries(world, two, "decision_recorded")
    with translation.override("nl"):
        assert "(1 maatregel)" in entry_text(first) and "(2 maatregelen)" in entry_text(second)
    with translation.override("en"):
        assert "(1 measure)" in entry_text(first) and "(2 measures)" in entry_text(second)
        # The complainant reads that it was decided, without the staff's detail.
        assert entry_text(second, reader=COMPLAINANT) == "Provider's written decision recorded"


def test_a_plain_text_call_still_works_as_a_note(world: World) -> None:
    complaint = submit(world.alpha).complaint
    with schema_context(world.alpha.schema_name):
        entry = timeline_add(complaint=complaint, kind="something_new", summary="Tekst zoals geschreven")
    with translation.override("en"):
        assert entry_text(entry) == "Tekst zoals geschreven"


def test_old_dutch_sentences_are_read_back_into_events(world: World) -> None:
    """The data migration: entries written as Dutch sentences render in English afterwards."""
    complaint = submit(world.alpha).complaint
    with schema_context(world.alpha.schema_name):
        old = [
            TimelineEntry.objects.create(
                complaint=complaint,
                at=timezone.now(),
                kind="assignment_offered",
                summary="Zaak aangeboden aan Fatima Functionaris (Klachtenfunctionaris)",
                data={"assignment_id": 1, "professional_user_id": 2},
            ),
            TimelineEntry.objects.create(
                complaint=complaint,
                at=timezone.now(),
                kind="triage_note",
                summary="Gebeld met de klager.",
            ),
            TimelineEntry.objects.create(
                complaint=complaint,
                at=timezone.now(),
                kind="closed",
                summary=(
                    "Zaak afgesloten. Uitkomst: Niet opgelost. De klager is gewezen op de klachtencommissie, "
                    "de geschilleninstantie (uiterlijk 06-12-2027), het Tuchtcollege en de IGJ/Landelijk "
                    "Meldpunt Zorg."
                ),
                data={"outcome": "not_resolved", "follow_up_options": ["committee"], "basis": "outcome"},
            ),
            TimelineEntry.objects.create(
                complaint=complaint,
                at=timezone.now(),
                kind="intake_call",
                summary="Intakegesprek gevoerd. Doel bevestigd ('Uitleg').\n\nBesproken: Het rooster.",
                data={"goal": "explanation", "previous_goal": "explanation", "goal_changed": False},
            ),
            TimelineEntry.objects.create(
                complaint=complaint, at=timezone.now(), kind="measure_done", summary="Iets onherkenbaars"
            ),
        ]
        with translation.override("en"):
            before = entry_text(old[0])
        # A decision from before decisions kept their language was headed in the complainant's.
        decision = record_decision(world.alpha, complaint, world.alpha_admin, language="nl")
        Complaint.objects.filter(pk=complaint.pk).update(language="en")
        migration.forwards(apps, None)
        assert Decision.objects.get(pk=decision.pk).language == "en"
        offered, note, closed, call, unknown = (TimelineEntry.objects.get(pk=e.pk) for e in old)
    assert before.startswith("Zaak aangeboden")  # a sentence, until the migration
    with translation.override("en"):
        assert entry_text(offered) == "Case offered to Fatima Functionaris (Complaints officer)"
        assert entry_text(note) == "Gebeld met de klager."
        assert "Outcome: Not resolved" in entry_text(closed) and "Dec. 6, 2027" in entry_text(closed)
        assert entry_text(call).startswith("Intake call held. Goal confirmed ('An explanation')")
        # What matches no pattern stays as written (legacy text), and the original sentence is kept.
        assert entry_text(unknown) == "Iets onherkenbaars"
    assert offered.summary.startswith("Zaak aangeboden") and offered.data["service"] == Service.OFFICER
    assert CaseIndex.objects.filter(case_id=complaint.pk).exists()


def test_an_entry_whose_data_no_longer_fills_its_message_shows_its_kind() -> None:
    broken = TimelineEntry(kind="routed", data={"service": "no-such-service"}, summary="")
    legacy = TimelineEntry(kind="routed", data={}, summary="Doorgezet naar: Klachtenfunctionaris")
    assert entry_text(broken) == "routed"
    assert entry_text(legacy) == "Doorgezet naar: Klachtenfunctionaris"
