"""The provider's written decision (oordeel) and the measures it promises.

Wkkgz art. 17: the decision is reasoned, in writing, and has three parts: the
conclusion on the complaint, the decisions taken, and the time frame within
which the measures will be carried out. ``decision_record`` refuses a
decision that lacks any of them; the PDF goes to the complainant through the
outbox; promised measures are tracked until the provider marks them done.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from casework.dossier.access_log import Accessor, access_log_change
from casework.dossier.locking import case_lock
from casework.dossier.selectors import complaints_visible_to_provider
from casework.dossier.services import actor_fields, index_sync, timeline_add
from casework.index.models import CaseStatus
from casework.models import CommitteeSignOff, Complaint, Decision, Measure, TimelineEntry
from outbox.services import outbox_enqueue
from reference.dates import today_amsterdam
from tenants.clusters import schema_context
from tenants.models import Provider

# The three parts the law requires, with the message when one is missing.
REQUIRED_PARTS = ("conclusion", "decisions_taken", "measures_timeframe")
MAX_MEASURES = 20
# The languages a decision letter can be written in (the interface's languages).
LETTER_LANGUAGES = ("nl", "en")


@dataclass(frozen=True)
class MeasureInput:
    description: str
    due_on: datetime.date | None


def _missing_part_messages() -> dict[str, str]:
    return {
        "conclusion": _("Schrijf de conclusie over de klacht: is de klacht (deels) gegrond, en waarom?"),
        "decisions_taken": _(
            "Schrijf welke beslissingen de zorgaanbieder naar aanleiding van de klacht neemt."
        ),
        "measures_timeframe": _(
            "Schrijf binnen welke termijn de maatregelen worden uitgevoerd (of dat er geen "
            "maatregelen nodig zijn)."
        ),
    }


def decision_validate(
    *,
    conclusion: str,
    decisions_taken: str,
    measures_timeframe: str,
    measures: Sequence[MeasureInput],
    decided_on: datetime.date,
    received_on: datetime.date | None = None,
    today: datetime.date | None = None,
) -> None:
    """Raise a ``ValidationError`` keyed by field for each missing part or incomplete measure.

    The decision's date lies between the complaint's (formal) receipt and
    today: a backdated decision would count as "given in time" in the annual
    report, a future one was not given yet.
    """
    errors: dict[str, list[ValidationError]] = {}
    parts = {
        "conclusion": conclusion,
        "decisions_taken": decisions_taken,
        "measures_timeframe": measures_timeframe,
    }
    messages = _missing_part_messages()
    for name in REQUIRED_PARTS:
        if not parts[name].strip():
            errors[name] = [ValidationError(messages[name], code=f"{name}_required")]
    if len(measures) > MAX_MEASURES:
        errors.setdefault("measures", []).append(
            ValidationError(
                _("Neem ten hoogste %(n)d maatregelen op.") % {"n": MAX_MEASURES}, code="too_many"
            )
        )
    for number, measure in enumerate(measures, start=1):
        if not measure.description.strip():
            errors.setdefault("measures", []).append(
                ValidationError(
                    _("Maatregel %(n)d: beschrijf de maatregel.") % {"n": number}, code="measure_description"
                )
            )
        if measure.due_on is None:
            errors.setdefault("measures", []).append(
                ValidationError(
                    _("Maatregel %(n)d: geef de datum waarop de maatregel klaar is.") % {"n": number},
                    code="measure_due",
                )
            )
        elif measure.due_on < decided_on:
            errors.setdefault("measures", []).append(
                ValidationError(
                    _("Maatregel %(n)d: de datum kan niet vóór de datum van het oordeel liggen.")
                    % {"n": number},
                    code="measure_due_past",
                )
            )
    today = today or today_amsterdam()
    if decided_on > today:
        errors.setdefault("decided_on", []).append(
            ValidationError(_("De datum van het oordeel kan niet in de toekomst liggen."), code="future")
        )
    if received_on is not None and decided_on < received_on:
        errors.setdefault("decided_on", []).append(
            ValidationError(
                _("De datum van het oordeel kan niet vóór de ontvangst van de klacht (%(date)s) liggen.")
                % {"date": received_on.strftime("%d-%m-%Y")},
                code="backdated",
            )
        )
    if errors:
        raise ValidationError(errors)


def decision_received_on(complaint: Complaint) -> datetime.date:
    """The earliest day a decision on ``complaint`` can carry: its formal receipt, else its first receipt."""
    return complaint.formal_received_on or timezone.localdate(complaint.received_at)


def decision_record(
    *,
    provider: Provider,
    complaint_id: int,
    actor: User,
    accessor: Accessor,
    conclusion: str,
    decisions_taken: str,
    measures_timeframe: str,
    measures: Sequence[MeasureInput] = (),
    decided_on: datetime.date | None = None,
    today: datetime.date | None = None,
    language: str = "",
) -> Decision:
    """Record the provider's written decision on a consented complaint and send it to the complainant.

    Refused unless all three parts are there (errors keyed by field), dated
    between the complaint's receipt and today, for a complaint the provider
    may not see (no consent: ``Complaint.DoesNotExist``, as if it did not
    exist), a closed case, or a second decision (a correction is a new version:
    ``decision_revise``). The decision, its measures, the timeline and the case
    index (``decided_on``: reminders stop) and the access-log row commit together
    with the outbox row that delivers the PDF.
    """
    return _decision_write(
        provider=provider,
        complaint_id=complaint_id,
        actor=actor,
        accessor=accessor,
        conclusion=conclusion,
        decisions_taken=decisions_taken,
        measures_timeframe=measures_timeframe,
        measures=measures,
        decided_on=decided_on,
        today=today,
        language=language,
        revision_reason=None,
    )


def decision_revise(
    *,
    provider: Provider,
    complaint_id: int,
    actor: User,
    accessor: Accessor,
    reason: str,
    conclusion: str,
    decisions_taken: str,
    measures_timeframe: str,
    measures: Sequence[MeasureInput] = (),
    decided_on: datetime.date | None = None,
    today: datetime.date | None = None,
    language: str = "",
) -> Decision:
    """Follow the current decision with a new version (with its reason); the earlier one is kept.

    A decision once recorded has been communicated: it is never edited.
    """
    if not reason.strip():
        raise ValidationError(
            {"reason": ValidationError(_("Geef de reden voor de nieuwe versie."), code="reason_required")}
        )
    return _decision_write(
        provider=provider,
        complaint_id=complaint_id,
        actor=actor,
        accessor=accessor,
        conclusion=conclusion,
        decisions_taken=decisions_taken,
        measures_timeframe=measures_timeframe,
        measures=measures,
        decided_on=decided_on,
        today=today,
        language=language,
        revision_reason=reason.strip(),
    )


def _decision_write(
    *,
    provider: Provider,
    complaint_id: int,
    actor: User,
    accessor: Accessor,
    conclusion: str,
    decisions_taken: str,
    measures_timeframe: str,
    measures: Sequence[MeasureInput],
    decided_on: datetime.date | None,
    today: datetime.date | None,
    language: str,
    revision_reason: str | None,
) -> Decision:
    today = today or today_amsterdam()
    decided_on = decided_on or today
    measures = [m for m in measures if m.description.strip() or m.due_on is not None]
    with schema_context(provider.schema_name), transaction.atomic():
        # The consent gate: a provider decides only on complaints it may see.
        _case, complaint = case_lock(
            provider=provider,
            complaint_id=complaint_id,
            complaints=complaints_visible_to_provider(provider=provider),
        )
        decision_validate(
            conclusion=conclusion,
            decisions_taken=decisions_taken,
            measures_timeframe=measures_timeframe,
            measures=measures,
            decided_on=decided_on,
            received_on=decision_received_on(complaint),
            today=today,
        )
        current = Decision.objects.filter(complaint=complaint).order_by("-version").first()
        if revision_reason is None:
            if complaint.status == CaseStatus.CLOSED:
                raise ValidationError(_("Deze zaak is afgesloten."), code="closed")
            if CommitteeSignOff.objects.filter(advice__complaint=complaint, binding=True).exists():
                # Wzd/Wvggz: the committee decided, and its decision binds the provider.
                raise ValidationError(
                    _("De klachtencommissie heeft over deze klacht een bindende beslissing genomen."),
                    code="committee_decided",
                )
            if current is not None:
                raise ValidationError(
                    _("Op deze klacht is al een oordeel vastgelegd. Leg zo nodig een nieuwe versie vast."),
                    code="already_decided",
                )
        elif current is None:
            raise ValidationError(_("Er is nog geen oordeel om op te volgen."), code="no_decision")
        now = timezone.now()
        decision = Decision.objects.create(
            complaint=complaint,
            version=current.version + 1 if current else 1,
            supersedes=current if revision_reason is not None else None,
            revision_reason=revision_reason or "",
            conclusion=conclusion.strip(),
            decisions_taken=decisions_taken.strip(),
            measures_timeframe=measures_timeframe.strip(),
            decided_on=decided_on,
            # Written in the language the writer chose, else the complainant's.
            language=language if language in LETTER_LANGUAGES else (complaint.language or "nl"),
            recorded_at=now,
            recorded_by_user_id=getattr(actor, "pk", None),
            recorded_by_label=str(actor)[:120] if actor else "",
        )
        Measure.objects.bulk_create(
            Measure(decision=decision, description=m.description.strip()[:500], due_on=m.due_on, position=i)
            for i, m in enumerate(measures)
        )
        timeline_add(
            complaint=complaint,
            kind="decision_recorded" if revision_reason is None else "decision_revised",
            visibility=TimelineEntry.Visibility.ALL,
            data={
                "decision_id": decision.pk,
                "reason": revision_reason or "",
                "version": decision.version,
                "supersedes": current.pk if revision_reason is not None and current else None,
                "decided_on": decided_on.isoformat(),
                "measures": len(measures),
            },
            **actor_fields(actor),
        )
        if revision_reason is None:
            # Nobody waits for the decision any more: without this the provider's list kept saying
            # "Wacht op oordeel" after it had decided.
            complaint.status = CaseStatus.DECIDED
            complaint.save(update_fields=["status"])
            # The first version's day is the day the decision was given (the deadline is met).
            index_sync(complaint=complaint, provider=provider, decided_on=decided_on)
        access_log_change(
            provider=provider,
            accessor=accessor,
            complaint=complaint,
            subject="decision",
            detail=f"decision {decision.pk} version {decision.version}",
        )
        outbox_enqueue(task_name="casework.tasks_closing.send_decision", kwargs={"decision_id": decision.pk})
    return decision


def measure_mark_done(
    *, provider: Provider, complaint_id: int, measure_id: int, actor: User, accessor: Accessor
) -> Measure:
    """Mark a promised measure done (once; doing it again changes nothing), on the timeline."""
    with schema_context(provider.schema_name), transaction.atomic():
        complaint: Complaint = complaints_visible_to_provider(provider=provider).get(pk=complaint_id)
        measure = Measure.objects.select_for_update(of=("self",)).get(
            pk=measure_id, decision__complaint=complaint, decision__superseded_by__isnull=True
        )
        if measure.done_at is not None:
            return measure
        measure.done_at = timezone.now()
        measure.done_by_user_id = getattr(actor, "pk", None)
        measure.save(update_fields=["done_at", "done_by_user_id"])
        timeline_add(
            complaint=complaint,
            kind="measure_done",
            visibility=TimelineEntry.Visibility.ALL,
            data={"measure_id": measure.pk, "description": measure.description},
            **actor_fields(actor),
        )
        access_log_change(
            provider=provider,
            accessor=accessor,
            complaint=complaint,
            subject="measure",
            detail=f"measure {measure.pk}",
        )
    return measure
