"""Closing a case: outcome on dossier and index together, follow-up options with the disputes body's date."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import PlatformRole
from accounts.services import totp_activate, user_create
from casework.closing.services import case_close
from casework.closing.tasks import send_closing_letter
from casework.index.models import Assignment, CaseIndex, CaseStatus, Outcome
from casework.models import ClosingNotice, Complaint, Letter, TimelineEntry
from casework.triage.selectors import QueueFilters, queue_page
from reference.deadline_rules import disputes_last_day
from reference.models import DisputesBody
from tenants.clusters import schema_context
from tenants.models import Provider
from tests.casework.accessors import STAFF
from tests.casework.factories import WHAT_HAPPENED, submit
from tests.casework.factories_decision import formal_complaint, login, record_decision
from tests.support import PASSWORD, TOTP_SECRET, World

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def close(world: World, complaint_id: int, outcome: str) -> ClosingNotice:
    return case_close(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=complaint_id,
        actor=world.coordinator,
        outcome=outcome,
    )


def decided_complaint(world: World) -> tuple[Complaint, CaseIndex]:
    """A formal complaint with the provider's decision: it may close with any outcome."""
    complaint, case = formal_complaint(world.alpha)
    record_decision(world.alpha, complaint, world.alpha_admin)
    return complaint, case


@pytest.fixture
def named_disputes_body(world: World):  # type: ignore[no-untyped-def]
    body = DisputesBody.objects.create(
        name="Geschilleninstantie Zorg Test",
        sector="Alle zorg",
        address="Postbus 1234\n1000 AB Amsterdam",
        phone="020 123 45 67",
        website="https://geschil.example.nl",
        fee="EUR 50",
    )
    Provider.objects.filter(pk=world.alpha.pk).update(disputes_body=body)
    world.alpha.disputes_body = body
    yield body.name
    world.alpha.disputes_body = None


