"""Assigning a case to a professional: offer, accept, decline, reassign.

Each action is one transaction that locks the case-index row first (and the
professional's directory row when a new offer adds to their load), so two
coordinators, or a coordinator and a professional, cannot interleave on one
case or push a professional past their capacity. The assignment history, the
case index, the dossier's status and its timeline entry commit together with
the outbox row that e-mails the people concerned (reference and link only).
"""

from __future__ import annotations

import datetime

import structlog
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name

from accounts.models import Professional, User
from casework.assignment.matching import CURRENT_STATES, eligibility
from casework.dossier.access_log import Accessor, access_log_change
from casework.dossier.locking import case_lock
from casework.dossier.services import timeline_add
from casework.index.models import Assignment, CaseIndex, CaseStatus, Service
from casework.models import Complaint, TimelineEntry
from outbox.services import outbox_enqueue
from tenants.clusters import schema_context

log = structlog.get_logger(__name__)

MAX_REASON_LENGTH = 300
# An offer or reassignment puts the case (back) at "offered" unless work is further along; it
# reads "assigned" only once the professional accepts, so nobody sees it as in hand before that.
STATUSES_BEFORE_WORK = (CaseStatus.RECEIVED, CaseStatus.INTAKE, CaseStatus.OFFERED, CaseStatus.ASSIGNED)


class AssignmentError(Exception):
    """The action is refused; ``str(error)`` says why, for the person who tried."""


def case_assign(
    *,
    case: CaseIndex,
    professional: User,
    actor: User,
    accessor: Accessor,
    today: datetime.date | None = None,
) -> Assignment:
    """Offer ``case`` to ``professional`` on behalf of the coordinator ``actor``.

    Guarantees: refused (``AssignmentError`` with the reasons) when the case is
    not ready or the professional is not eligible (not qualified, conflict of
    interest, absent, at capacity, inactive), or when the case already has a
    current assignment (use ``case_reassign``). Otherwise an offered
    ``Assignment``, the index's assignee and status, the dossier's status and
    timeline entry, and the professional's e-mail commit together.
    """
    with schema_context(case.provider.schema_name), transaction.atomic():
        locked, complaint = _lock(case)
        if _current(locked) is not None:
            raise AssignmentError(_("Deze zaak is al toegewezen; kies herverdelen om een ander te vragen."))
        assignment = _offer(locked, professional=professional, actor=actor, today=today)
        _set_status(locked, complaint, _status_after_offer(locked.status))
        timeline_add(
            complaint=complaint,
            kind="assignment_offered",
            actor_user_id=actor.pk,
            visibility=TimelineEntry.Visibility.STAFF,
            data={
                "assignment_id": assignment.pk,
                "professional_user_id": professional.pk,
                "professional": str(professional),
                "service": locked.service,
            },
        )
        _save_case(locked, assignee=professional)
        _log(locked, complaint, accessor)
        _notify("casework.index.tasks.notify_assignment_offered", assignment)
    log.info("case_assigned", reference=locked.reference, professional_user_id=professional.pk)
    return assignment


def assignment_accept(*, case: CaseIndex, professional: User, accessor: Accessor) -> Assignment:
    """The professional takes the case on. Only their own open offer can be accepted."""
    with schema_context(case.provider.schema_name), transaction.atomic():
        locked, complaint = _lock(case)
        assignment = _own_offer(locked, professional)
        assignment.state = Assignment.State.ACCEPTED
        assignment.responded_at = timezone.now()
        assignment.save(update_fields=["state", "responded_at"])
        if locked.status == CaseStatus.OFFERED:
            _set_status(locked, complaint, CaseStatus.ASSIGNED)
        # The provider may read that its case is in hand; the confidant's client only, for confidant work.
        visibility = (
            TimelineEntry.Visibility.COMPLAINANT
            if locked.service == Service.CONFIDANT
            else TimelineEntry.Visibility.ALL
        )
        timeline_add(
            complaint=complaint,
            kind="assignment_accepted",
            actor_user_id=professional.pk,
            visibility=visibility,
            data={
                "assignment_id": assignment.pk,
                "professional": str(professional),
                "service": locked.service,
            },
        )
        _save_case(locked, assignee=professional)
        _log(locked, complaint, accessor)
    log.info("assignment_accepted", reference=locked.reference, professional_user_id=professional.pk)
    return assignment


def assignment_decline(*, case: CaseIndex, professional: User, reason: str, accessor: Accessor) -> Assignment:
    """The professional declines an offer, with a reason: the case goes back to the queue.

    Guarantees: the assignee is cleared, index and dossier go back to intake,
    the reason is kept on the assignment (the queue and the matching page show
    it) and on the timeline (Klachtpunt only), and the coordinators are told.
    """
    reason = (reason or "").strip()
    if not reason:
        raise AssignmentError(_("Geef een reden op; de coördinator ziet die bij de zaak."))
    if len(reason) > MAX_REASON_LENGTH:
        raise AssignmentError(_("De reden is te lang (hooguit 300 tekens)."))
    with schema_context(case.provider.schema_name), transaction.atomic():
        locked, complaint = _lock(case)
        assignment = _own_offer(locked, professional)
        assignment.state = Assignment.State.DECLINED
        assignment.responded_at = timezone.now()
        assignment.decline_reason = reason
        assignment.save(update_fields=["state", "responded_at", "decline_reason"])
        # Back to the queue; a case whose work had begun keeps its stage.
        _set_status(
            locked,
            complaint,
            CaseStatus.INTAKE if locked.status in STATUSES_BEFORE_WORK else locked.status,
        )
        timeline_add(
            complaint=complaint,
            kind="assignment_declined",
            actor_user_id=professional.pk,
            visibility=TimelineEntry.Visibility.STAFF,
            data={"assignment_id": assignment.pk, "reason": reason, "professional": str(professional)},
        )
        _save_case(locked, assignee=None)
        _log(locked, complaint, accessor)
        _notify("casework.index.tasks.notify_assignment_declined", assignment)
    log.info("assignment_declined", reference=locked.reference, professional_user_id=professional.pk)
    return assignment


