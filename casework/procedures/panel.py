"""The committee as a panel: formation, written round, hearing, deliberation, the chair's sign-off.

A committee case is judged by a panel (``PanelMember``): an independent chair,
at least two members and a secretary (ambtelijk secretaris), chosen by the
coordinator. Who may sit is matching's question, not a copy of it: the same
``professionals_for_case`` and ``exclusions`` (conflict of interest with the
provider, absence, capacity, inactive, not qualified), with two differences
that belong to a panel: holding the case already is no bar (the professional
who took it may chair it), and the secretary needs no committee
qualification.

The seat decides who does what, and the actions here enforce it:

- the **secretary** sets the written round's deadlines and records what came
  in, schedules the hearing (a ``Meeting`` of kind ``hearing`` through
  ``meeting_schedule``: iCalendar invitations to both parties and the whole
  panel) and records its attendance and minutes;
- **every seat** writes in the deliberation (the panel's alone: the rule
  ``casework.read_deliberation``) and formulates and judges the parts;
- the **chair** signs off the judgement per part and the recommendations.
  Under the Wzd and the Wvggz the committee's decision binds: signing it is
  the decision, the case reads "decided" and the committee's own term stops
  (``reference.deadline_rules.committee_decision_binds``). Under the Wkkgz it
  is advice, and the provider then decides.

Every action is one transaction in the provider's schema that locks the case
(``case_lock``) and writes its access-log row.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Professional
from casework.assignment.matching import (
    Exclusion,
    case_blocker,
    case_texts,
    exclusions,
    professionals_for_case,
    score_factors,
)
from casework.dossier.access_log import Accessor, access_log_change
from casework.dossier.locking import case_lock
from casework.dossier.services import actor_fields, index_sync, timeline_add
from casework.index.models import CaseIndex, CaseStatus, Service
from casework.models import (
    CommitteeAdvice,
    CommitteeSignOff,
    Complaint,
    DeliberationNote,
    HearingReport,
    Meeting,
    PanelMember,
    TimelineEntry,
    WrittenRoundStep,
)
from casework.procedures.committee import _advice_issue_locked
from casework.procedures.mediation import MAX_TEXT, lock_open_complaint, meeting_schedule
from reference.dates import today_amsterdam
from reference.deadline_rules import committee_decision_binds
from tenants.clusters import schema_context
from tenants.models import Provider

Seat = PanelMember.Role
MIN_MEMBERS = 2

# What does not bar a seat on a panel, per seat (every other exclusion of matching does).
# Holding the case is no bar; a case already counted in one's load is not counted twice.
IGNORED_FOR_SEAT: dict[str, frozenset[str]] = {
    Seat.CHAIR: frozenset({Exclusion.CURRENT}),
    Seat.MEMBER: frozenset({Exclusion.CURRENT}),
    # The secretary supports the panel and does not judge: no committee qualification needed.
    Seat.SECRETARY: frozenset({Exclusion.CURRENT, Exclusion.NOT_QUALIFIED}),
}


@dataclass(frozen=True)
class SeatCandidate:
    """A professional for one seat: eligible (with the score's reasons) or excluded (with why)."""

    professional: Professional
    reasons: tuple[str, ...]
    eligible: bool
    score: float = 0.0


def _seat_exclusions(
    case: CaseIndex, professional: Professional, seat: str, texts: object
) -> list[tuple[str, str]]:
    ignored = IGNORED_FOR_SEAT[seat]
    found = exclusions(case, professional, texts)  # type: ignore[arg-type]
    if getattr(professional, "is_current", False):
        # The case is already in their load: it does not push them over capacity again.
        ignored = ignored | {Exclusion.AT_CAPACITY}
    return [(code, text) for code, text in found if code not in ignored]


def panel_candidates(
    case: CaseIndex, *, today: datetime.date | None = None
) -> dict[str, list[SeatCandidate]]:
    """Per seat, every professional: the eligible first (best score first), then the excluded.

    One query over the directory (``professionals_for_case``), as matching.
    """
    today = today or today_amsterdam()
    result: dict[str, list[SeatCandidate]] = {seat: [] for seat in Seat.values}
    if case_blocker(case):
        return result
    texts = case_texts(case)
    for professional in professionals_for_case(case, today=today):
        factors = None
        for seat in Seat.values:
            barred = _seat_exclusions(case, professional, seat, texts)
            if barred:
                result[seat].append(
                    SeatCandidate(professional, tuple(text for _code, text in barred), eligible=False)
                )
                continue
            if factors is None:
                factors = score_factors(case, professional, texts=texts)
            result[seat].append(
                SeatCandidate(
                    professional,
                    tuple(factor.explanation for factor in factors),
                    eligible=True,
                    score=round(sum(factor.weight * factor.fit for factor in factors), 1),
                )
            )
    for seat in result:
        result[seat].sort(key=lambda c: (not c.eligible, -c.score, str(c.professional.user).lower()))
    return result


def _panel_open(complaint: Complaint) -> None:
    if CommitteeAdvice.objects.filter(complaint=complaint).exists():
        raise ValidationError(
            _("De voorzitter heeft het oordeel al ondertekend; het panel ligt vast."), code="signed"
        )


def panel_form(
    *,
    case: CaseIndex,
    chair_id: int,
    member_ids: Sequence[int],
    secretary_id: int,
    accessor: Accessor,
    today: datetime.date | None = None,
) -> list[PanelMember]:
    """Form (or re-form) the case's panel: a chair, at least two members and a secretary.

    Guarantees: refused (``ValidationError``, naming each person and why)
    when the case is not a committee case or not ready (no consent), when a
    seat is empty or someone sits twice, when there are fewer than two
    members, or when anyone has a conflict of interest with the provider, is
    absent, inactive, at capacity or (chair and members) not qualified for
    the committee; refused once the chair has signed. Otherwise the seats
    (with the reasons matching gave), the timeline entry (Klachtpunt only)
    and the access-log row commit together, replacing an earlier panel.
    """
    today = today or today_amsterdam()
    members = list(dict.fromkeys(member_ids))
    if case.service != Service.COMMITTEE:
        raise ValidationError(
            _("Alleen een zaak voor de klachtencommissie krijgt een panel."), code="service"
        )
    if len(members) < MIN_MEMBERS:
        raise ValidationError(_("Kies ten minste twee leden naast de voorzitter."), code="members")
    seats = [(chair_id, Seat.CHAIR), *[(m, Seat.MEMBER) for m in members], (secretary_id, Seat.SECRETARY)]
    people = [user_id for user_id, _seat in seats]
    if len(set(people)) != len(people):
        raise ValidationError(_("Iedereen heeft één plaats in het panel."), code="twice")
    with schema_context(case.provider.schema_name), transaction.atomic():
        case, complaint = case_lock(provider=case.provider, complaint_id=case.case_id)
        if complaint.status == CaseStatus.CLOSED:
            raise ValidationError(_("Deze zaak is afgesloten."), code="closed")
        _panel_open(complaint)
        blocked = case_blocker(case)
        if blocked:
            raise ValidationError(blocked, code="blocked")
        texts = case_texts(case)
        directory = {
            p.user_id: p for p in professionals_for_case(case, today=today).filter(user_id__in=people)
        }
        refusals: list[str] = []
        chosen: list[tuple[Professional, str, list[str]]] = []
        for user_id, seat in seats:
            professional = directory.get(user_id)
            if professional is None:
                refusals.append(_("Deze gebruiker staat niet in de lijst van professionals."))
                continue
            barred = _seat_exclusions(case, professional, seat, texts)
            if barred:
                refusals.append(
                    _("%(name)s (%(seat)s): %(reasons)s")
                    % {
                        "name": professional.user,
                        "seat": Seat(seat).label,
                        "reasons": " ".join(text for _code, text in barred),
                    }
                )
                continue
            reasons = [factor.explanation for factor in score_factors(case, professional, texts=texts)]
            chosen.append((professional, seat, reasons))
        if refusals:
            raise ValidationError(refusals, code="ineligible")
        PanelMember.objects.filter(complaint=complaint).delete()
        now = timezone.now()
        panel = PanelMember.objects.bulk_create(
            PanelMember(
                complaint=complaint,
                user_id=professional.user_id,
                label=str(professional.user)[:150],
                role=seat,
                reasons=reasons,
                appointed_at=now,
                appointed_by_user_id=accessor.user_id,
            )
            for professional, seat, reasons in chosen
        )
        timeline_add(
            complaint=complaint,
            kind="panel_formed",
            summary="Panel van de klachtencommissie samengesteld: "
            + ", ".join(f"{member.label} ({member.role})" for member in panel),
            visibility=TimelineEntry.Visibility.STAFF,
            data={
                "seats": {str(member.user_id): member.role for member in panel},
                "members": [{"label": member.label, "role": member.role} for member in panel],
            },
            **actor_fields(accessor),
        )
        access_log_change(
            provider=case.provider,
            accessor=accessor,
            complaint=complaint,
            subject="committee_panel",
            detail=f"panel formed ({len(panel)} seats)",
        )
    return panel


def _seat(complaint: Complaint, accessor: Accessor, *roles: str) -> PanelMember:
    """The accessor's seat on the panel, when it is one of ``roles``; refused otherwise."""
    seat = PanelMember.objects.filter(complaint=complaint, user_id=accessor.user_id or 0).first()
    if seat is None or (roles and seat.role not in roles):
        labels = ", ".join(str(Seat(role).label).lower() for role in roles) or _("lid van het panel")
        raise ValidationError(
            _("Alleen de %(seats)s van het panel kan dit doen.") % {"seats": labels}, code="seat"
        )
    return seat


# --- The written round --------------------------------------------------------


def written_round_set(
    *,
    provider: Provider,
    complaint_id: int,
    accessor: Accessor,
    kind: str,
    due_on: datetime.date,
    today: datetime.date | None = None,
) -> WrittenRoundStep:
    """The secretary sets (or moves) the deadline of one step of the written round.

    Refused for a day in the past, and for a step already received.
    """
    today = today or today_amsterdam()
    if kind not in WrittenRoundStep.Kind.values:
        raise ValidationError(_("Kies de stap van de schriftelijke ronde."), code="kind")
    if due_on < today:
        raise ValidationError(_("De termijn kan niet in het verleden liggen."), code="past")
    with schema_context(provider.schema_name), transaction.atomic():
        complaint = lock_open_complaint(provider, complaint_id)
        _seat(complaint, accessor, Seat.SECRETARY)
        _panel_open(complaint)
        step = WrittenRoundStep.objects.filter(complaint=complaint, kind=kind).first()
        if step is not None and step.received_on is not None:
            raise ValidationError(_("Deze stap is al binnen."), code="received")
        step, _created = WrittenRoundStep.objects.update_or_create(
            complaint=complaint,
            kind=kind,
            defaults={"due_on": due_on, "set_by_user_id": accessor.user_id},
        )
        timeline_add(
            complaint=complaint,
            kind="written_round_due",
            summary=f"Schriftelijke ronde: termijn voor {kind} op {due_on.isoformat()}",
            visibility=TimelineEntry.Visibility.STAFF,
            data={"step": kind, "due_on": due_on.isoformat()},
            **actor_fields(accessor),
        )
        access_log_change(
            provider=provider, accessor=accessor, complaint=complaint, subject="written_round", detail=kind
        )
    return step


def written_round_receive(
    *,
    provider: Provider,
    complaint_id: int,
    accessor: Accessor,
    kind: str,
    received_on: datetime.date,
    today: datetime.date | None = None,
) -> WrittenRoundStep:
    """The secretary records the day a step of the written round came in (a fact, not today by default)."""
    today = today or today_amsterdam()
    if received_on > today:
        raise ValidationError(_("De ontvangstdatum kan niet in de toekomst liggen."), code="future")
    with schema_context(provider.schema_name), transaction.atomic():
        complaint = lock_open_complaint(provider, complaint_id)
        _seat(complaint, accessor, Seat.SECRETARY)
        step = WrittenRoundStep.objects.select_for_update().filter(complaint=complaint, kind=kind).first()
        if step is None:
            raise ValidationError(_("Stel eerst de termijn voor deze stap vast."), code="no_step")
        step.received_on = received_on
        step.received_by_user_id = accessor.user_id
        step.save(update_fields=["received_on", "received_by_user_id"])
        timeline_add(
            complaint=complaint,
            kind="written_round_received",
            summary=f"Schriftelijke ronde: {kind} ontvangen op {received_on.isoformat()}",
            visibility=TimelineEntry.Visibility.STAFF,
            data={"step": kind, "received_on": received_on.isoformat()},
            **actor_fields(accessor),
        )
        access_log_change(
            provider=provider, accessor=accessor, complaint=complaint, subject="written_round", detail=kind
        )
    return step


# --- The hearing ---------------------------------------------------------------


def hearing_schedule(
    *,
    provider: Provider,
    complaint_id: int,
    accessor: Accessor,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    location: str,
    call_in: str = "",
    provider_contact_name: str = "",
    provider_contact_email: str = "",
) -> Meeting:
    """The secretary schedules the hearing with both parties and the whole panel.

    ``meeting_schedule``'s rules hold (both parties, consent, a place, in the
    future); its invitation task sends every panel seat an iCalendar
    invitation too (``casework.procedures.tasks.meeting_invitees``).
    """
    with schema_context(provider.schema_name), transaction.atomic():
        complaint = lock_open_complaint(provider, complaint_id)
        _seat(complaint, accessor, Seat.SECRETARY)
        _panel_open(complaint)
        return meeting_schedule(
            provider=provider,
            complaint_id=complaint_id,
            accessor=accessor,
            kind=Meeting.Kind.HEARING,
            starts_at=starts_at,
            ends_at=ends_at,
            location=location,
            call_in=call_in,
            with_complainant=True,
            provider_contact_name=provider_contact_name,
            provider_contact_email=provider_contact_email,
        )


def hearing_attendees(meeting: Meeting) -> list[tuple[str, str, str]]:
    """(key, who, label) for everyone expected at ``meeting``: the panel, then both parties."""
    rows = [
        (f"panel-{seat.user_id}", seat.role, seat.label)
        for seat in PanelMember.objects.filter(complaint_id=meeting.complaint_id)
    ]
    if meeting.with_complainant:
        rows.append(("complainant", "complainant", str(_("De klager"))))
    if meeting.provider_contact_email:
        rows.append(("provider", "provider", meeting.provider_contact_name or meeting.provider_contact_email))
    return rows


def hearing_report_record(
    *,
    provider: Provider,
    complaint_id: int,
    meeting_id: int,
    accessor: Accessor,
    present: Sequence[str],
    minutes: str,
    now: datetime.datetime | None = None,
) -> HearingReport:
    """The secretary records who attended the hearing and its minutes (the panel reads them).

    Refused before the hearing began, for a cancelled hearing, without minutes.
    Recording again replaces the earlier record.
    """
    minutes = minutes.strip()
    now = now or timezone.now()
    if not minutes:
        raise ValidationError(_("Schrijf het verslag van de hoorzitting."), code="minutes")
    if len(minutes) > MAX_TEXT:
        raise ValidationError(_("De tekst is te lang."), code="too_long")
    with schema_context(provider.schema_name), transaction.atomic():
        complaint = lock_open_complaint(provider, complaint_id)
        seat = _seat(complaint, accessor, Seat.SECRETARY)
        meeting = Meeting.objects.select_for_update().get(
            pk=meeting_id, complaint=complaint, kind=Meeting.Kind.HEARING
        )
        if meeting.cancelled_at is not None:
            raise ValidationError(_("Deze hoorzitting is geannuleerd."), code="cancelled")
        if meeting.starts_at > now:
            raise ValidationError(
                _("Leg de aanwezigheid vast als de hoorzitting begonnen is."), code="not_started"
            )
        wanted = set(present)
        attendance = [
            {"key": key, "who": who, "label": label, "present": key in wanted}
            for key, who, label in hearing_attendees(meeting)
        ]
        report, _created = HearingReport.objects.update_or_create(
            meeting=meeting,
            defaults={
                "attendance": attendance,
                "minutes": minutes,
                "recorded_by_user_id": accessor.user_id,
                "recorded_by_label": seat.label,
                "recorded_at": now,
            },
        )
        timeline_add(
            complaint=complaint,
            kind="hearing_report",
            summary="Aanwezigheid en verslag van de hoorzitting vastgelegd",
            visibility=TimelineEntry.Visibility.STAFF,
            data={"meeting_id": meeting.pk, "present": sum(1 for row in attendance if row["present"])},
            **actor_fields(accessor),
        )
        access_log_change(
            provider=provider,
            accessor=accessor,
            complaint=complaint,
            subject="hearing_report",
            detail=f"meeting {meeting.pk}",
        )
    return report


# --- Deliberation and the chair's sign-off -----------------------------------------


def deliberation_note_add(
    *, provider: Provider, complaint_id: int, accessor: Accessor, text: str
) -> DeliberationNote:
    """A seat adds to the deliberation: the panel reads it; the timeline says only that it happened."""
    text = text.strip()
    if not text:
        raise ValidationError(_("Schrijf uw bijdrage aan het beraad."), code="text")
    if len(text) > MAX_TEXT:
        raise ValidationError(_("De tekst is te lang."), code="too_long")
    with schema_context(provider.schema_name), transaction.atomic():
        complaint = lock_open_complaint(provider, complaint_id)
        seat = _seat(complaint, accessor)
        _panel_open(complaint)
        note = DeliberationNote.objects.create(
            complaint=complaint,
            text=text,
            author_user_id=seat.user_id,
            author_label=seat.label,
            created_at=timezone.now(),
        )
        # That the panel deliberated, never what: Klachtpunt's timeline only, without the text.
        timeline_add(
            complaint=complaint,
            kind="deliberation_note",
            summary="Bijdrage aan het beraad van het panel",
            visibility=TimelineEntry.Visibility.STAFF,
            data={"note_id": note.pk},
            **actor_fields(accessor),
        )
        access_log_change(
            provider=provider,
            accessor=accessor,
            complaint=complaint,
            subject="deliberation",
            detail=f"note {note.pk} added",
        )
    return note


def panel_judgement_sign(
    *,
    provider: Provider,
    complaint_id: int,
    accessor: Accessor,
    advice: str,
    recommendations: str = "",
    today: datetime.date | None = None,
) -> CommitteeSignOff:
    """The chair signs off the judgement per part and the recommendations.

    Guarantees: refused unless the accessor is the panel's chair and every
    part is judged with its reasoning (``committee_advice_issue``'s rules).
    The advice, the sign-off, the parties' e-mails (a link only), the
    timeline and the access log commit together. Under the Wzd and the
    Wvggz the decision binds: the case reads "decided" with today as the day
    of the decision (dossier and index), so the committee's term and its
    reminders stop; under the Wkkgz it waits for the provider's decision.
    """
    today = today or today_amsterdam()
    recommendations = recommendations.strip()
    if len(recommendations) > MAX_TEXT:
        raise ValidationError(_("De tekst is te lang."), code="too_long")
    with schema_context(provider.schema_name), transaction.atomic():
        complaint = lock_open_complaint(provider, complaint_id)
        chair = _seat(complaint, accessor, Seat.CHAIR)
        issued = _advice_issue_locked(
            provider=provider, complaint=complaint, accessor=accessor, advice=advice
        )
        binding = committee_decision_binds(complaint.law)
        sign_off = CommitteeSignOff.objects.create(
            advice=issued,
            recommendations=recommendations,
            binding=binding,
            chair_user_id=chair.user_id,
            chair_label=chair.label,
            signed_at=timezone.now(),
        )
        if binding:
            complaint.status = CaseStatus.DECIDED
            complaint.save(update_fields=["status"])
            index_sync(complaint=complaint, provider=provider, decided_on=today)
        timeline_add(
            complaint=complaint,
            kind="committee_signed",
            summary="De voorzitter heeft het oordeel van de klachtencommissie ondertekend"
            + (" (bindende beslissing)" if binding else ""),
            visibility=TimelineEntry.Visibility.STAFF,
            data={"advice_id": issued.pk, "binding": binding},
            **actor_fields(accessor),
        )
    return sign_off