def test_closing_not_resolved_tells_the_follow_up_options_with_the_disputes_date(
    world: World, named_disputes_body: str, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    complaint, case = decided_complaint(world)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        closing = case_close(
            accessor=STAFF,
            provider=world.alpha,
            complaint_id=complaint.pk,
            actor=world.coordinator,
            outcome=Outcome.NOT_RESOLVED,
        )
    last_day = disputes_last_day(complaint.formal_received_on)
    assert closing.follow_up_options == ["committee", "disputes_body", "disciplinary", "igj"]
    assert closing.disputes_last_day == last_day and closing.disputes_body == named_disputes_body
    # The contact details as they were at closing: a later change of body does not rewrite the letter.
    assert closing.disputes_body_contact.splitlines() == [
        "Postbus 1234",
        "1000 AB Amsterdam",
        "020 123 45 67",
        "https://geschil.example.nl",
    ]
    row = CaseIndex.objects.get(pk=case.pk)
    assert (
        row.status == CaseStatus.CLOSED and row.outcome == Outcome.NOT_RESOLVED and row.closed_at is not None
    )
    with schema_context(world.alpha.schema_name):
        dossier = Complaint.objects.get(pk=complaint.pk)
        assert dossier.status == CaseStatus.CLOSED and dossier.outcome == Outcome.NOT_RESOLVED
        assert dossier.closed_at == row.closed_at
        assert TimelineEntry.objects.filter(
            complaint=dossier, kind="closed", actor_user_id=world.coordinator.pk
        )
    [message] = mail.outbox
    assert message.to == ["jan.jansen@example.nl"] and complaint.reference in message.subject
    assert message.attachments == [] and WHAT_HAPPENED not in message.body and "/volg/" in message.body
    # The closing letter is a PDF in the dossier, with the follow-up options and the disputes date.
    with schema_context(world.alpha.schema_name):
        letter = Letter.objects.get(closing=closing)
        body = " ".join(pdf_text(letter.file.read()).split())
    assert WHAT_HAPPENED not in body
    for words in (
        "Klachtencommissie",
        "Geschilleninstantie Zorg Test",
        "Postbus 1234 1000 AB Amsterdam 020 123 45 67 https://geschil.example.nl",
        "Tuchtcollege",
        "Landelijk Meldpunt Zorg",
    ):
        assert words in body
    assert f"{last_day.day} " in body and str(last_day.year) in body
    with schema_context(world.alpha.schema_name):
        assert send_closing_letter(closing_id=closing.pk) is False
    assert len(mail.outbox) == 1


def test_closing_resolved_tells_no_follow_up_options(world: World) -> None:
    complaint, _case = decided_complaint(world)
    closing = close(world, complaint.pk, Outcome.RESOLVED)
    assert closing.follow_up_options == [] and closing.disputes_last_day is None


def test_disputes_date_runs_from_the_first_receipt_of_an_informal_complaint(world: World) -> None:
    complaint = submit(world.alpha).complaint
    closing = case_close(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=complaint.pk,
        actor=world.coordinator,
        outcome=Outcome.PARTLY_RESOLVED,
    )
    assert closing.disputes_last_day == disputes_last_day(timezone.localdate(complaint.received_at))


def test_a_closed_case_cannot_be_closed_again(world: World) -> None:
    complaint, _case = decided_complaint(world)
    close(world, complaint.pk, Outcome.RESOLVED)
    with pytest.raises(ValidationError) as refused:
        case_close(
            accessor=STAFF,
            provider=world.alpha,
            complaint_id=complaint.pk,
            actor=world.coordinator,
            outcome=Outcome.WITHDRAWN,
        )
    assert refused.value.code == "closed"


def test_closed_cases_leave_the_queue(world: World) -> None:
    complaint, case = decided_complaint(world)
    references = [row.case.reference for row in queue_page(filters=QueueFilters(), per_page=500).rows]
    assert case.reference in references
    close(world, complaint.pk, Outcome.RESOLVED)
    references = [row.case.reference for row in queue_page(filters=QueueFilters(), per_page=500).rows]
    assert case.reference not in references


def test_follow_page_shows_the_outcome_and_follow_up_options(
    world: World, named_disputes_body: str, alpha_client: Client
) -> None:
    result = submit(world.alpha)
    case_close(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=result.complaint.pk,
        actor=world.coordinator,
        outcome=Outcome.NOT_RESOLVED,
    )
    html = alpha_client.get(f"/volg/{result.follow_token}/").content.decode()
    last_day = disputes_last_day(timezone.localdate(result.complaint.received_at))
    assert "Uw klacht is afgesloten" in html and "Niet opgelost" in html
    assert "Geschilleninstantie Zorg Test" in html and "Tuchtcollege" in html
    assert "Postbus 1234<br>1000 AB Amsterdam" in html and "https://geschil.example.nl" in html
    assert f"{last_day.day} " in html and str(last_day.year) in html


def test_coordinator_closes_on_the_staff_page(world: World, platform_client: Client) -> None:
    complaint, case = decided_complaint(world)
    login(platform_client, world.coordinator.email)
    dossier = platform_client.get(f"/werkplek/zaken/{case.reference}/").content.decode()
    assert f"/werkplek/zaken/{case.reference}/uitkomst/" in dossier
    page = platform_client.get(f"/werkplek/zaken/{case.reference}/uitkomst/")
    assert page.status_code == 200 and "Tuchtcollege" in page.content.decode()
    refused = platform_client.post(f"/werkplek/zaken/{case.reference}/uitkomst/", {"note": "Gebeld"})
    assert refused.status_code == 400 and "Gebeld" in refused.content.decode()
    done = platform_client.post(
        f"/werkplek/zaken/{case.reference}/uitkomst/", {"outcome": Outcome.RESOLVED, "note": "Gebeld"}
    )
    assert done.status_code == 302
    assert CaseIndex.objects.get(pk=case.pk).status == CaseStatus.CLOSED
    with schema_context(world.alpha.schema_name):
        assert ClosingNotice.objects.filter(complaint_id=complaint.pk).exists()
        assert TimelineEntry.objects.filter(complaint_id=complaint.pk, kind="closing_note").exists()


def test_only_the_assigned_professional_or_a_coordinator_may_close(world: World) -> None:
    _complaint, case = formal_complaint(world.alpha)
    assigned = user_create(
        email="assigned@klachtpunt.test", password=PASSWORD, roles=[PlatformRole.PROFESSIONAL]
    )
    other = user_create(email="other@klachtpunt.test", password=PASSWORD, roles=[PlatformRole.PROFESSIONAL])
    for user in (assigned, other):
        totp_activate(user=user, secret=TOTP_SECRET)
    Assignment.objects.create(
        case=case,
        professional=assigned,
        service="officer",
        state=Assignment.State.ACCEPTED,
        assigned_by=world.coordinator,
        assigned_at=timezone.now() - datetime.timedelta(days=1),
    )
    CaseIndex.objects.filter(pk=case.pk).update(assignee=assigned)
    url = f"/werkplek/zaken/{case.reference}/uitkomst/"
    assert login(Client(HTTP_HOST="localhost"), other.email).get(url).status_code == 403
    assert login(Client(HTTP_HOST="localhost"), world.alpha_admin.email).get(url).status_code == 403
    mine = login(Client(HTTP_HOST="localhost"), assigned.email)
    assert url in mine.get("/werkplek/mijn-zaken/").content.decode()
    assert mine.get(url).status_code == 200
    withdrawal = {"outcome": Outcome.WITHDRAWN, "evidence": "Klager trok de klacht telefonisch in op 3 maart"}
    assert mine.post(url, withdrawal).status_code == 302
    assert CaseIndex.objects.get(pk=case.pk).outcome == Outcome.WITHDRAWN


# A formal complaint closes only with a decision, a recorded withdrawal or a recorded referral.


def test_closing_a_formal_complaint_without_a_decision_is_refused(
    world: World, platform_client: Client
) -> None:
    complaint, case = formal_complaint(world.alpha)
    for outcome in (Outcome.RESOLVED, Outcome.NOT_RESOLVED, Outcome.PARTLY_RESOLVED):
        with pytest.raises(ValidationError) as refused:
            close(world, complaint.pk, outcome)
        assert refused.value.code == "decision_required"
    login(platform_client, world.coordinator.email)
    page = platform_client.post(f"/werkplek/zaken/{case.reference}/uitkomst/", {"outcome": Outcome.RESOLVED})
    assert page.status_code == 400
    assert "kan pas worden afgesloten met het schriftelijke oordeel" in page.content.decode()
    assert CaseIndex.objects.get(pk=case.pk).status != CaseStatus.CLOSED


def test_withdrawal_or_referral_without_a_record_is_refused(world: World) -> None:
    complaint, _case = formal_complaint(world.alpha)
    for outcome in (Outcome.WITHDRAWN, Outcome.REFERRED):
        with pytest.raises(ValidationError) as refused:
            case_close(
                accessor=STAFF,
                provider=world.alpha,
                complaint_id=complaint.pk,
                actor=world.coordinator,
                outcome=outcome,
                evidence="",
            )
        assert refused.value.error_dict["evidence"][0].code == "evidence_required"


def test_formal_complaint_closes_on_a_recorded_withdrawal(world: World) -> None:
    complaint, _case = formal_complaint(world.alpha)
    closing = case_close(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=complaint.pk,
        actor=world.coordinator,
        outcome=Outcome.WITHDRAWN,
        evidence="Klager trok de klacht in per e-mail van gisteren.",
    )
    assert closing.basis == "withdrawal" and "per e-mail" in closing.basis_evidence
    with schema_context(world.alpha.schema_name):
        assert TimelineEntry.objects.filter(complaint_id=complaint.pk, kind="closing_withdrawal").exists()


def test_formal_complaint_closes_on_a_recorded_referral(world: World) -> None:
    complaint, _case = formal_complaint(world.alpha)
    closing = case_close(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=complaint.pk,
        actor=world.coordinator,
        outcome=Outcome.REFERRED,
        evidence="Doorverwezen naar de Wzd-klachtencommissie.",
    )
    assert closing.basis == "referral"


def test_formal_complaint_closes_with_its_decision(world: World) -> None:
    complaint, _case = decided_complaint(world)
    assert close(world, complaint.pk, Outcome.PARTLY_RESOLVED).basis == "decision"


def test_a_formal_complaint_is_not_resolved_at_intake_without_a_withdrawal_or_referral(world: World) -> None:
    from casework.triage.services import case_resolve_at_intake

    complaint, case = formal_complaint(world.alpha)
    with pytest.raises(ValidationError) as refused:
        case_resolve_at_intake(
            accessor=STAFF,
            provider=world.alpha,
            complaint_id=complaint.pk,
            actor=world.coordinator,
            outcome=Outcome.RESOLVED,
        )
    assert refused.value.code == "decision_required"
    assert CaseIndex.objects.get(pk=case.pk).status != CaseStatus.CLOSED
    case_resolve_at_intake(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=complaint.pk,
        actor=world.coordinator,
        outcome=Outcome.WITHDRAWN,
        note="Klager belde: trekt de klacht in.",
    )
    assert CaseIndex.objects.get(pk=case.pk).status == CaseStatus.CLOSED
