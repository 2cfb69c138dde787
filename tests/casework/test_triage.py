"""Triage: each step lands on the timeline and in the case index, in one transaction."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from casework.dossier.events import entry_text
from casework.index.models import CaseIndex, CaseStatus, Consent, Outcome, Service
from casework.models import Complaint, ConsentRecord, TimelineEntry
from casework.triage import services as triage
from casework.triage.services import (
    case_resolve_at_intake,
    case_route,
    consent_request_send,
    intake_call_record,
    route_suggestion,
)
from casework.triage.tasks import send_consent_request
from outbox.models import OutboxMessage
from reference.dates import AMSTERDAM
from reference.deadline_rules import add_working_days, is_non_working_day
from tenants.clusters import schema_context
from tests.casework.accessors import STAFF
from tests.casework.factories import WHAT_HAPPENED, submission, submit
from tests.casework.test_queue import login
from tests.support import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(world: World, platform_client: Client) -> Client:
    return login(platform_client, world.coordinator.email)


def new_case(world: World, **fields: Any) -> tuple[Complaint, CaseIndex]:
    complaint = submit(world.alpha, submission=submission(**fields)).complaint
    return complaint, CaseIndex.objects.get(provider=world.alpha, case_id=complaint.pk)


def timeline(world: World, complaint: Complaint) -> list[TimelineEntry]:
    with schema_context(world.alpha.schema_name):
        return list(TimelineEntry.objects.filter(complaint_id=complaint.pk).order_by("at", "pk"))


def dossier(world: World, complaint: Complaint) -> Complaint:
    with schema_context(world.alpha.schema_name):
        return Complaint.objects.get(pk=complaint.pk)


# The intake call


def test_intake_call_records_what_was_discussed_for_staff_only_and_the_goal(world: World) -> None:
    complaint, case = new_case(world, goal="explanation")
    assert case.status == CaseStatus.RECEIVED
    intake_call_record(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=complaint.pk,
        actor=world.coordinator,
        discussed="Klager wil vooral dat het rooster verandert.",
        goal="change",
        goal_details="Vaste avonddienst voor medicatie.",
    )
    entry = timeline(world, complaint)[-1]
    assert entry.kind == "intake_call" and entry.visibility == TimelineEntry.Visibility.STAFF
    assert "Klager wil vooral dat het rooster verandert." in entry_text(entry)
    assert "Doel gewijzigd van 'Uitleg' naar 'Verandering of verbetering'" in entry_text(entry)
    assert entry.actor_user_id == world.coordinator.pk
    assert entry.data == {
        "goal": "change",
        "previous_goal": "explanation",
        "goal_changed": True,
        "details_changed": True,
        "discussed": "Klager wil vooral dat het rooster verandert.",
    }
    changed = dossier(world, complaint)
    assert changed.goal == "change" and changed.goal_details == "Vaste avonddienst voor medicatie."
    assert changed.status == CaseStatus.INTAKE
    assert CaseIndex.objects.get(pk=case.pk).status == CaseStatus.INTAKE
    # What was discussed never reaches the public schema.
    assert "rooster" not in str(CaseIndex.objects.filter(pk=case.pk).values().get())


def test_first_contact_is_due_five_working_days_after_receipt(world: World) -> None:
    complaint, case = new_case(world)
    received = timezone.localtime(complaint.received_at, AMSTERDAM).date()
    assert case.first_contact_due == add_working_days(received, 5)
    assert case.first_contact_at is None
    # Five working days: at least five days later, and never on a weekend or a holiday.
    assert case.first_contact_due is not None
    assert (case.first_contact_due - received).days >= 5
    assert not is_non_working_day(case.first_contact_due)


def test_first_contact_target_is_set_at_receipt_only_not_by_a_later_sync(world: World) -> None:
    complaint, case = new_case(world)
    # A row made before targets were kept has none: a later step does not invent a lapsed one.
    CaseIndex.objects.filter(pk=case.pk).update(first_contact_due=None)
    intake_call_record(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=complaint.pk,
        actor=world.coordinator,
        discussed="Gesprek.",
        goal="apology",
    )
    assert CaseIndex.objects.get(pk=case.pk).first_contact_due is None


def test_first_contact_is_met_by_the_intake_call(world: World) -> None:
    complaint, case = new_case(world)

    def call() -> None:
        intake_call_record(
            accessor=STAFF,
            provider=world.alpha,
            complaint_id=complaint.pk,
            actor=world.coordinator,
            discussed="Eerste gesprek.",
            goal="apology",
        )

    call()
    first = CaseIndex.objects.get(pk=case.pk).first_contact_at
    assert first is not None
    # A second call does not move the first contact.
    call()
    assert CaseIndex.objects.get(pk=case.pk).first_contact_at == first


def test_intake_call_with_the_same_goal_confirms_it(world: World) -> None:
    complaint, _case = new_case(world, goal="apology")
    intake_call_record(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=complaint.pk,
        actor=world.coordinator,
        discussed="Kort.",
        goal="apology",
    )
    assert "Doel bevestigd ('Excuses')" in entry_text(timeline(world, complaint)[-1])


def test_intake_call_needs_what_was_discussed(world: World) -> None:
    complaint, _case = new_case(world)
    with pytest.raises(ValidationError):
        intake_call_record(
            accessor=STAFF,
            provider=world.alpha,
            complaint_id=complaint.pk,
            actor=world.coordinator,
            discussed="  ",
            goal="apology",
        )


# Resolving at intake


def test_resolve_at_intake_closes_with_the_outcome_in_dossier_timeline_and_index(world: World) -> None:
    complaint, case = new_case(world)
    case_resolve_at_intake(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=complaint.pk,
        actor=world.coordinator,
        outcome=Outcome.RESOLVED,
        note="Teamleider heeft gebeld en excuses gemaakt.",
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.outcome == Outcome.RESOLVED
    assert case.closed_at is not None
    assert dossier(world, complaint).status == CaseStatus.CLOSED
    closing, note = timeline(world, complaint)[-2:]
    assert closing.kind == "resolved_at_intake" and "Uitkomst: Opgelost" in entry_text(closing)
    assert closing.visibility == TimelineEntry.Visibility.COMPLAINANT
    assert closing.data["outcome"] == "resolved"
    assert note.kind == "triage_note" and note.visibility == TimelineEntry.Visibility.STAFF
    with pytest.raises(ValidationError, match="afgesloten"):
        intake_call_record(
            accessor=STAFF,
            provider=world.alpha,
            complaint_id=complaint.pk,
            actor=world.coordinator,
            discussed="x",
            goal="apology",
        )


def test_resolve_at_intake_refuses_not_resolved_and_cases_past_intake(world: World) -> None:
    complaint, _case = new_case(world)
    with pytest.raises(ValidationError):
        case_resolve_at_intake(
            accessor=STAFF,
            provider=world.alpha,
            complaint_id=complaint.pk,
            actor=world.coordinator,
            outcome=Outcome.NOT_RESOLVED,
        )
    with schema_context(world.alpha.schema_name):
        Complaint.objects.filter(pk=complaint.pk).update(status=CaseStatus.IN_MEDIATION)
    with pytest.raises(ValidationError, match="verder dan de intake"):
        case_resolve_at_intake(
            accessor=STAFF,
            provider=world.alpha,
            complaint_id=complaint.pk,
            actor=world.coordinator,
            outcome=Outcome.RESOLVED,
        )


# The consent request


def test_consent_request_is_recorded_and_mailed_with_a_fresh_link_but_no_complaint_text(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    complaint, case = new_case(world, consent=Consent.PENDING)
    mail.outbox.clear()
    with schema_context(world.alpha.schema_name):
        links_before = complaint.follow_links.count()
    with django_capture_on_commit_callbacks(execute=True):
        request = consent_request_send(
            accessor=STAFF, provider=world.alpha, complaint_id=complaint.pk, actor=world.coordinator
        )
    assert request.kind == "consent_requested" and request.data == {"channel": "email"}
    assert OutboxMessage.objects.filter(
        task_name="casework.tasks.send_consent_request", kwargs__request_id=request.pk, sent_at__isnull=False
    ).exists()
    assert CaseIndex.objects.get(pk=case.pk).status == CaseStatus.INTAKE

    [message] = mail.outbox
    assert message.to == ["jan.jansen@example.nl"]
    assert complaint.reference in message.subject
    assert re.search(r"http://alpha\.localhost:8000/volg/[\w-]{40,}/", message.body)
    assert WHAT_HAPPENED not in message.body and "medicijnen" not in message.body
    with schema_context(world.alpha.schema_name):
        assert complaint.follow_links.count() == links_before + 1
    sent = timeline(world, complaint)[-1]
    assert sent.kind == "consent_request_sent"
    assert sent.data == {"channel": "email", "request_id": request.pk}
    assert sent.at >= request.at

    # The task is safe to run twice: one e-mail per request.
    with schema_context(world.alpha.schema_name):
        assert send_consent_request(complaint_id=complaint.pk, request_id=request.pk) is False
    assert len(mail.outbox) == 1


def test_consent_request_is_refused_when_given_already_or_without_an_address(world: World) -> None:
    given, _case = new_case(world, consent=Consent.GIVEN)
    with pytest.raises(ValidationError, match="al toestemming"):
        consent_request_send(
            accessor=STAFF, provider=world.alpha, complaint_id=given.pk, actor=world.coordinator
        )
    no_email, _case = new_case(world, consent=Consent.PENDING, complainant_email="")
    with pytest.raises(ValidationError, match="geen e-mailadres"):
        consent_request_send(
            accessor=STAFF, provider=world.alpha, complaint_id=no_email.pk, actor=world.coordinator
        )


def test_coordinator_records_consent_given_by_phone(world: World, coordinator_client: Client) -> None:
    complaint, case = new_case(world, consent=Consent.PENDING)
    response = coordinator_client.post(
        f"/werkplek/zaken/{complaint.reference}/toestemming/vastleggen/",
        {"consent-decision": "given", "consent-read_aloud": "on"},
    )
    assert response.status_code == 302
    assert CaseIndex.objects.get(pk=case.pk).consent == Consent.GIVEN
    with schema_context(world.alpha.schema_name):
        record = ConsentRecord.objects.get(complaint_id=complaint.pk)
    assert record.recorded_via == "phone" and record.on_behalf_of_complainant
    assert record.recorded_by_user_id == world.coordinator.pk


# Routing


def test_route_sets_the_service_in_the_index_and_on_the_timeline(world: World) -> None:
    complaint, case = new_case(world)
    case_route(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=complaint.pk,
        actor=world.coordinator,
        service=Service.CONFIDANT,
    )
    case.refresh_from_db()
    assert case.service == Service.CONFIDANT and case.status == CaseStatus.INTAKE
    entry = timeline(world, complaint)[-1]
    assert entry.kind == "routed" and entry_text(entry) == "Doorgezet naar: Vertrouwenspersoon"
    assert entry.data == {"service": "confidant", "previous_service": "intake"}


def test_wzd_complaints_go_to_the_committee_only(world: World) -> None:
    complaint, case = new_case(world, law="wzd")
    assert route_suggestion(law="wzd", category_code="privacy") == Service.COMMITTEE
    for service in (Service.OFFICER, Service.CONFIDANT, Service.DPO):
        with pytest.raises(ValidationError, match="klachtencommissie"):
            case_route(
                accessor=STAFF,
                provider=world.alpha,
                complaint_id=complaint.pk,
                actor=world.coordinator,
                service=service,
            )
    case.refresh_from_db()
    assert case.service == Service.INTAKE
    case_route(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=complaint.pk,
        actor=world.coordinator,
        service=Service.COMMITTEE,
    )
    case.refresh_from_db()
    assert case.service == Service.COMMITTEE


def test_privacy_complaints_are_suggested_for_the_dpo(world: World, coordinator_client: Client) -> None:
    assert route_suggestion(law="wlz", category_code="privacy") == Service.DPO
    assert route_suggestion(law="wlz", category_code="treatment") == Service.OFFICER
    complaint, _case = new_case(world, category_code="privacy")
    html = coordinator_client.get(f"/werkplek/zaken/{complaint.reference}/").content.decode()
    assert re.search(r'<input type="radio" name="route-service" value="dpo"[^>]* checked', html)
    assert "Voorstel op grond van wet en categorie: Functionaris gegevensbescherming." in html


def test_route_is_refused_for_an_assigned_case(world: World) -> None:
    complaint, case = new_case(world)
    CaseIndex.objects.filter(pk=case.pk).update(assignee=world.coordinator)
    with pytest.raises(ValidationError, match="al toegewezen"):
        case_route(
            accessor=STAFF,
            provider=world.alpha,
            complaint_id=complaint.pk,
            actor=world.coordinator,
            service=Service.OFFICER,
        )


# One transaction


def _intake(world: World, complaint: Complaint) -> None:
    intake_call_record(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=complaint.pk,
        actor=world.coordinator,
        discussed="Gesprek",
        goal="change",
    )


def _resolve(world: World, complaint: Complaint) -> None:
    case_resolve_at_intake(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=complaint.pk,
        actor=world.coordinator,
        outcome=Outcome.WITHDRAWN,
    )


def _consent(world: World, complaint: Complaint) -> None:
    consent_request_send(
        accessor=STAFF, provider=world.alpha, complaint_id=complaint.pk, actor=world.coordinator
    )


def _route(world: World, complaint: Complaint) -> None:
    case_route(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=complaint.pk,
        actor=world.coordinator,
        service=Service.DPO,
    )


class IndexWriteFailed(Exception):
    pass


@pytest.mark.parametrize(
    "step", [_intake, _resolve, _consent, _route], ids=["intake", "resolve", "consent", "route"]
)
def test_each_step_commits_timeline_and_index_together_or_not_at_all(
    world: World, monkeypatch: pytest.MonkeyPatch, step: Callable[[World, Complaint], None]
) -> None:
    complaint, case = new_case(world, consent=Consent.PENDING)
    before_timeline = [e.pk for e in timeline(world, complaint)]
    before_index = CaseIndex.objects.filter(pk=case.pk).values().get()
    before_dossier = dossier(world, complaint)
    outbox_before = OutboxMessage.objects.count()
    written: list[str] = []

    def index_sync_that_fails(**kwargs: Any) -> None:
        # By now the step has written its timeline entry in the same transaction.
        written.extend(
            TimelineEntry.objects.filter(complaint_id=complaint.pk)
            .exclude(pk__in=before_timeline)
            .values_list("kind", flat=True)
        )
        raise IndexWriteFailed

    monkeypatch.setattr(triage, "index_sync", index_sync_that_fails)
    with pytest.raises(IndexWriteFailed):
        step(world, complaint)
    assert written, "the timeline entry is written before the index"
    assert [e.pk for e in timeline(world, complaint)] == before_timeline
    assert CaseIndex.objects.filter(pk=case.pk).values().get() == before_index
    after = dossier(world, complaint)
    assert (after.status, after.goal, after.consent) == (
        before_dossier.status,
        before_dossier.goal,
        before_dossier.consent,
    )
    assert OutboxMessage.objects.count() == outbox_before


# The forms on the dossier page


def test_triage_forms_post_and_come_back_to_the_dossier(world: World, coordinator_client: Client) -> None:
    complaint, case = new_case(world)
    url = f"/werkplek/zaken/{complaint.reference}/"
    response = coordinator_client.post(
        url + "intake/",
        {"intake-discussed": "Telefonisch besproken.", "intake-goal": "apology", "intake-goal_details": ""},
    )
    assert response.status_code == 302 and response.url == url
    page = coordinator_client.get(url).content.decode()
    assert "Het intakegesprek is vastgelegd." in page
    assert "Telefonisch besproken." in page and "Alleen Klachtpunt" in page
    response = coordinator_client.post(url + "doorzetten/", {"route-service": "officer", "route-note": ""})
    assert response.status_code == 302
    assert CaseIndex.objects.get(pk=case.pk).service == Service.OFFICER
    response = coordinator_client.post(
        url + "afsluiten/", {"resolve-outcome": "resolved", "resolve-note": ""}
    )
    assert response.status_code == 302
    closed = coordinator_client.get(url).content.decode()
    assert "Deze zaak is afgesloten." in closed and 'action="/werkplek/zaken/' not in closed


def test_bad_input_shows_a_clear_error_and_keeps_what_was_typed(
    world: World, coordinator_client: Client
) -> None:
    complaint, _case = new_case(world, law="wzd")
    url = f"/werkplek/zaken/{complaint.reference}/"
    response = coordinator_client.post(
        url + "intake/",
        {"intake-discussed": "", "intake-goal": "change", "intake-goal_details": "Mijn getypte toelichting"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Dit veld is verplicht." in html
    assert "Mijn getypte toelichting</textarea>" in html
    assert re.search(r'<option value="change" selected>', html)
    assert 'href="#intake_form"' in html

    response = coordinator_client.post(
        url + "doorzetten/", {"route-service": "officer", "route-note": "Mijn notitie"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Klachten onder de Wet zorg en dwang (Wzd) gaan altijd naar de klachtencommissie." in html
    assert "Mijn notitie</textarea>" in html
    assert re.search(r'value="officer"[^>]* checked', html)
    assert CaseIndex.objects.get(reference=complaint.reference).service == Service.INTAKE


def test_a_step_on_a_closed_case_says_why_it_was_refused(world: World, coordinator_client: Client) -> None:
    complaint, _case = new_case(world)
    _resolve(world, complaint)
    response = coordinator_client.post(
        f"/werkplek/zaken/{complaint.reference}/doorzetten/", {"route-service": "officer", "route-note": ""}
    )
    assert response.status_code == 400
    assert "Dat is niet gelukt. Deze zaak is afgesloten." in response.content.decode()


def test_an_index_row_without_its_dossier_is_404(world: World, coordinator_client: Client) -> None:
    complaint, _case = new_case(world)
    with schema_context(world.alpha.schema_name):
        Complaint.objects.filter(pk=complaint.pk).delete()
    assert coordinator_client.get(f"/werkplek/zaken/{complaint.reference}/").status_code == 404
