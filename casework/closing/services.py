"""Closing a case: the outcome, and, when not resolved, where the complainant can go next.

``case_close`` records the outcome and the moment of closing on the dossier
and the case index in one transaction, with a timeline entry and the closing
letter's facts (``ClosingNotice``); the e-mail (reference, outcome, follow-up
options with the disputes body's last date, a link; never the complaint's
text) leaves through the outbox. A closed case leaves the coordinator queue.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import AnyUser, PlatformRole, User
from accounts.permissions import has_platform_role
from casework.deadlines.services import closing_basis
from casework.dossier.access_log import Accessor, access_log_change
from casework.dossier.locking import case_lock
from casework.dossier.services import actor_fields, index_sync, timeline_add
from casework.index.models import Assignment, CaseIndex, CaseStatus, Outcome
from casework.models import ClosingNotice, Complaint, Meeting, TimelineEntry
from casework.procedures.mediation import meeting_cancel
from outbox.services import outbox_enqueue
from reference import deadline_rules as deadlines
from tenants.clusters import schema_context
from tenants.models import Provider
from tenants.selectors import provider_disputes_body

# Outcomes after which the complainant is told where else to go.
NOT_RESOLVED_OUTCOMES = (Outcome.NOT_RESOLVED, Outcome.PARTLY_RESOLVED)


@dataclass(frozen=True)
class FollowUpOption:
    code: str
    title: Any
    explanation: Any


# In the order a complainant would usually consider them.
FOLLOW_UP_OPTIONS = (
    FollowUpOption(
        "committee",
        gettext_lazy("Klachtencommissie"),
        gettext_lazy(
            "U kunt uw klacht voorleggen aan een onafhankelijke klachtencommissie, die beide partijen "
            "hoort en een oordeel geeft."
        ),
    ),
    FollowUpOption(
        "disputes_body",
        gettext_lazy("Geschilleninstantie"),
        gettext_lazy(
            "Bent u het niet eens met het oordeel van de zorgaanbieder, of kreeg u het niet op tijd, dan "
            "kunt u het geschil voorleggen aan de geschilleninstantie. Die doet een bindende uitspraak "
            "en kan een schadevergoeding toekennen."
        ),
    ),
    FollowUpOption(
        "disciplinary",
        gettext_lazy("Tuchtcollege voor de Gezondheidszorg"),
        gettext_lazy(
            "Gaat uw klacht over het handelen van een BIG-geregistreerde zorgverlener, dan kunt u een "
            "klacht indienen bij het Regionaal Tuchtcollege."
        ),
    ),
    FollowUpOption(
        "igj",
        gettext_lazy("Inspectie Gezondheidszorg en Jeugd (Landelijk Meldpunt Zorg)"),
        gettext_lazy(
            "Bij het Landelijk Meldpunt Zorg kunt u advies krijgen en een melding doen over de kwaliteit "
            "of veiligheid van zorg; de inspectie gebruikt meldingen in haar toezicht."
        ),
    ),
)
FOLLOW_UP_CODES = tuple(option.code for option in FOLLOW_UP_OPTIONS)


def filed_with_provider_on(complaint: Complaint) -> datetime.date:
    """The day the complaint was filed with the provider: the formal receipt, else the first receipt."""
    return complaint.formal_received_on or timezone.localdate(complaint.received_at)


def follow_up_rows(closing: ClosingNotice) -> list[dict[str, Any]]:
    """The follow-up options told at closing, with the disputes body's name and last date."""
    by_code = {option.code: option for option in FOLLOW_UP_OPTIONS}
    rows = []
    for code in closing.follow_up_options:
        option = by_code.get(code)
        if option is None:
            continue
        row = {"code": code, "title": option.title, "explanation": option.explanation}
        if code == "disputes_body":
            row["body_name"] = closing.disputes_body
            row["body_contact"] = [line for line in closing.disputes_body_contact.splitlines() if line]
            row["last_day"] = closing.disputes_last_day
        rows.append(row)
    return rows


def can_close_case(user: AnyUser, case: CaseIndex) -> bool:
    """Coordinators close any case; a professional only a case assigned to them and accepted."""
    if has_platform_role(user, PlatformRole.COORDINATOR, PlatformRole.PLATFORM_ADMIN):
        return True
    if not isinstance(user, User) or not has_platform_role(user, PlatformRole.PROFESSIONAL):
        return False
    return Assignment.objects.filter(case=case, professional=user, state=Assignment.State.ACCEPTED).exists()


