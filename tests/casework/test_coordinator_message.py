"""The coordinator answers the complainant from the dossier, and the timeline says who wrote."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from casework.index.models import CaseIndex
from casework.models import Message, TimelineEntry
from tenants.clusters import schema_context
from tests.casework.factories import submission, submit
from tests.casework.test_queue import login
from tests.support import World

pytestmark = pytest.mark.django_db

ANSWER = "Wij bellen u donderdag om het gesprek met de zorgaanbieder voor te bereiden."


def test_coordinator_answers_the_complainant_from_the_dossier_credited_by_name(
    world: World, platform_client: Client, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    complaint = submit(world.alpha, submission=submission(complainant_email="klager@example.test")).complaint
    case = CaseIndex.objects.get(provider=world.alpha, case_id=complaint.pk)
    coordinator = login(platform_client, world.coordinator.email)
    dossier_url = f"/werkplek/zaken/{case.reference}/"
    page = coordinator.get(dossier_url).content.decode()
    assert 'id="message_form"' in page and "Berichten met de klager" in page
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(
            f"{dossier_url}bericht-aan-klager/", {"message-body": ANSWER, "message-audience": "complainant"}
        )
    assert response.status_code == 302 and response["Location"] == f"{dossier_url}#messages"

    with schema_context(world.alpha.schema_name):
        message = Message.objects.get(complaint=complaint)
        entry = TimelineEntry.objects.get(complaint=complaint, kind="message")
    assert message.sender == Message.Party.STAFF and message.audience == Message.Audience.COMPLAINANT
    assert message.sender_user_id == world.coordinator.pk and entry.actor_user_id == world.coordinator.pk
    # The complainant is told there is a message, once, without its text.
    to_complainant = [m for m in mail.outbox if "klager@example.test" in m.to]
    assert len(to_complainant) == 1 and ANSWER not in to_complainant[0].body

    page = coordinator.get(dossier_url).content.decode()
    assert ANSWER in page
    timeline = page.split('id="h-timeline"', 1)[1]
    message_item = timeline.split("Bericht van Klachtpunt", 1)[0].rsplit("<li", 1)[1]
    assert str(world.coordinator) in message_item and "Klachtpunt (automatisch)" not in message_item


def test_an_empty_answer_is_refused_on_the_dossier_and_sends_nothing(
    world: World, platform_client: Client
) -> None:
    complaint = submit(world.alpha).complaint
    case = CaseIndex.objects.get(provider=world.alpha, case_id=complaint.pk)
    coordinator = login(platform_client, world.coordinator.email)
    response = coordinator.post(
        f"/werkplek/zaken/{case.reference}/bericht-aan-klager/",
        {"message-body": "  ", "message-audience": "complainant"},
    )
    assert response.status_code == 400 and 'id="message_form"' in response.content.decode()
    with schema_context(world.alpha.schema_name):
        assert not Message.objects.filter(complaint=complaint).exists()
