"""Deadlines, decisions and closing on any page: ``{% load deadlines %}``.

Filters (days counted in Europe/Amsterdam):

- ``{{ deadline|days_left }}``: whole days to the deadline, 0 on the day, negative once overdue.
- ``{{ deadline|days_overdue }}``: days past the deadline, 0 while it has not passed.
- ``{% deadline_status deadline %}``: the date with "nog 12 dagen" / "vandaag" / "3 dagen te laat".

Panels that read the dossier themselves (in the provider's schema):

- ``{% staff_deadline_panel case %}`` on the coordinator's dossier page (a ``CaseIndex``).
- ``{% provider_decision_panel complaint %}`` on the provider's complaint page.
- ``{% complainant_outcome provider complaint %}`` on the follow page and in Mijn klachten.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import template

from casework.deadlines.forms import ReceiptDateForm
from casework.dossier.permissions import (
    COMPLETE_MEASURE,
    EXTEND_DEADLINE,
    PREPARE_ANSWER,
    RECORD_DECISION,
    allowed,
)
from casework.index.models import CaseIndex, CaseStatus, Track
from casework.models import ClosingNotice, Complaint, DeadlineExtension, Decision
from reference import deadline_rules as deadlines
from reference.dates import today_amsterdam
from tenants.clusters import schema_context
from tenants.models import Provider

register = template.Library()


def _today() -> datetime.date:
    return today_amsterdam()


@register.filter
def days_left(deadline: datetime.date | None) -> int | None:
    """Whole days from today (Europe/Amsterdam) to ``deadline``; negative once overdue; None without one."""
    if not isinstance(deadline, datetime.date):
        return None
    return deadlines.days_left(deadline, _today())


@register.filter
def days_overdue(deadline: datetime.date | None) -> int:
    left = days_left(deadline)
    return -left if left is not None and left < 0 else 0


@register.inclusion_tag("casework/includes/deadline_status.html")
def deadline_status(deadline: datetime.date | None, met: bool = False) -> dict[str, Any]:
    """The deadline with its days left (or a note that the decision was given in time)."""
    left = days_left(deadline)
    return {
        "deadline": deadline,
        "days_left": left,
        "days_overdue": -left if left is not None and left < 0 else 0,
        "met": met,
    }


def _extensions(complaint: Complaint) -> list[DeadlineExtension]:
    return list(complaint.deadline_extensions.prefetch_related("consents").order_by("decided_at", "pk"))


def _decisions(complaint: Complaint) -> list[Decision]:
    """Every version of the decision, oldest first; the last one is current."""
    return list(Decision.objects.filter(complaint=complaint).prefetch_related("measures").order_by("version"))


def _decision(complaint: Complaint) -> Decision | None:
    """The current decision: its latest version."""
    versions = _decisions(complaint)
    return versions[-1] if versions else None


def _closing(complaint: Complaint) -> ClosingNotice | None:
    return ClosingNotice.objects.filter(complaint=complaint).first()


@register.inclusion_tag("casework/staff/_deadline_panel.html", takes_context=True)
def staff_deadline_panel(context: template.Context, case: CaseIndex) -> dict[str, Any]:
    """Deadline, extensions, decision and closing of ``case`` for Klachtpunt staff."""
    with schema_context(case.provider.schema_name):
        complaint = Complaint.objects.get(pk=case.case_id)
        extensions = _extensions(complaint)
        versions = _decisions(complaint)
        decision = versions[-1] if versions else None
        measures = list(decision.measures.all()) if decision else []
        closing = _closing(complaint)
    deadline = deadlines.complaint_deadline(complaint)
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "case": case,
        "complaint": complaint,
        "deadline": deadline,
        # A deadline in a year no decree covers is computed from the Atw alone: staff check it.
        "without_decree_data": deadlines.deadline_without_decree_data(deadline),
        "receipt_form": ReceiptDateForm(initial={"received_on": complaint.formal_received_on}),
        "statutory_deadline": deadlines.decision_deadline(complaint.formal_received_on, complaint.law)
        if complaint.formal_received_on
        else None,
        "extensions": extensions,
        "decision": decision,
        "decisions": versions,
        "measures": measures,
        "closing": closing,
        "is_open": case.status != CaseStatus.CLOSED,
        "formal": complaint.track == Track.FORMAL,
    }


@register.inclusion_tag("casework/provider/_decision_panel.html", takes_context=True)
def provider_decision_panel(context: template.Context, complaint: Complaint) -> dict[str, Any]:
    """The provider's deadline, extensions, decision (with its earlier versions) and measures.

    Runs in the provider's schema.
    """
    versions = _decisions(complaint)
    decision = versions[-1] if versions else None
    deadline = deadlines.complaint_deadline(complaint)
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "request": request,
        # What this member may do here (casework.dossier.permissions): the handler prepares, the
        # decision maker decides and extends.
        "can_decide": allowed(user, RECORD_DECISION, complaint),
        "can_extend": allowed(user, EXTEND_DEADLINE, complaint),
        "can_prepare": allowed(user, PREPARE_ANSWER, complaint),
        "can_complete_measures": allowed(user, COMPLETE_MEASURE, complaint),
        "csrf_token": context.get("csrf_token"),
        "complaint": complaint,
        "deadline": deadline,
        "without_decree_data": deadlines.deadline_without_decree_data(deadline),
        "earlier_decisions": versions[:-1],
        "extensions": _extensions(complaint),
        "decision": decision,
        "measures": list(decision.measures.all()) if decision else [],
        "closing": _closing(complaint),
        "is_open": complaint.status != CaseStatus.CLOSED,
    }


@register.inclusion_tag("casework/includes/complainant_outcome.html")
def complainant_outcome(provider: Provider, complaint: Complaint) -> dict[str, Any]:
    """What the complainant sees of extensions, the decision and the closing, with the follow-up options."""
    from casework.closing.services import follow_up_rows

    with schema_context(provider.schema_name):
        extensions = _extensions(complaint)
        decision = _decision(complaint)
        measures = list(decision.measures.all()) if decision else []
        closing = _closing(complaint)
    return {
        "complaint": complaint,
        "extensions": extensions,
        "decision": decision,
        "measures": measures,
        "closing": closing,
        "follow_ups": follow_up_rows(closing) if closing else [],
        "outcome_label": complaint.get_outcome_display() if complaint.outcome else "",
    }
