"""Triage by the coordinator: the intake call, resolving at intake, consent, routing.

Each action is one transaction in which the dossier (in the provider's schema),
its timeline entry, its access-log row and the case-index row (public schema)
change together, or nothing does. Timeline summaries are stored in Dutch, with the codes in
``data`` for anyone who shows them in another language.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from casework.deadlines.services import closing_basis
from casework.dossier.access_log import Accessor, access_log_change
from casework.dossier.locking import case_lock
from casework.dossier.services import actor_fields, first_contact_record, index_sync, timeline_add
from casework.index.models import CaseIndex, CaseStatus, Consent, Outcome, Service
from casework.models import Complaint, Goal, Law, TimelineEntry
from outbox.services import outbox_enqueue
from tenants.clusters import schema_context
from tenants.models import Provider

Visibility = TimelineEntry.Visibility

# The services a case can be routed to from the queue.
ROUTABLE_SERVICES = (Service.OFFICER, Service.COMMITTEE, Service.CONFIDANT, Service.DPO)
# Resolving at intake means the complainant is satisfied, withdraws, or is referred
# elsewhere; a complaint that is not resolved goes on to mediation or a procedure.
INTAKE_OUTCOMES = (Outcome.RESOLVED, Outcome.PARTLY_RESOLVED, Outcome.WITHDRAWN, Outcome.REFERRED)
# Statuses in which the case is still in triage.
TRIAGE_STATUSES = (CaseStatus.RECEIVED, CaseStatus.INTAKE)


def route_suggestion(*, law: str, category_code: str) -> str:
    """The service a case would normally go to: Wzd to the committee, privacy to the dpo."""
    if law == Law.WZD:
        return Service.COMMITTEE
    if category_code == "privacy":
        return Service.DPO
    return Service.OFFICER


def _lock(provider: Provider, complaint_id: int) -> tuple[Complaint, CaseIndex]:
    """Lock the case (index row, then dossier: ``case_lock``); refused when it is closed."""
    case, complaint = case_lock(provider=provider, complaint_id=complaint_id)
    if complaint.status == CaseStatus.CLOSED:
        raise ValidationError(_("Deze zaak is afgesloten."), code="closed")
    return complaint, case


def _log(provider: Provider, accessor: Accessor, complaint: Complaint, step: str) -> None:
    # The subjects the queue's steps have always had in the access log.
    access_log_change(provider=provider, accessor=accessor, complaint=complaint, subject=f"triage_{step}")


def _start_intake(complaint: Complaint) -> None:
    if complaint.status == CaseStatus.RECEIVED:
        complaint.status = CaseStatus.INTAKE
        complaint.save(update_fields=["status"])


def intake_call_record(
    *,
    provider: Provider,
    complaint_id: int,
    actor: User,
    accessor: Accessor,
    discussed: str,
    goal: str,
    goal_details: str = "",
) -> Complaint:
    """Record the intake call and the complainant's goal, confirmed or changed.

    What was discussed goes only to the timeline, visible to Klachtpunt staff.
    A case that was only received is now in intake.
    """
    discussed = discussed.strip()
    if not discussed:
        raise ValidationError(_("Schrijf op wat er is besproken."), code="required")
    if goal not in Goal.values:
        raise ValidationError(_("Kies wat de klager wil bereiken."), code="invalid_goal")
    with schema_context(provider.schema_name), transaction.atomic():
        complaint, _case = _lock(provider, complaint_id)
        previous = complaint.goal
        changed = goal != previous or goal_details.strip() != complaint.goal_details.strip()
        complaint.goal = goal
        # The confirmed goal leads; the complainant's other goals stay (a replaced one goes).
        complaint.goals = [goal, *(code for code in complaint.goals if code not in (goal, previous))]
        complaint.goal_details = goal_details.strip()
        complaint.save(update_fields=["goal", "goals", "goal_details"])
        _start_intake(complaint)
        timeline_add(
            complaint=complaint,
            kind="intake_call",
            visibility=Visibility.STAFF,
            data={
                "goal": goal,
                "previous_goal": previous,
                "goal_changed": goal != previous,
                "details_changed": changed,
                "discussed": discussed,
            },
            **actor_fields(actor),
        )
        index_sync(complaint=complaint, provider=provider)
        first_contact_record(provider=provider, complaint=complaint)
        _log(provider, accessor, complaint, "intake")
    return complaint


def case_resolve_at_intake(
    *, provider: Provider, complaint_id: int, actor: User, accessor: Accessor, outcome: str, note: str = ""
) -> Complaint:
    """Close a case in triage with its outcome (laagdrempelig opgelost); the index records when."""
    if outcome not in INTAKE_OUTCOMES:
        raise ValidationError(
            _("Kies een uitkomst die past bij afsluiten na de intake."), code="invalid_outcome"
        )
    with schema_context(provider.schema_name), transaction.atomic():
        complaint, _case = _lock(provider, complaint_id)
        if complaint.status not in TRIAGE_STATUSES:
            raise ValidationError(
                _("Deze zaak is al verder dan de intake en kan hier niet meer worden afgesloten."),
                code="past_intake",
            )
        # A formal complaint (its statutory term runs) closes here only on a withdrawal or
        # referral recorded in the note, as everywhere else (casework.deadlines.services).
        basis = closing_basis(complaint, outcome, note)
        now = timezone.now()
        complaint.status = CaseStatus.CLOSED
        complaint.outcome = outcome
        complaint.closed_at = now
        complaint.save(update_fields=["status", "outcome", "closed_at"])
        timeline_add(
            complaint=complaint,
            kind="resolved_at_intake",
            visibility=Visibility.COMPLAINANT,
            data={"outcome": outcome, "closed_at": now.isoformat(), "basis": basis},
            **actor_fields(actor),
        )
        if note.strip():
            timeline_add(
                complaint=complaint,
                kind="triage_note",
                data={"text": note.strip()},
                visibility=Visibility.STAFF,
                **actor_fields(actor),
            )
        index_sync(complaint=complaint, provider=provider, outcome=outcome, closed_at=now)
        _log(provider, accessor, complaint, "resolve")
    return complaint


def consent_request_send(
    *, provider: Provider, complaint_id: int, actor: User, accessor: Accessor
) -> TimelineEntry:
    """Ask the complainant by e-mail for consent to share the complaint with the provider.

    The request is recorded on the timeline now, and the e-mail (a fresh link
    to the follow page, never the complaint's text) leaves through the outbox;
    the task records on the timeline when it was sent.
    """
    with schema_context(provider.schema_name), transaction.atomic():
        complaint, _case = _lock(provider, complaint_id)
        if complaint.consent == Consent.GIVEN:
            raise ValidationError(_("De klager heeft al toestemming gegeven."), code="already_given")
        if not complaint.complainant_email:
            raise ValidationError(
                _(
                    "Er is geen e-mailadres van de klager bekend. Vraag de toestemming telefonisch "
                    "en leg het antwoord vast."
                ),
                code="no_email",
            )
        _start_intake(complaint)
        entry = timeline_add(
            complaint=complaint,
            kind="consent_requested",
            visibility=Visibility.COMPLAINANT,
            data={"channel": "email"},
            **actor_fields(actor),
        )
        index_sync(complaint=complaint, provider=provider)
        _log(provider, accessor, complaint, "consent-request")
        outbox_enqueue(
            task_name="casework.tasks.send_consent_request",
            kwargs={"complaint_id": complaint.pk, "request_id": entry.pk},
        )
    return entry


def case_route(
    *, provider: Provider, complaint_id: int, actor: User, accessor: Accessor, service: str, note: str = ""
) -> CaseIndex:
    """Route a case to officer mediation, the committee, confidant support or the dpo.

    Complaints under the Wzd always go to the committee. A case that already
    has a professional keeps its service until the coordinator withdraws the
    assignment.
    """
    if service not in ROUTABLE_SERVICES:
        raise ValidationError(_("Kies een dienst."), code="invalid_service")
    with schema_context(provider.schema_name), transaction.atomic():
        complaint, case = _lock(provider, complaint_id)
        if complaint.law == Law.WZD and service != Service.COMMITTEE:
            raise ValidationError(
                _("Klachten onder de Wet zorg en dwang (Wzd) gaan altijd naar de klachtencommissie."),
                code="wzd_committee",
            )
        if case.service == service:
            raise ValidationError(
                _("De zaak ligt al bij %(service)s.") % {"service": Service(service).label}, code="unchanged"
            )
        if case.assignee_id is not None:
            raise ValidationError(
                _("Deze zaak is al toegewezen. Trek de toewijzing eerst in en zet de zaak dan door."),
                code="assigned",
            )
        previous = case.service
        _start_intake(complaint)
        timeline_add(
            complaint=complaint,
            kind="routed",
            visibility=Visibility.COMPLAINANT,
            data={"service": service, "previous_service": previous},
            **actor_fields(actor),
        )
        if note.strip():
            timeline_add(
                complaint=complaint,
                kind="triage_note",
                data={"text": note.strip()},
                visibility=Visibility.STAFF,
                **actor_fields(actor),
            )
        routed = index_sync(complaint=complaint, provider=provider, service=service)
        _log(provider, accessor, complaint, "route")
        return routed