def case_reassign(
    *,
    case: CaseIndex,
    professional: User,
    actor: User,
    reason: str,
    accessor: Accessor,
    today: datetime.date | None = None,
) -> Assignment:
    """Move a case from its current professional to another, recording who, when and why.

    Guarantees: the current assignment becomes ``replaced`` (with the reason),
    the new professional gets an offer under the same eligibility rules as
    ``case_assign``, and the timeline says who replaced whom, in one
    transaction. Without a current assignment, use ``case_assign``.
    """
    reason = (reason or "").strip()
    if not reason:
        raise AssignmentError(_("Geef een reden op voor het herverdelen."))
    if len(reason) > MAX_REASON_LENGTH:
        raise AssignmentError(_("De reden is te lang (hooguit 300 tekens)."))
    with schema_context(case.provider.schema_name), transaction.atomic():
        locked, complaint = _lock(case)
        previous = _current(locked)
        if previous is None:
            raise AssignmentError(_("Deze zaak heeft geen behandelaar om te vervangen; wijs haar toe."))
        if previous.professional_id == professional.pk:
            raise AssignmentError(_("Deze professional behandelt de zaak al."))
        previous.state = Assignment.State.REPLACED
        previous.replace_reason = reason
        previous.save(update_fields=["state", "replace_reason"])
        assignment = _offer(locked, professional=professional, actor=actor, today=today)
        _set_status(locked, complaint, _status_after_offer(locked.status))
        timeline_add(
            complaint=complaint,
            kind="assignment_replaced",
            actor_user_id=actor.pk,
            visibility=TimelineEntry.Visibility.STAFF,
            data={
                "previous_assignment_id": previous.pk,
                "assignment_id": assignment.pk,
                "previous_user_id": previous.professional_id,
                "professional_user_id": professional.pk,
                "previous": str(previous.professional),
                "professional": str(professional),
                "reason": reason,
            },
        )
        _save_case(locked, assignee=professional)
        _log(locked, complaint, accessor)
        _notify("casework.index.tasks.notify_assignment_offered", assignment)
    log.info(
        "case_reassigned",
        reference=locked.reference,
        previous_user_id=previous.professional_id,
        professional_user_id=professional.pk,
    )
    return assignment


# Building blocks; each expects to run inside the action's transaction.


def _lock(case: CaseIndex) -> tuple[CaseIndex, Complaint]:
    # The one lock order (casework.dossier.locking): the index row, then the dossier.
    return case_lock(provider=case.provider, complaint_id=case.case_id)


def _current(case: CaseIndex) -> Assignment | None:
    return (
        Assignment.objects.select_related("professional").filter(case=case, state__in=CURRENT_STATES).first()
    )


def _own_offer(case: CaseIndex, professional: User) -> Assignment:
    assignment = _current(case)
    if assignment is None or assignment.professional_id != professional.pk:
        raise AssignmentError(_("Deze zaak is niet (meer) aan u aangeboden."))
    if assignment.state != Assignment.State.OFFERED:
        raise AssignmentError(_("U heeft deze zaak al geaccepteerd; vraag de coördinator om te herverdelen."))
    return assignment


def _offer(case: CaseIndex, *, professional: User, actor: User, today: datetime.date | None) -> Assignment:
    # Lock the professional's directory row: their load is counted next, and two
    # offers at once must not both fit in their last free place.
    Professional.objects.select_for_update().filter(user=professional).first()
    reasons = eligibility(case, user_id=professional.pk, today=today)
    if reasons:
        raise AssignmentError(" ".join(reasons))
    return Assignment.objects.create(
        case=case,
        professional=professional,
        service=case.service,
        state=Assignment.State.OFFERED,
        assigned_by=actor,
        assigned_at=timezone.now(),
    )


def _status_after_offer(status: str) -> str:
    return CaseStatus.OFFERED if status in STATUSES_BEFORE_WORK else status


def _set_status(case: CaseIndex, complaint: Complaint, status: str) -> None:
    case.status = status
    if complaint.status != status:
        complaint.status = status
        complaint.save(update_fields=["status"])


def _save_case(case: CaseIndex, *, assignee: User | None) -> None:
    case.assignee = assignee
    case.save(update_fields=["assignee", "status", "updated_at"])


def _log(case: CaseIndex, complaint: Complaint, accessor: Accessor) -> None:
    access_log_change(provider=case.provider, accessor=accessor, complaint=complaint, subject="assignment")


def _notify(task_name: str, assignment: Assignment) -> None:
    # The e-mail needs public data only (reference, recipient): it runs in the public schema.
    outbox_enqueue(
        task_name=task_name, kwargs={"assignment_id": assignment.pk}, schema_name=get_public_schema_name()
    )