def future_meeting_ids(*, complaint: Complaint, now: datetime.datetime) -> list[int]:
    """The case's meetings that have not started yet and are not cancelled."""
    return list(
        Meeting.objects.filter(complaint=complaint, cancelled_at__isnull=True, starts_at__gt=now)
        .order_by("starts_at", "pk")
        .values_list("pk", flat=True)
    )


def case_close(
    *,
    provider: Provider,
    complaint_id: int,
    actor: User,
    accessor: Accessor,
    outcome: str,
    note: str = "",
    evidence: str = "",
) -> ClosingNotice:
    """Close the case with its ``outcome``; tell the complainant where to go next when not resolved.

    A formal complaint closes only on a decision, a recorded withdrawal or a
    recorded referral (``closing_basis``). Guarantees: the dossier (status,
    outcome, closed_at), the closing notice, the timeline, the case index and
    the access-log row change together; the closing e-mail is
    queued in the same transaction. A closed case cannot be closed again.
    """
    if outcome not in Outcome.values:
        raise ValidationError(_("Kies de uitkomst."), code="invalid_outcome")
    with schema_context(provider.schema_name), transaction.atomic():
        _case, complaint = case_lock(provider=provider, complaint_id=complaint_id)
        if complaint.status == CaseStatus.CLOSED:
            raise ValidationError(_("Deze zaak is al afgesloten."), code="closed")
        basis = closing_basis(complaint, outcome, evidence)
        now = timezone.now()
        # A closed case has no meetings ahead: people would turn up. Each is cancelled the way a
        # worker cancels one (timeline, access log, iCalendar CANCEL through the outbox), in this
        # transaction and before the status changes, since meeting_cancel refuses closed cases.
        for meeting_id in future_meeting_ids(complaint=complaint, now=now):
            meeting_cancel(
                provider=provider, complaint_id=complaint_id, meeting_id=meeting_id, accessor=accessor
            )
        follow_ups = list(FOLLOW_UP_CODES) if outcome in NOT_RESOLVED_OUTCOMES else []
        body = provider_disputes_body(provider)
        closing = ClosingNotice.objects.create(
            complaint=complaint,
            outcome=outcome,
            follow_up_options=follow_ups,
            disputes_body=body.name if body else "",
            disputes_body_contact="\n".join(body.contact_lines()) if body else "",
            disputes_last_day=deadlines.disputes_last_day(filed_with_provider_on(complaint))
            if follow_ups
            else None,
            closed_at=now,
            closed_by_user_id=getattr(actor, "pk", None),
            basis=basis,
            basis_evidence=evidence.strip() if basis in ("withdrawal", "referral") else "",
        )
        complaint.status = CaseStatus.CLOSED
        complaint.outcome = outcome
        complaint.closed_at = now
        complaint.save(update_fields=["status", "outcome", "closed_at"])
        timeline_add(
            complaint=complaint,
            kind="closed",
            visibility=TimelineEntry.Visibility.ALL,
            data={
                "outcome": outcome,
                "disputes_last_day": closing.disputes_last_day.isoformat()
                if closing.disputes_last_day
                else "",
                "closed_at": now.isoformat(),
                "follow_up_options": follow_ups,
                "basis": basis,
            },
            **actor_fields(actor),
        )
        if basis in ("withdrawal", "referral"):
            timeline_add(
                complaint=complaint,
                kind=f"closing_{basis}",
                visibility=TimelineEntry.Visibility.STAFF,
                data={"evidence": evidence.strip()},
                **actor_fields(actor),
            )
        if note.strip():
            timeline_add(
                complaint=complaint,
                kind="closing_note",
                data={"text": note.strip()},
                visibility=TimelineEntry.Visibility.STAFF,
                **actor_fields(actor),
            )
        index_sync(complaint=complaint, provider=provider, outcome=outcome, closed_at=now)
        access_log_change(
            provider=provider, accessor=accessor, complaint=complaint, subject="closing", detail=outcome
        )
        outbox_enqueue(
            task_name="casework.tasks_closing.send_closing_letter", kwargs={"closing_id": closing.pk}
        )
    return closing
