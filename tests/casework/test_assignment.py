"""Assignment: offer, accept, decline back to the queue, reassign; the e-mails and the workspace."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.models import ConflictOfInterest
from casework.assignment.selectors import last_decline_reason
from casework.assignment.services import (
    AssignmentError,
    assignment_accept,
    assignment_decline,
    case_assign,
    case_reassign,
)
from casework.assignment.tasks import notify_assignment_offered
from casework.dossier.events import entry_text
from casework.dossier.services import first_contact_record
from casework.index.models import Assignment, CaseIndex, CaseStatus
from casework.models import AccessLogEntry, Complaint, TimelineEntry
from outbox.models import OutboxMessage
from tenants.clusters import schema_context
from tests.casework.accessors import STAFF
from tests.casework.factories import WHAT_HAPPENED
from tests.casework.factories_professionals import make_case, make_professional, staff_client, totp_login

pytestmark = pytest.mark.django_db


def _timeline(case: CaseIndex, kind: str) -> list[TimelineEntry]:
    with schema_context(case.provider.schema_name):
        return list(TimelineEntry.objects.filter(complaint_id=case.case_id, kind=kind))


def _dossier_status(case: CaseIndex) -> str:
    with schema_context(case.provider.schema_name):
        return Complaint.objects.get(pk=case.case_id).status


def test_case_assign_offers_the_case_and_notifies_the_professional(
    world, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    professional = make_professional("Pieter Jansen")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assignment = case_assign(
            accessor=STAFF, case=case, professional=professional.user, actor=world.coordinator
        )
    assert assignment.state == Assignment.State.OFFERED and assignment.assigned_by == world.coordinator
    case.refresh_from_db()
    # Offered, not yet assigned: it reads "Aangeboden" until the professional accepts.
    assert case.assignee == professional.user and case.status == CaseStatus.OFFERED
    assert _dossier_status(case) == CaseStatus.OFFERED
    [entry] = _timeline(case, "assignment_offered")
    assert entry.visibility == TimelineEntry.Visibility.STAFF and entry.actor_user_id == world.coordinator.pk
    # Browser tests on the same worker commit their own rows: look for this assignment's.
    message = OutboxMessage.objects.get(
        task_name="casework.index.tasks.notify_assignment_offered", kwargs={"assignment_id": assignment.pk}
    )
    assert message.schema_name == "public" and message.sent_at is not None
    [email] = [m for m in mail.outbox if m.to == [professional.user.email]]
    assert case.reference in email.subject
    assert "http://localhost:8000/werkplek/mijn-zaken/" in email.body
    assert "medicijnen" not in email.body and WHAT_HAPPENED not in email.body
    # Safe to run twice: the second run sends nothing.
    assert notify_assignment_offered(assignment.pk) is False
    assert len([m for m in mail.outbox if m.to == [professional.user.email]]) == 1


def test_case_assign_refuses_officer_with_conflict_of_interest(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    professional = make_professional("Carla Conflict")
    ConflictOfInterest.objects.create(
        professional=professional, provider=world.alpha, reason="Zus werkt hier"
    )
    with pytest.raises(AssignmentError, match="Belangenverstrengeling met Zorg Alpha: Zus werkt hier"):
        case_assign(accessor=STAFF, case=case, professional=professional.user, actor=world.coordinator)
    case.refresh_from_db()
    assert case.assignee is None and not Assignment.objects.filter(case=case).exists()
    assert _timeline(case, "assignment_offered") == []


def test_case_assign_refuses_a_second_assignment(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    first, second = make_professional(), make_professional()
    case_assign(accessor=STAFF, case=case, professional=first.user, actor=world.coordinator)
    with pytest.raises(AssignmentError, match="herverdelen"):
        case_assign(accessor=STAFF, case=case, professional=second.user, actor=world.coordinator)


def test_accept_keeps_the_case_with_the_professional(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    professional = make_professional("Pieter Jansen")
    case_assign(accessor=STAFF, case=case, professional=professional.user, actor=world.coordinator)
    assignment = assignment_accept(accessor=STAFF, case=case, professional=professional.user)
    assert assignment.state == Assignment.State.ACCEPTED and assignment.responded_at is not None
    case.refresh_from_db()
    assert case.assignee == professional.user and case.status == CaseStatus.ASSIGNED
    assert _dossier_status(case) == CaseStatus.ASSIGNED
    [entry] = _timeline(case, "assignment_accepted")
    assert entry.visibility == TimelineEntry.Visibility.ALL
    with pytest.raises(AssignmentError):
        assignment_decline(accessor=STAFF, case=case, professional=professional.user, reason="Toch niet")


def test_only_the_offered_professional_can_answer(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    offered, other = make_professional(), make_professional()
    case_assign(accessor=STAFF, case=case, professional=offered.user, actor=world.coordinator)
    with pytest.raises(AssignmentError):
        assignment_accept(accessor=STAFF, case=case, professional=other.user)
    response = staff_client(other.user).post(f"/werkplek/mijn-zaken/{case.reference}/accepteren/")
    assert response.status_code == 404


def test_decline_returns_the_case_to_the_queue_with_the_reason(
    world, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    professional = make_professional("Daan Druk")
    case_assign(accessor=STAFF, case=case, professional=professional.user, actor=world.coordinator)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assignment = assignment_decline(
            accessor=STAFF,
            case=case,
            professional=professional.user,
            reason="Te vol deze maand; volgende maand weer",
        )
    assert assignment.state == Assignment.State.DECLINED
    case.refresh_from_db()
    assert case.assignee is None and case.status == CaseStatus.INTAKE
    assert _dossier_status(case) == CaseStatus.INTAKE
    [entry] = _timeline(case, "assignment_declined")
    assert "Te vol deze maand" in entry_text(entry) and entry.visibility == TimelineEntry.Visibility.STAFF
    # The coordinators hear of it (reference and link only).
    [email] = [m for m in mail.outbox if world.coordinator.email in m.to and "wachtrij" in m.subject]
    assert case.reference in email.subject and f"/werkplek/zaken/{case.reference}/toewijzen/" in email.body
    # The reason is on the case's matching page, and the decliner is not offered it again.
    html = (
        staff_client(world.coordinator).get(f"/werkplek/zaken/{case.reference}/toewijzen/").content.decode()
    )
    assert "Te vol deze maand; volgende maand weer" in html
    assert "Heeft deze zaak eerder afgewezen" in html
    # And in the coordinator's queue, next to the unassigned case.
    queue = staff_client(world.coordinator).get("/werkplek/wachtrij/").content.decode()
    assert "Afgewezen: Te vol deze maand; volgende maand weer" in queue


def test_queue_can_show_the_latest_decline_reason_in_the_same_query(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    untouched = make_case(world.alpha)
    first, second = make_professional(), make_professional()
    case_assign(accessor=STAFF, case=case, professional=first.user, actor=world.coordinator)
    assignment_decline(accessor=STAFF, case=case, professional=first.user, reason="Eerste reden")
    case_assign(accessor=STAFF, case=case, professional=second.user, actor=world.coordinator)
    assignment_decline(accessor=STAFF, case=case, professional=second.user, reason="Tweede reden")
    rows = dict(
        CaseIndex.objects.filter(pk__in=[case.pk, untouched.pk])
        .annotate(reason=last_decline_reason())
        .values_list("reference", "reason")
    )
    assert rows == {case.reference: "Tweede reden", untouched.reference: None}


def test_decline_needs_a_reason(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    professional = make_professional()
    case_assign(accessor=STAFF, case=case, professional=professional.user, actor=world.coordinator)
    with pytest.raises(AssignmentError, match="reden"):
        assignment_decline(accessor=STAFF, case=case, professional=professional.user, reason="   ")
    response = staff_client(professional.user).post(
        f"/werkplek/mijn-zaken/{case.reference}/afwijzen/", {"reason": ""}
    )
    assert response.status_code == 200 and "Controleer wat u heeft ingevuld" in response.content.decode()
    case.refresh_from_db()
    assert case.assignee == professional.user


def test_reassignment_is_recorded_in_history_and_timeline(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    first = make_professional("Eerste Functionaris")
    second = make_professional("Tweede Functionaris")
    case_assign(accessor=STAFF, case=case, professional=first.user, actor=world.coordinator)
    assignment_accept(accessor=STAFF, case=case, professional=first.user)
    new = case_reassign(
        accessor=STAFF,
        case=case,
        professional=second.user,
        actor=world.coordinator,
        reason="Langdurig ziek gemeld",
    )
    history = list(Assignment.objects.filter(case=case).order_by("assigned_at", "pk"))
    assert [(a.professional_id, a.state) for a in history] == [
        (first.user.pk, Assignment.State.REPLACED),
        (second.user.pk, Assignment.State.OFFERED),
    ]
    assert history[0].replace_reason == "Langdurig ziek gemeld" and history[1] == new
    case.refresh_from_db()
    assert case.assignee == second.user
    [entry] = _timeline(case, "assignment_replaced")
    assert "Eerste Functionaris" in entry_text(entry) and "Tweede Functionaris" in entry_text(entry)
    assert entry.data["reason"] == "Langdurig ziek gemeld"
    html = (
        staff_client(world.coordinator).get(f"/werkplek/zaken/{case.reference}/toewijzen/").content.decode()
    )
    assert "Vervangen" in html and "Langdurig ziek gemeld" in html


def test_reassign_needs_a_reason_and_a_different_professional(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    first, second = make_professional(), make_professional()
    with pytest.raises(AssignmentError):
        case_reassign(
            accessor=STAFF,
            case=case,
            professional=second.user,
            actor=world.coordinator,
            reason="Geen behandelaar",
        )
    case_assign(accessor=STAFF, case=case, professional=first.user, actor=world.coordinator)
    with pytest.raises(AssignmentError, match="reden"):
        case_reassign(accessor=STAFF, case=case, professional=second.user, actor=world.coordinator, reason="")
    with pytest.raises(AssignmentError):
        case_reassign(
            accessor=STAFF, case=case, professional=first.user, actor=world.coordinator, reason="Zelfde"
        )


def test_coordinator_assigns_and_reassigns_through_the_pages(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    first = make_professional("Eerste Functionaris")
    second = make_professional("Tweede Functionaris")
    client = staff_client(world.coordinator)
    response = client.post(f"/werkplek/zaken/{case.reference}/toewijzen/{first.user.pk}/")
    assert response.status_code == 302 and response.url == f"/werkplek/zaken/{case.reference}/toewijzen/"
    case.refresh_from_db()
    assert case.assignee == first.user
    confirm = client.get(f"/werkplek/zaken/{case.reference}/toewijzen/{second.user.pk}/")
    assert confirm.status_code == 200 and "herverdelen naar Tweede Functionaris" in confirm.content.decode()
    refused = client.post(f"/werkplek/zaken/{case.reference}/toewijzen/{second.user.pk}/", {"reason": ""})
    assert refused.status_code == 200
    client.post(f"/werkplek/zaken/{case.reference}/toewijzen/{second.user.pk}/", {"reason": "Spreekt Turks"})
    case.refresh_from_db()
    assert case.assignee == second.user


def test_ineligible_assignment_through_the_page_shows_the_reason(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    professional = make_professional("Carla Conflict")
    ConflictOfInterest.objects.create(professional=professional, provider=world.alpha, reason="Ex-bestuurder")
    client = staff_client(world.coordinator)
    response = client.post(f"/werkplek/zaken/{case.reference}/toewijzen/{professional.user.pk}/", follow=True)
    assert "Belangenverstrengeling met Zorg Alpha: Ex-bestuurder" in response.content.decode()
    case.refresh_from_db()
    assert case.assignee is None


def test_professional_logs_in_with_totp_sees_my_cases_and_accepts(world) -> None:  # type: ignore[no-untyped-def]
    professional = make_professional("Pieter Jansen", totp=True)
    case = make_case(world.alpha)
    case_assign(accessor=STAFF, case=case, professional=professional.user, actor=world.coordinator)
    other = make_case(world.beta)  # not theirs: not listed
    client = totp_login(professional.user)
    page = client.get("/werkplek/mijn-zaken/")
    assert page.status_code == 200
    html = page.content.decode()
    assert case.reference in html and other.reference not in html
    assert "Zorg Alpha" in html and "Accepteer of wijs de zaak af" in html
    assert "Mijn zaken" in html and "Mijn uren" in html  # navigation
    client.post(f"/werkplek/mijn-zaken/{case.reference}/accepteren/")
    html = client.get("/werkplek/mijn-zaken/").content.decode()
    assert "Plan het intakegesprek met de klager" in html


def test_professional_declines_through_the_page(world) -> None:  # type: ignore[no-untyped-def]
    professional = make_professional("Daan Druk")
    case = make_case(world.alpha)
    case_assign(accessor=STAFF, case=case, professional=professional.user, actor=world.coordinator)
    client = staff_client(professional.user)
    assert client.get(f"/werkplek/mijn-zaken/{case.reference}/afwijzen/").status_code == 200
    response = client.post(f"/werkplek/mijn-zaken/{case.reference}/afwijzen/", {"reason": "Ken de klager"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assignee is None and case.status == CaseStatus.INTAKE
    assert Assignment.objects.get(case=case).decline_reason == "Ken de klager"


def test_my_cases_is_for_professionals_only(world) -> None:  # type: ignore[no-untyped-def]
    assert staff_client(world.coordinator).get("/werkplek/mijn-zaken/").status_code == 403


def test_status_reads_aangeboden_until_the_professional_accepts_then_toegewezen(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    professional = make_professional("Pieter Jansen")
    case_assign(accessor=STAFF, case=case, professional=professional.user, actor=world.coordinator)
    case.refresh_from_db()
    assert case.get_status_display() == "Aangeboden"
    assert CaseStatus(_dossier_status(case)).label == "Aangeboden"
    assignment_accept(accessor=STAFF, case=case, professional=professional.user)
    case.refresh_from_db()
    assert case.get_status_display() == "Toegewezen"
    assert CaseStatus(_dossier_status(case)).label == "Toegewezen"


# Deciding on an offer with the facts in view


def test_my_cases_shows_the_category_and_sends_an_offer_to_its_page_not_to_a_blind_accept(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha, category_code="attitude")
    professional = make_professional("Olga Offer")
    case_assign(accessor=STAFF, case=case, professional=professional.user, actor=world.coordinator)
    html = staff_client(professional.user).get("/werkplek/mijn-zaken/").content.decode()
    row = html[html.index(case.reference) :].split("</tr>")[0]
    assert "Bejegening" in row and "Zorg Alpha" in row
    assert f'href="/werkplek/mijn-zaken/{case.reference}/aanbod/"' in row
    assert f"/werkplek/mijn-zaken/{case.reference}/accepteren/" not in row


def test_the_offer_shows_what_the_professional_may_read_before_accepting_and_logs_it(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha, department="Afdeling Noord", employee_concerned="Verpleegkundige K.")
    professional = make_professional("Olga Offer")
    case_assign(accessor=STAFF, case=case, professional=professional.user, actor=world.coordinator)
    client = staff_client(professional.user)
    response = client.get(f"/werkplek/mijn-zaken/{case.reference}/aanbod/")
    assert response.status_code == 200
    html = response.content.decode()
    assert WHAT_HAPPENED[:60] in html
    assert "Afdeling Noord" in html and "Verpleegkundige K." in html and "Zorg Alpha" in html
    assert f'action="/werkplek/mijn-zaken/{case.reference}/accepteren/"' in html
    with schema_context(world.alpha.schema_name):
        entry = AccessLogEntry.objects.get(case_id=case.case_id, subject="offer")
    assert entry.event == "read" and entry.user_id == professional.user.pk
    # Another professional does not see the offer.
    other = make_professional("Niet Betrokken")
    assert staff_client(other.user).get(f"/werkplek/mijn-zaken/{case.reference}/aanbod/").status_code == 404


def test_my_cases_does_not_ask_to_plan_the_intake_once_the_intake_call_was_made(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    professional = make_professional("Ida Intake")
    case_assign(accessor=STAFF, case=case, professional=professional.user, actor=world.coordinator)
    assignment_accept(accessor=STAFF, case=case, professional=professional.user)
    client = staff_client(professional.user)
    row = client.get("/werkplek/mijn-zaken/").content.decode().split(case.reference, 1)[1].split("</tr>")[0]
    assert "Plan het intakegesprek met de klager" in row
    # The coordinator's intake call is the first contact (casework.dossier.services.first_contact_record).
    with schema_context(world.alpha.schema_name):
        first_contact_record(provider=world.alpha, complaint=Complaint.objects.get(pk=case.case_id))
    row = client.get("/werkplek/mijn-zaken/").content.decode().split(case.reference, 1)[1].split("</tr>")[0]
    assert "Plan het intakegesprek" not in row
    assert "Het intakegesprek is gevoerd. Plan het gesprek om te bemiddelen" in row
