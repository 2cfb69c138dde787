"""Every action that creates or changes a dossier writes its own access-log row, in its transaction.

``ACTIONS`` names each such action with a way to run it. Two checks keep it
honest: the actions found in the code (every public function in an action
module that writes the timeline or the case index, itself or through its
module's helpers, or calls another action) are exactly those named here, so a
new action without a line here fails; and each named action, run for real,
leaves a row by the accessor it was given. ``test_a_failing_log_write_rolls_
the_change_back`` makes PostgreSQL refuse the row and shows the change goes
with it.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime
import importlib
import inspect
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.db import DatabaseError, connection
from django.utils import timezone

from accounts.models import User
from accounts.services import user_create
from casework.assignment.services import assignment_accept, assignment_decline, case_assign, case_reassign
from casework.assignment.time import time_entry_log
from casework.closing.services import case_close
from casework.complainant.services import (
    claim_token_make,
    complaint_claim,
    complaint_claim_by_email,
    follow_consent,
    follow_link_renew,
    follow_make_formal,
    my_case_consent,
    my_case_make_formal,
    portal_complaint_file,
)
from casework.consent.services import complaint_make_formal, consent_record
from casework.datarights.services import account_delete, complainant_erase, user_targets
from casework.deadlines.services import deadline_extend, formal_receipt_change
from casework.decision.draft import decision_draft_save
from casework.decision.services import MeasureInput, decision_record, decision_revise, measure_mark_done
from casework.dossier.access_log import AccessChannel, Accessor
from casework.index.models import CaseIndex, CaseStatus, Channel, Consent, Service, Track
from casework.intake.entry import coordinator_complaint_enter
from casework.intake.services import complaint_submit, widget_complaint_submit
from casework.models import (
    AccessLogEntry,
    Complaint,
    ComplaintPart,
    ConfidantNote,
    Measure,
    Meeting,
    TimelineEntry,
)
from casework.procedures.committee import committee_advice_issue, complaint_part_add, complaint_part_judge
from casework.procedures.confidant import confidant_note_add, confidant_note_share
from casework.procedures.mediation import meeting_cancel, meeting_schedule, message_send, record_add
from casework.procedures.panel import (
    deliberation_note_add,
    hearing_report_record,
    hearing_schedule,
    panel_form,
    panel_judgement_sign,
    written_round_receive,
    written_round_set,
)
from casework.provider_view.services import complaint_participant_add, complaint_participant_remove
from casework.timesheets.models import Activity, TimeKind
from casework.triage.services import (
    case_resolve_at_intake,
    case_route,
    consent_request_send,
    intake_call_record,
)
from outbox.models import OutboxMessage
from reference.deadline_rules import complaint_deadline
from tenants.clusters import schema_context
from tenants.models import Provider
from tests.casework.accessors import STAFF
from tests.casework.factories import submission, submit
from tests.casework.factories_decision import CONCLUSION, DECISIONS, TIMEFRAME, formal_complaint
from tests.casework.factories_professionals import make_case, make_professional
from tests.casework.procedure_support import worked_case
from tests.support import World

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# The modules that hold actions on a dossier (the dossier's own building blocks,
# timeline_add and index_sync, are not actions: they run inside one).
ACTION_MODULES = sorted(
    [
        *(
            path.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
            for path in (ROOT / "casework").glob("*/services.py")
            if path.parent.name != "dossier"
        ),
        "casework.assignment.time",
        "casework.decision.draft",
        "casework.intake.entry",
        "casework.procedures.mediation",
        "casework.procedures.committee",
        "casework.procedures.confidant",
        "casework.procedures.panel",
    ]
)
DOSSIER_WRITES = {"timeline_add", "timeline_entry", "index_sync"}

Run = Callable[[World, Accessor], int]  # runs the action as ``accessor``; returns the dossier's id


def _today() -> datetime.date:
    return timezone.localdate()


def _next_week_at(hour: int) -> datetime.datetime:
    day = _today() + datetime.timedelta(days=7)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _pending(world: World, **overrides: object) -> tuple[Complaint, str]:
    result = submit(world.alpha, submission=submission(consent=Consent.PENDING, **overrides))
    assert result.follow_token
    return result.complaint, result.follow_token


def _own(world: World, **overrides: object) -> Complaint:
    return submit(
        world.alpha,
        channel=Channel.PORTAL,
        submission=submission(**overrides),
        complainant_user_id=world.complainant.pk,
    ).complaint


def _claimer(world: World) -> User:
    EmailAddress.objects.get_or_create(
        user=world.complainant, email="jan.jansen@example.nl", defaults={"verified": True}
    )
    return world.complainant


def _intake(world: World) -> CaseIndex:
    return make_case(world.alpha)


def _offered(world: World) -> tuple[CaseIndex, User]:
    case = make_case(world.alpha)
    professional = make_professional().user
    case_assign(case=case, professional=professional, actor=world.coordinator, accessor=STAFF)
    return case, professional


def _decided(world: World, accessor: Accessor) -> Complaint:
    complaint, _case = formal_complaint(world.alpha)
    decision_record(
        provider=world.alpha,
        complaint_id=complaint.pk,
        actor=world.alpha_admin,
        accessor=accessor,
        conclusion=CONCLUSION,
        decisions_taken=DECISIONS,
        measures_timeframe=TIMEFRAME,
        measures=[MeasureInput("Rooster aanpassen", _today() + datetime.timedelta(days=30))],
    )
    return complaint


def _meeting(world: World, case: CaseIndex, accessor: Accessor) -> Meeting:
    return meeting_schedule(
        provider=world.alpha,
        complaint_id=case.case_id,
        accessor=accessor,
        kind=Meeting.Kind.PHONE,
        starts_at=_next_week_at(10),
        ends_at=_next_week_at(11),
    )


def _part(world: World, case: CaseIndex, accessor: Accessor) -> ComplaintPart:
    return complaint_part_add(
        provider=world.alpha, complaint_id=case.case_id, accessor=accessor, text="Medicatie te laat"
    )


def _judged(world: World, case: CaseIndex, accessor: Accessor) -> None:
    part = _part(world, case, STAFF)
    complaint_part_judge(
        provider=world.alpha,
        complaint_id=case.case_id,
        part_id=part.pk,
        accessor=accessor,
        judgement=ComplaintPart.Judgement.FOUNDED,
        reasoning="Het rooster liet het toe.",
    )


def _note(world: World, case: CaseIndex, accessor: Accessor) -> ConfidantNote:
    return confidant_note_add(
        provider=world.alpha,
        complaint_id=case.case_id,
        accessor=accessor,
        kind=ConfidantNote.Kind.NOTE,
        text="Cliënt wil eerst een gesprek.",
    )


def _run_submit(w: World, a: Accessor) -> int:
    result = complaint_submit(provider=w.alpha, submission=submission(), channel=Channel.WIDGET, accessor=a)
    return result.complaint.pk


def _run_widget(w: World, a: Accessor) -> int:
    return widget_complaint_submit(provider=w.alpha, submission=submission(), accessor=a).complaint.pk


def _run_enter(w: World, a: Accessor) -> int:
    return coordinator_complaint_enter(
        provider=w.alpha,
        submission=submission(),
        channel=Channel.PHONE,
        received_on=_today(),
        coordinator_id=w.coordinator.pk,
        form_key="coverage-form-key-0001",
        accessor=a,
    ).complaint.pk


def _run_portal_file(w: World, a: Accessor) -> int:
    return portal_complaint_file(
        provider=w.alpha, user=w.complainant, submission=submission(), form_key="coverage-0001", accessor=a
    ).complaint.pk


def _run_my_consent(w: World, a: Accessor) -> int:
    own = _own(w, consent=Consent.PENDING)
    my_case_consent(
        user=w.complainant, reference=own.reference, decision=Consent.GIVEN, language="nl", accessor=a
    )
    return own.pk


def _run_my_formal(w: World, a: Accessor) -> int:
    own = _own(w)
    my_case_make_formal(user=w.complainant, reference=own.reference, accessor=a)
    return own.pk


def _run_follow_consent(w: World, a: Accessor) -> int:
    complaint, token = _pending(w)
    follow_consent(provider=w.alpha, token=token, decision=Consent.GIVEN, language="nl", accessor=a)
    return complaint.pk


def _run_follow_formal(w: World, a: Accessor) -> int:
    complaint, token = _pending(w)
    follow_make_formal(provider=w.alpha, token=token, accessor=a)
    return complaint.pk


def _run_follow_renew(w: World, a: Accessor) -> int:
    complaint, token = _pending(w)
    follow_link_renew(provider=w.alpha, token=token, accessor=a)
    return complaint.pk


def _run_claim(w: World, a: Accessor) -> int:
    complaint, token = _pending(w)
    complaint_claim(user=_claimer(w), claim_token=claim_token_make(provider=w.alpha, token=token), accessor=a)
    return complaint.pk


def _run_claim_by_email(w: World, a: Accessor) -> int:
    complaint, _token = _pending(w)
    complaint_claim_by_email(user=_claimer(w), reference=complaint.reference, accessor=a)
    return complaint.pk


def _run_consent_record(w: World, a: Accessor) -> int:
    complaint, _token = _pending(w)
    consent_record(
        provider=w.alpha,
        complaint_id=complaint.pk,
        decision=Consent.GIVEN,
        via=Channel.PHONE,
        language="nl",
        accessor=a,
    )
    return complaint.pk


def _run_make_formal(w: World, a: Accessor) -> int:
    complaint = submit(w.alpha).complaint
    complaint_make_formal(provider=w.alpha, complaint_id=complaint.pk, accessor=a)
    return complaint.pk


def _run_intake_call(w: World, a: Accessor) -> int:
    case = _intake(w)
    intake_call_record(
        provider=w.alpha,
        complaint_id=case.case_id,
        actor=w.coordinator,
        accessor=a,
        discussed="Besproken",
        goal="explanation",
    )
    return case.case_id


def _run_resolve(w: World, a: Accessor) -> int:
    case = _intake(w)
    case_resolve_at_intake(
        provider=w.alpha, complaint_id=case.case_id, actor=w.coordinator, accessor=a, outcome="resolved"
    )
    return case.case_id


def _run_consent_request(w: World, a: Accessor) -> int:
    complaint, _token = _pending(w)
    consent_request_send(provider=w.alpha, complaint_id=complaint.pk, actor=w.coordinator, accessor=a)
    return complaint.pk


def _run_route(w: World, a: Accessor) -> int:
    case = _intake(w)
    case_route(
        provider=w.alpha,
        complaint_id=case.case_id,
        actor=w.coordinator,
        accessor=a,
        service=Service.COMMITTEE,
    )
    return case.case_id


def _run_assign(w: World, a: Accessor) -> int:
    case = _intake(w)
    case_assign(case=case, professional=make_professional().user, actor=w.coordinator, accessor=a)
    return case.case_id


def _run_accept(w: World, a: Accessor) -> int:
    case, professional = _offered(w)
    assignment_accept(case=case, professional=professional, accessor=a)
    return case.case_id


def _run_decline(w: World, a: Accessor) -> int:
    case, professional = _offered(w)
    assignment_decline(case=case, professional=professional, reason="Geen tijd", accessor=a)
    return case.case_id


def _run_reassign(w: World, a: Accessor) -> int:
    case, _first = _offered(w)
    case_reassign(
        case=case, professional=make_professional().user, actor=w.coordinator, reason="Ziek", accessor=a
    )
    return case.case_id


def _run_time(w: World, a: Accessor) -> int:
    case, professional = worked_case(w)
    time_entry_log(
        actor=professional,
        case=case,
        kind=TimeKind.PHONE,
        minutes=30,
        worked_on=_today(),
        activity=Activity.MEDIATION,
        accessor=a,
    )
    return case.case_id


def _run_extend(w: World, a: Accessor) -> int:
    complaint, _case = formal_complaint(w.alpha)
    deadline = complaint_deadline(complaint)
    assert deadline is not None
    deadline_extend(
        provider=w.alpha,
        complaint_id=complaint.pk,
        actor=w.coordinator,
        accessor=a,
        new_deadline=deadline + datetime.timedelta(days=7),
        reason="Meer tijd nodig",
    )
    return complaint.pk


def _run_decision(w: World, a: Accessor) -> int:
    return _decided(w, a).pk


def _run_revise(w: World, a: Accessor) -> int:
    complaint = _decided(w, STAFF)
    decision_revise(
        provider=w.alpha,
        complaint_id=complaint.pk,
        actor=w.alpha_admin,
        accessor=a,
        reason="Een maatregel was onjuist beschreven.",
        conclusion=CONCLUSION,
        decisions_taken=DECISIONS,
        measures_timeframe=TIMEFRAME,
    )
    return complaint.pk


def _run_receipt_change(w: World, a: Accessor) -> int:
    complaint, _case = formal_complaint(w.alpha)
    formal_receipt_change(
        provider=w.alpha,
        complaint_id=complaint.pk,
        accessor=a,
        received_on=_today() - datetime.timedelta(days=2),
        reason="De brief kwam eerder binnen dan ingevoerd.",
    )
    return complaint.pk


def _run_measure(w: World, a: Accessor) -> int:
    complaint = _decided(w, STAFF)
    with schema_context(w.alpha.schema_name):
        measure = Measure.objects.get(decision__complaint=complaint)
    measure_mark_done(
        provider=w.alpha, complaint_id=complaint.pk, measure_id=measure.pk, actor=w.alpha_admin, accessor=a
    )
    return complaint.pk


def _run_close(w: World, a: Accessor) -> int:
    case = _intake(w)
    case_close(
        provider=w.alpha, complaint_id=case.case_id, actor=w.coordinator, accessor=a, outcome="resolved"
    )
    return case.case_id


def _run_meeting(w: World, a: Accessor) -> int:
    case, _professional = worked_case(w)
    _meeting(w, case, a)
    return case.case_id


def _run_meeting_cancel(w: World, a: Accessor) -> int:
    case, _professional = worked_case(w)
    meeting = _meeting(w, case, STAFF)
    meeting_cancel(provider=w.alpha, complaint_id=case.case_id, meeting_id=meeting.pk, accessor=a)
    return case.case_id


def _run_record(w: World, a: Accessor) -> int:
    case, _professional = worked_case(w)
    record_add(
        provider=w.alpha, complaint_id=case.case_id, accessor=a, kind="note", text="Gebeld met de klager"
    )
    return case.case_id


def _run_message(w: World, a: Accessor) -> int:
    case, _professional = worked_case(w)
    message_send(
        provider=w.alpha,
        complaint_id=case.case_id,
        accessor=a,
        sender="staff",
        audience="complainant",
        body="Hallo",
    )
    return case.case_id


def _run_part_add(w: World, a: Accessor) -> int:
    case, _member = worked_case(w, service=Service.COMMITTEE)
    _part(w, case, a)
    return case.case_id


def _run_part_judge(w: World, a: Accessor) -> int:
    case, _member = worked_case(w, service=Service.COMMITTEE)
    _judged(w, case, a)
    return case.case_id


def _run_advice(w: World, a: Accessor) -> int:
    case, _member = worked_case(w, service=Service.COMMITTEE)
    _judged(w, case, STAFF)
    committee_advice_issue(
        provider=w.alpha, complaint_id=case.case_id, accessor=a, advice="Pas het rooster aan."
    )
    return case.case_id


def _run_note_add(w: World, a: Accessor) -> int:
    case, _confidant = worked_case(w, service=Service.CONFIDANT)
    _note(w, case, a)
    return case.case_id


def _run_note_share(w: World, a: Accessor) -> int:
    case, _confidant = worked_case(w, service=Service.CONFIDANT)
    note = _note(w, case, STAFF)
    confidant_note_share(
        provider=w.alpha,
        complaint_id=case.case_id,
        note_id=note.pk,
        accessor=a,
        shared_with=ConfidantNote.SharedWith.KLACHTPUNT,
    )
    return case.case_id


def _run_participant_add(w: World, a: Accessor) -> int:
    case = make_case(w.alpha)
    complaint_participant_add(
        provider=w.alpha,
        complaint_id=case.case_id,
        user_id=w.alpha_admin.pk,
        role="decision_maker",
        accessor=a,
    )
    return case.case_id


def _run_participant_remove(w: World, a: Accessor) -> int:
    case = make_case(w.alpha)
    participant = complaint_participant_add(
        provider=w.alpha,
        complaint_id=case.case_id,
        user_id=w.alpha_admin.pk,
        role="decision_maker",
        accessor=STAFF,
    )
    complaint_participant_remove(
        provider=w.alpha, complaint_id=case.case_id, participant_id=participant.pk, accessor=a
    )
    return case.case_id


def _run_draft(w: World, a: Accessor) -> int:
    case = make_case(w.alpha)
    decision_draft_save(
        provider=w.alpha,
        complaint_id=case.case_id,
        accessor=a,
        conclusion="Gegrond.",
        decisions_taken="",
        measures_timeframe="",
    )
    return case.case_id


def _closed_formal_own(w: World) -> tuple[User, Complaint]:
    """A closed formal complaint of a fresh account: erasure keeps it and changes it (contact details)."""
    user = user_create(email=f"rights-{uuid.uuid4().hex[:8]}@example.test", password="Test-wachtwoord-2026")
    complaint = submit(
        w.alpha,
        channel=Channel.PORTAL,
        submission=submission(track=Track.FORMAL, complainant_phone="0612345678"),
        complainant_user_id=user.pk,
    ).complaint
    values = {"status": CaseStatus.CLOSED, "closed_at": timezone.now()}
    with schema_context(w.alpha.schema_name):
        Complaint.objects.filter(pk=complaint.pk).update(**values)
    CaseIndex.objects.filter(provider=w.alpha, case_id=complaint.pk).update(**values)
    return user, complaint


def _run_erase(w: World, a: Accessor) -> int:
    user, complaint = _closed_formal_own(w)
    complainant_erase(targets=user_targets(user=user), user=user, accessor=a)
    return complaint.pk


def _run_account_delete(w: World, a: Accessor) -> int:
    user, complaint = _closed_formal_own(w)
    account_delete(user=user, accessor=a)
    return complaint.pk


def _paneled(w: World) -> tuple[CaseIndex, dict[str, User]]:
    """A committee case with its panel; the runners act as the seat the action needs."""
    case, chair = worked_case(w, service=Service.COMMITTEE)
    seats = {
        "chair": chair,
        "member": make_professional(qualifications=["committee"]).user,
        "member2": make_professional(qualifications=["committee"]).user,
        "secretary": make_professional(qualifications=[]).user,
    }
    panel_form(
        case=case,
        chair_id=chair.pk,
        member_ids=[seats["member"].pk, seats["member2"].pk],
        secretary_id=seats["secretary"].pk,
        accessor=STAFF,
    )
    return case, seats


def _as(accessor: Accessor, user: User) -> Accessor:
    return dataclasses.replace(accessor, user_id=user.pk)


def _run_panel_form(w: World, a: Accessor) -> int:
    case, chair = worked_case(w, service=Service.COMMITTEE)
    panel_form(
        case=case,
        chair_id=chair.pk,
        member_ids=[make_professional(qualifications=["committee"]).user.pk for _ in range(2)],
        secretary_id=make_professional(qualifications=[]).user.pk,
        accessor=a,
    )
    return case.case_id


def _run_round_set(w: World, a: Accessor) -> int:
    case, seats = _paneled(w)
    written_round_set(
        provider=w.alpha,
        complaint_id=case.case_id,
        accessor=_as(a, seats["secretary"]),
        kind="response",
        due_on=_today() + datetime.timedelta(days=14),
    )
    return case.case_id


def _run_round_receive(w: World, a: Accessor) -> int:
    case, seats = _paneled(w)
    secretary = _as(STAFF, seats["secretary"])
    written_round_set(
        provider=w.alpha, complaint_id=case.case_id, accessor=secretary, kind="response", due_on=_today()
    )
    written_round_receive(
        provider=w.alpha,
        complaint_id=case.case_id,
        accessor=_as(a, seats["secretary"]),
        kind="response",
        received_on=_today(),
    )
    return case.case_id


def _run_hearing(w: World, a: Accessor) -> int:
    case, seats = _paneled(w)
    hearing_schedule(
        provider=w.alpha,
        complaint_id=case.case_id,
        accessor=_as(a, seats["secretary"]),
        starts_at=_next_week_at(10),
        ends_at=_next_week_at(11),
        location="Utrecht",
        provider_contact_name="De Vries",
        provider_contact_email="devries@alpha.test",
    )
    return case.case_id


def _run_hearing_report(w: World, a: Accessor) -> int:
    case, seats = _paneled(w)
    meeting = hearing_schedule(
        provider=w.alpha,
        complaint_id=case.case_id,
        accessor=_as(STAFF, seats["secretary"]),
        starts_at=_next_week_at(10),
        ends_at=_next_week_at(11),
        location="Utrecht",
        provider_contact_name="De Vries",
        provider_contact_email="devries@alpha.test",
    )
    hearing_report_record(
        provider=w.alpha,
        complaint_id=case.case_id,
        meeting_id=meeting.pk,
        accessor=_as(a, seats["secretary"]),
        present=["complainant"],
        minutes="Verslag",
        now=_next_week_at(12),
    )
    return case.case_id


def _run_deliberation(w: World, a: Accessor) -> int:
    case, seats = _paneled(w)
    deliberation_note_add(
        provider=w.alpha, complaint_id=case.case_id, accessor=_as(a, seats["member"]), text="Twijfel."
    )
    return case.case_id


def _run_sign(w: World, a: Accessor) -> int:
    case, seats = _paneled(w)
    _judged(w, case, STAFF)
    panel_judgement_sign(
        provider=w.alpha, complaint_id=case.case_id, accessor=_as(a, seats["chair"]), advice="Gegrond."
    )
    return case.case_id


# Every action that creates or changes a dossier, and how to run it.
ACTIONS: dict[str, Run] = {
    "casework.intake.services.complaint_submit": _run_submit,
    "casework.intake.services.widget_complaint_submit": _run_widget,
    "casework.intake.entry.coordinator_complaint_enter": _run_enter,
    "casework.complainant.services.portal_complaint_file": _run_portal_file,
    "casework.complainant.services.my_case_consent": _run_my_consent,
    "casework.complainant.services.my_case_make_formal": _run_my_formal,
    "casework.complainant.services.follow_consent": _run_follow_consent,
    "casework.complainant.services.follow_make_formal": _run_follow_formal,
    "casework.complainant.services.follow_link_renew": _run_follow_renew,
    "casework.complainant.services.complaint_claim": _run_claim,
    "casework.complainant.services.complaint_claim_by_email": _run_claim_by_email,
    "casework.consent.services.consent_record": _run_consent_record,
    "casework.consent.services.complaint_make_formal": _run_make_formal,
    "casework.triage.services.intake_call_record": _run_intake_call,
    "casework.triage.services.case_resolve_at_intake": _run_resolve,
    "casework.triage.services.consent_request_send": _run_consent_request,
    "casework.triage.services.case_route": _run_route,
    "casework.assignment.services.case_assign": _run_assign,
    "casework.assignment.services.assignment_accept": _run_accept,
    "casework.assignment.services.assignment_decline": _run_decline,
    "casework.assignment.services.case_reassign": _run_reassign,
    "casework.assignment.time.time_entry_log": _run_time,
    "casework.deadlines.services.deadline_extend": _run_extend,
    "casework.decision.services.decision_record": _run_decision,
    "casework.decision.services.measure_mark_done": _run_measure,
    "casework.decision.services.decision_revise": _run_revise,
    "casework.deadlines.services.formal_receipt_change": _run_receipt_change,
    "casework.decision.draft.decision_draft_save": _run_draft,
    "casework.provider_view.services.complaint_participant_add": _run_participant_add,
    "casework.provider_view.services.complaint_participant_remove": _run_participant_remove,
    "casework.closing.services.case_close": _run_close,
    "casework.procedures.mediation.meeting_schedule": _run_meeting,
    "casework.procedures.mediation.meeting_cancel": _run_meeting_cancel,
    "casework.procedures.mediation.record_add": _run_record,
    "casework.procedures.mediation.message_send": _run_message,
    "casework.procedures.committee.complaint_part_add": _run_part_add,
    "casework.procedures.committee.complaint_part_judge": _run_part_judge,
    "casework.procedures.committee.committee_advice_issue": _run_advice,
    "casework.procedures.confidant.confidant_note_add": _run_note_add,
    "casework.procedures.confidant.confidant_note_share": _run_note_share,
    "casework.datarights.services.complainant_erase": _run_erase,
    "casework.datarights.services.account_delete": _run_account_delete,
    "casework.procedures.panel.panel_form": _run_panel_form,
    "casework.procedures.panel.written_round_set": _run_round_set,
    "casework.procedures.panel.written_round_receive": _run_round_receive,
    "casework.procedures.panel.hearing_schedule": _run_hearing,
    "casework.procedures.panel.hearing_report_record": _run_hearing_report,
    "casework.procedures.panel.deliberation_note_add": _run_deliberation,
    "casework.procedures.panel.panel_judgement_sign": _run_sign,
}


def _called_names(node: ast.AST) -> set[str]:
    names = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            if isinstance(call.func, ast.Name):
                names.add(call.func.id)
            elif isinstance(call.func, ast.Attribute):
                names.add(call.func.attr)
    return names


def _actions_in_code() -> set[str]:
    """Public functions of the action modules that write a dossier, directly or through helpers."""
    calls: dict[str, set[str]] = {}
    public: set[str] = set()
    for module in ACTION_MODULES:
        tree = ast.parse((ROOT / (module.replace(".", "/") + ".py")).read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                calls[f"{module}.{node.name}"] = _called_names(node)
                if not node.name.startswith("_"):
                    public.add(f"{module}.{node.name}")
    writers = {name for name, called in calls.items() if called & DOSSIER_WRITES}
    grew = True
    while grew:  # a function that calls a writer (of its own module, or an action elsewhere) writes
        before = len(writers)
        short = {name.rsplit(".", 1)[1] for name in writers}
        writers |= {name for name, called in calls.items() if called & short}
        grew = len(writers) > before
    return writers & public


def test_every_action_that_writes_a_dossier_is_listed_here() -> None:
    assert _actions_in_code() == set(ACTIONS)


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_each_action_takes_the_accessor(name: str) -> None:
    module, function = name.rsplit(".", 1)
    parameter = inspect.signature(getattr(importlib.import_module(module), function)).parameters.get(
        "accessor"
    )
    assert parameter is not None and parameter.kind is inspect.Parameter.KEYWORD_ONLY


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_each_action_writes_its_access_log_row(world: World, name: str) -> None:
    accessor = Accessor(
        channel=AccessChannel.PLATFORM_STAFF,
        role="coordinator",
        user_label=f"coverage {name}"[:150],
        method="POST",
    )
    complaint_id = ACTIONS[name](world, accessor)
    with schema_context(world.alpha.schema_name):
        rows = list(AccessLogEntry.objects.filter(user_label=accessor.user_label))
    assert rows, f"{name} wrote no access-log row"
    assert {row.case_id for row in rows} == {complaint_id}
    assert {row.event for row in rows} <= {AccessLogEntry.Event.CREATE, AccessLogEntry.Event.CHANGE}


REFUSE_LOG = """
CREATE FUNCTION refuse_access_log_for_test() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'access log unavailable (test)'; END $$;
CREATE TRIGGER refuse_access_log_for_test BEFORE INSERT ON casework_accesslogentry
FOR EACH ROW EXECUTE FUNCTION refuse_access_log_for_test();
"""


def _access_log_refuses(provider: Provider) -> None:
    """From now on PostgreSQL refuses every new access-log row (until the test's transaction rolls back)."""
    with schema_context(provider.schema_name), connection.cursor() as cursor:
        cursor.execute(REFUSE_LOG)


def test_a_failing_log_write_rolls_the_change_back(world: World) -> None:
    case = make_case(world.alpha)
    _access_log_refuses(world.alpha)
    outbox_before = OutboxMessage.objects.count()
    with pytest.raises(DatabaseError, match="access log unavailable"):
        case_close(
            provider=world.alpha,
            complaint_id=case.case_id,
            actor=world.coordinator,
            accessor=STAFF,
            outcome="resolved",
        )
    with pytest.raises(DatabaseError, match="access log unavailable"):
        intake_call_record(
            provider=world.alpha,
            complaint_id=case.case_id,
            actor=world.coordinator,
            accessor=STAFF,
            discussed="Besproken",
            goal="apology",
        )
    with schema_context(world.alpha.schema_name):
        complaint = Complaint.objects.get(pk=case.case_id)
        assert complaint.status != CaseStatus.CLOSED and complaint.closed_at is None
        assert complaint.goal == "explanation"
        assert not TimelineEntry.objects.filter(
            complaint=complaint, kind__in=["closed", "intake_call"]
        ).exists()
    case.refresh_from_db()
    assert case.status == "intake" and case.outcome == "" and case.closed_at is None
    assert OutboxMessage.objects.count() == outbox_before


def test_a_complaint_whose_creation_cannot_be_logged_is_not_taken_in(world: World) -> None:
    _access_log_refuses(world.alpha)
    index_before = CaseIndex.objects.filter(provider=world.alpha).count()
    with schema_context(world.alpha.schema_name):
        dossiers_before = Complaint.objects.count()
    with pytest.raises(DatabaseError, match="access log unavailable"):
        complaint_submit(
            provider=world.alpha,
            submission=submission(track=Track.FORMAL),
            channel=Channel.WIDGET,
            accessor=STAFF,
        )
    with schema_context(world.alpha.schema_name):
        assert Complaint.objects.count() == dossiers_before
    assert CaseIndex.objects.filter(provider=world.alpha).count() == index_before
