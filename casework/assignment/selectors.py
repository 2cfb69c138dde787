"""Reads for the professional's workspace and the assignment pages (public schema only).

"My cases" comes from the case index alone, across providers, in one query:
nothing here switches into a provider's schema.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from casework.assignment.matching import CURRENT_STATES
from casework.index.models import Assignment, CaseIndex, CaseStatus, Service
from reference.dates import today_amsterdam

# The next step for the professional, by assignment state and then by the case's stage and service.
NEXT_STEP_OFFERED = _("Accepteer of wijs de zaak af")
NEXT_STEPS: dict[str, dict[str, object]] = {
    CaseStatus.ASSIGNED: {
        Service.OFFICER: _("Plan het intakegesprek met de klager"),
        Service.COMMITTEE: _("Plan de hoorzitting met beide partijen"),
        Service.CONFIDANT: _("Neem contact op met de cliënt"),
        Service.DPO: _("Beoordeel het verzoek en bevestig de ontvangst"),
    },
    CaseStatus.IN_MEDIATION: {
        Service.OFFICER: _("Voer het bemiddelingsgesprek en leg de afspraken vast"),
        Service.COMMITTEE: _("Stel het advies van de commissie op"),
        Service.CONFIDANT: _("Ondersteun de cliënt bij de volgende stap"),
        Service.DPO: _("Handel het verzoek af binnen de AVG-termijn"),
    },
    CaseStatus.DECISION: {"*": _("Bewaak het schriftelijke oordeel van de zorgaanbieder")},
    CaseStatus.DECIDED: {"*": _("Sluit de zaak af met de uitkomst")},
}
NEXT_STEP_FALLBACK = _("Bekijk de zaak")
# Once the intake call was made (the first contact), the officer does not plan it again.
NEXT_STEP_AFTER_INTAKE: dict[str, object] = {
    Service.OFFICER: _("Het intakegesprek is gevoerd. Plan het gesprek om te bemiddelen"),
}


@dataclass(frozen=True)
class MyCase:
    case: CaseIndex
    assignment_state: str
    next_step: str
    days_left: int | None

    @property
    def is_offer(self) -> bool:
        return self.assignment_state == Assignment.State.OFFERED

    @property
    def deadline_label(self) -> str:
        if self.days_left is None:
            return str(_("Geen wettelijke termijn"))
        if self.days_left < 0:
            late = -self.days_left
            return ngettext("%(n)s dag te laat", "%(n)s dagen te laat", late) % {"n": late}
        if self.days_left == 0:
            return str(_("Vandaag"))
        return ngettext("nog %(n)s dag", "nog %(n)s dagen", self.days_left) % {"n": self.days_left}

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


def next_step(*, state: str, status: str, service: str, intake_done: bool = False) -> str:
    if state == Assignment.State.OFFERED:
        return str(NEXT_STEP_OFFERED)
    if intake_done and status == CaseStatus.ASSIGNED and service in NEXT_STEP_AFTER_INTAKE:
        return str(NEXT_STEP_AFTER_INTAKE[service])
    steps = NEXT_STEPS.get(status, {})
    return str(steps.get(service) or steps.get("*") or NEXT_STEP_FALLBACK)


def my_cases(*, user: User, today: datetime.date | None = None) -> list[MyCase]:
    """The open cases offered to or held by ``user``, most urgent first (one query)."""
    today = today or today_amsterdam()
    state = Assignment.objects.filter(
        case_id=OuterRef("pk"), professional_id=user.pk, state__in=CURRENT_STATES
    ).values("state")[:1]
    rows = (
        CaseIndex.objects.filter(assignee=user)
        .exclude(status=CaseStatus.CLOSED)
        .select_related("provider")
        .annotate(assignment_state=Subquery(state))
        .order_by(F("deadline").asc(nulls_last=True), "received_at", "pk")
    )
    return [
        MyCase(
            case=row,
            assignment_state=row.assignment_state or "",
            next_step=next_step(
                state=row.assignment_state or "",
                status=row.status,
                service=row.service,
                intake_done=row.first_contact_at is not None,
            ),
            days_left=(row.deadline - today).days if row.deadline else None,
        )
        for row in rows
    ]


def last_decline_reason() -> Subquery:
    """For annotating case-index querysets (the queue): why the latest offer was declined, or None.

    ``CaseIndex.objects.annotate(decline_reason=last_decline_reason())``: one
    subquery in the same query, so a page listing cases stays at its query count.
    """
    return Subquery(
        Assignment.objects.filter(case_id=OuterRef("pk"), state=Assignment.State.DECLINED)
        .order_by("-responded_at", "-pk")
        .values("decline_reason")[:1]
    )


def assignment_history(case: CaseIndex) -> QuerySet[Assignment]:
    """Everyone who was asked to take ``case``, oldest first, with who asked."""
    return (
        Assignment.objects.filter(case=case)
        .select_related("professional", "assigned_by")
        .order_by("assigned_at", "pk")
    )


def current_assignment(case: CaseIndex) -> Assignment | None:
    return (
        Assignment.objects.filter(case=case, state__in=CURRENT_STATES).select_related("professional").first()
    )


def case_is_offered(*, case: CaseIndex, user: User) -> bool:
    """Whether ``case`` waits for ``user``'s answer (offered, not yet accepted)."""
    return Assignment.objects.filter(case=case, professional=user, state=Assignment.State.OFFERED).exists()


def case_for_professional(*, reference: str, user: User) -> CaseIndex | None:
    """The case with ``reference`` when ``user`` currently holds (or is offered) it."""
    return (
        CaseIndex.objects.select_related("provider")
        .filter(reference=reference, assignments__professional=user, assignments__state__in=CURRENT_STATES)
        .first()
    )
