"""The committee procedure: the complaint in parts, a judgement per part, and the advice.

The hearing is a meeting of kind ``hearing`` (``casework.procedures.mediation.
meeting_schedule``), with both parties. The committee formulates the parts
of the complaint, judges each (founded, partly founded, unfounded) with its
reasoning, and issues its advice to the provider; until then the judgements
are the committee's draft. After the advice the provider gives its own
written decision (``casework.models.Decision``, recorded on the provider's
side), which the deadline keeps waiting for.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.dossier.access_log import Accessor, access_log_change
from casework.dossier.events import JUDGEMENT
from casework.dossier.services import actor_fields, index_sync, timeline_add
from casework.index.models import CaseStatus, Consent
from casework.models import CommitteeAdvice, Complaint, ComplaintPart, PanelMember, TimelineEntry
from casework.procedures.mediation import MAX_TEXT, lock_open_complaint
from outbox.services import outbox_enqueue
from tenants.clusters import schema_context
from tenants.models import Provider

# The words for a judgement live with the timeline's events (the advice's entry renders them
# from its data); this name stays for code written before that.
JUDGEMENT_SUMMARY = JUDGEMENT


def _not_issued(complaint: Complaint) -> None:
    if CommitteeAdvice.objects.filter(complaint=complaint).exists():
        raise ValidationError(
            _("De commissie heeft haar advies al uitgebracht; de oordelen liggen vast."), code="issued"
        )


def _log(provider: Provider, accessor: Accessor, complaint: Complaint, subject: str, detail: str) -> None:
    access_log_change(
        provider=provider,
        accessor=accessor,
        complaint=complaint,
        subject=subject,
        detail=detail,
    )


def complaint_part_add(
    *, provider: Provider, complaint_id: int, accessor: Accessor, text: str
) -> ComplaintPart:
    """Add a part of the complaint as the committee formulates it (numbered in order)."""
    text = text.strip()
    if not text:
        raise ValidationError(_("Omschrijf het klachtonderdeel."), code="text")
    if len(text) > MAX_TEXT:
        raise ValidationError(_("De tekst is te lang."), code="too_long")
    with schema_context(provider.schema_name), transaction.atomic():
        complaint = lock_open_complaint(provider, complaint_id)
        _not_issued(complaint)
        last = ComplaintPart.objects.filter(complaint=complaint).aggregate(last=Max("position"))["last"] or 0
        part = ComplaintPart.objects.create(complaint=complaint, position=last + 1, text=text)
        timeline_add(
            complaint=complaint,
            kind="complaint_part_added",
            visibility=TimelineEntry.Visibility.STAFF,
            data={"part_id": part.pk, "position": part.position},
            **actor_fields(accessor),
        )
        _log(provider, accessor, complaint, "committee_part", f"part {part.position} added")
    return part


def complaint_part_judge(
    *, provider: Provider, complaint_id: int, part_id: int, accessor: Accessor, judgement: str, reasoning: str
) -> ComplaintPart:
    """Judge one part: founded, partly founded or unfounded, always with the reasoning."""
    reasoning = reasoning.strip()
    if judgement not in ComplaintPart.Judgement.values:
        raise ValidationError(_("Kies het oordeel: gegrond, deels gegrond of ongegrond."), code="judgement")
    if not reasoning:
        raise ValidationError(_("Geef de motivering van het oordeel."), code="reasoning")
    if len(reasoning) > MAX_TEXT:
        raise ValidationError(_("De tekst is te lang."), code="too_long")
    with schema_context(provider.schema_name), transaction.atomic():
        complaint = lock_open_complaint(provider, complaint_id)
        _not_issued(complaint)
        part = ComplaintPart.objects.select_for_update().get(pk=part_id, complaint=complaint)
        part.judgement = judgement
        part.reasoning = reasoning
        part.judged_at = timezone.now()
        part.judged_by_user_id = accessor.user_id
        part.save(update_fields=["judgement", "reasoning", "judged_at", "judged_by_user_id"])
        timeline_add(
            complaint=complaint,
            kind="complaint_part_judged",
            visibility=TimelineEntry.Visibility.STAFF,
            data={"part_id": part.pk, "position": part.position, "judgement": judgement},
            **actor_fields(accessor),
        )
        _log(provider, accessor, complaint, "committee_part", f"part {part.position} judged")
    return part


def committee_advice_issue(
    *, provider: Provider, complaint_id: int, accessor: Accessor, advice: str
) -> CommitteeAdvice:
    """Issue the committee's advice: every part judged and reasoned, or it is refused.

    Guarantees: the advice, the judgements becoming readable for both parties,
    the case moving to "waiting for the decision" (dossier and index), the
    timeline entry, the access-log entry and the parties' e-mails (a link
    only) commit together; it is issued once.
    """
    with schema_context(provider.schema_name), transaction.atomic():
        complaint = lock_open_complaint(provider, complaint_id)
        if PanelMember.objects.filter(complaint=complaint).exists():
            # A case with a panel is judged by it: the chair signs (casework.procedures.panel).
            raise ValidationError(
                _("Deze zaak heeft een panel; de voorzitter ondertekent het oordeel."), code="panel"
            )
        return _advice_issue_locked(provider=provider, complaint=complaint, accessor=accessor, advice=advice)


def _advice_issue_locked(
    *, provider: Provider, complaint: Complaint, accessor: Accessor, advice: str
) -> CommitteeAdvice:
    """Issue the advice on ``complaint``, locked in the caller's transaction (``committee_advice_issue``)."""
    advice = advice.strip()
    if not advice:
        raise ValidationError(_("Schrijf het advies aan de zorgaanbieder."), code="advice")
    if len(advice) > MAX_TEXT:
        raise ValidationError(_("De tekst is te lang."), code="too_long")
    _not_issued(complaint)
    parts = list(ComplaintPart.objects.filter(complaint=complaint))
    if not parts:
        raise ValidationError(_("Formuleer eerst de klachtonderdelen."), code="no_parts")
    unjudged = [str(part.position) for part in parts if not part.judgement or not part.reasoning.strip()]
    if unjudged:
        raise ValidationError(
            _("Nog niet elk klachtonderdeel heeft een gemotiveerd oordeel: %(parts)s.")
            % {"parts": ", ".join(unjudged)},
            code="unjudged",
        )
    issued = CommitteeAdvice.objects.create(
        complaint=complaint,
        advice=advice,
        issued_at=timezone.now(),
        issued_by_user_id=accessor.user_id,
        issued_by_label=accessor.user_label,
    )
    timeline_add(
        complaint=complaint,
        kind="committee_advice",
        visibility=TimelineEntry.Visibility.ALL
        if complaint.consent == Consent.GIVEN
        else TimelineEntry.Visibility.COMPLAINANT,
        data={"advice_id": issued.pk, "judgements": {str(p.position): p.judgement for p in parts}},
        **actor_fields(accessor),
    )
    if complaint.status in (CaseStatus.ASSIGNED, CaseStatus.IN_MEDIATION):
        complaint.status = CaseStatus.DECISION
        complaint.save(update_fields=["status"])
        index_sync(complaint=complaint, provider=provider)
    _log(provider, accessor, complaint, "committee_advice", f"advice {issued.pk} issued")
    outbox_enqueue(
        task_name="casework.tasks_procedures.send_advice_notifications",
        kwargs={"complaint_id": complaint.pk},
    )
    return issued
