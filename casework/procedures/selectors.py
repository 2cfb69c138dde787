"""Reads for mediation, the committee procedure, confidant support and the access log.

Who sees what is decided here, once, for every page and the API:

- ``confidant_notes_visible`` is the one gate for the confidant's notes and
  the client's choices: the case's confidant and the client see them all;
  anyone else (the officer, the committee, the coordinator, the provider) only
  the notes the client shared with them. Every read path (the staff pages, the
  provider's pages, the API, the complainant's pages) calls it.
- Records, messages and meetings follow their ``visibility`` or ``audience``;
  the provider's side reads nothing of a complaint without consent.
- The committee's judgements are the committee's draft until the advice is
  issued; then both parties read them.

All functions here run in the provider's schema (the caller's ``schema_context``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from accounts.models import PlatformRole, User
from casework.assignment.matching import CURRENT_STATES
from casework.dossier.panel import panel_role
from casework.dossier.permissions import READ_DELIBERATION, allowed
from casework.index.models import Assignment, CaseIndex, Consent, Service
from casework.models import (
    CaseRecord,
    CommitteeAdvice,
    CommitteeSignOff,
    Complaint,
    ComplaintPart,
    ConfidantNote,
    DeliberationNote,
    HearingReport,
    Meeting,
    Message,
    PanelMember,
    Visibility,
    WrittenRoundStep,
)
from tenants.tenancy import require_tenant_schema


class Party:
    """Who reads: Klachtpunt's staff, the case's own confidant, the complainant, the provider."""

    STAFF = "staff"
    CONFIDANT = "confidant"
    COMPLAINANT = "complainant"
    PROVIDER = "provider"


@dataclass(frozen=True)
class Viewer:
    party: str
    user_id: int | None = None

    @property
    def is_staff(self) -> bool:
        return self.party in (Party.STAFF, Party.CONFIDANT)


COMPLAINANT_VIEWER = Viewer(Party.COMPLAINANT)


RECORDS_FOR = {
    Party.COMPLAINANT: (Visibility.COMPLAINANT, Visibility.ALL),
    Party.PROVIDER: (Visibility.PROVIDER, Visibility.ALL),
}


MESSAGES_FOR = {
    Party.STAFF: (Message.Audience.COMPLAINANT, Message.Audience.PROVIDER, Message.Audience.ALL),
    Party.CONFIDANT: tuple(Message.Audience.values),
    Party.COMPLAINANT: (
        Message.Audience.COMPLAINANT,
        Message.Audience.ALL,
        Message.Audience.CONFIDANT,
    ),
    Party.PROVIDER: (Message.Audience.PROVIDER, Message.Audience.ALL),
}


NOTES_SHARED_WITH = {
    Party.STAFF: (ConfidantNote.SharedWith.KLACHTPUNT, ConfidantNote.SharedWith.PROVIDER),
    Party.PROVIDER: (ConfidantNote.SharedWith.PROVIDER,),
}


def _provider_may_read(complaint: Complaint, viewer: Viewer) -> bool:
    return viewer.party != Party.PROVIDER or complaint.consent == Consent.GIVEN


def confidant_notes_visible(*, complaint: Complaint, viewer: Viewer) -> QuerySet[ConfidantNote]:
    """The confidant's notes and the client's choices that ``viewer`` may read.

    The one gate for confidant work: the client and the case's confidant read
    every note; the officer, the committee and the coordinator only notes the
    client shared with Klachtpunt; the provider only notes the client shared
    with the provider too (and only with consent to share the complaint).
    """
    require_tenant_schema()
    notes = ConfidantNote.objects.filter(complaint=complaint)
    if viewer.party in (Party.COMPLAINANT, Party.CONFIDANT):
        return notes
    shared = NOTES_SHARED_WITH.get(viewer.party)
    if not shared or not _provider_may_read(complaint, viewer):
        return notes.none()
    return notes.filter(shared_with__in=shared, shared_at__isnull=False)


def records_visible(*, complaint: Complaint, viewer: Viewer) -> QuerySet[CaseRecord]:
    require_tenant_schema()
    records = CaseRecord.objects.filter(complaint=complaint)
    if viewer.is_staff:
        return records
    if not _provider_may_read(complaint, viewer):
        return records.none()
    return records.filter(visibility__in=RECORDS_FOR.get(viewer.party, ()))


def messages_visible(*, complaint: Complaint, viewer: Viewer) -> QuerySet[Message]:
    """Messages ``viewer`` may read; those between the client and the confidant stay between them."""
    require_tenant_schema()
    if not _provider_may_read(complaint, viewer):
        return Message.objects.none()
    return Message.objects.filter(complaint=complaint, audience__in=MESSAGES_FOR.get(viewer.party, ()))


def meetings_visible(*, complaint: Complaint, viewer: Viewer) -> QuerySet[Meeting]:
    require_tenant_schema()
    meetings = Meeting.objects.filter(complaint=complaint)
    if viewer.is_staff:
        return meetings
    if viewer.party == Party.COMPLAINANT:
        return meetings.filter(with_complainant=True)
    if viewer.party == Party.PROVIDER and complaint.consent == Consent.GIVEN:
        return meetings.exclude(provider_contact_email="")
    return meetings.none()


@dataclass
class CommitteeView:
    parts: list[ComplaintPart]
    advice: CommitteeAdvice | None
    # The chair's signature and recommendations, when a panel judged the case.
    sign_off: CommitteeSignOff | None = None

    @property
    def all_judged(self) -> bool:
        return bool(self.parts) and all(part.judgement and part.reasoning.strip() for part in self.parts)


def committee_visible(*, complaint: Complaint, viewer: Viewer) -> CommitteeView:
    """The committee's judgements per part and its advice: staff always, the parties once issued."""
    require_tenant_schema()
    advice = CommitteeAdvice.objects.filter(complaint=complaint).first()
    if not viewer.is_staff and (advice is None or not _provider_may_read(complaint, viewer)):
        return CommitteeView(parts=[], advice=None)
    return CommitteeView(
        parts=list(ComplaintPart.objects.filter(complaint=complaint)),
        advice=advice,
        sign_off=CommitteeSignOff.objects.filter(advice=advice).first() if advice else None,
    )


@dataclass
class ProcedureView:
    """What ``viewer`` sees of the mediation, committee and confidant work on one complaint."""

    viewer: Viewer
    meetings: list[Meeting] = field(default_factory=list)
    records: list[CaseRecord] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    confidant_notes: list[ConfidantNote] = field(default_factory=list)
    committee: CommitteeView = field(default_factory=lambda: CommitteeView(parts=[], advice=None))

    @property
    def is_empty(self) -> bool:
        return not (
            self.meetings
            or self.records
            or self.messages
            or self.confidant_notes
            or self.committee.parts
            or self.committee.advice
        )


def procedure_for(*, complaint: Complaint, viewer: Viewer) -> ProcedureView:
    """Everything of the procedure ``viewer`` may read, through the gates above."""
    return ProcedureView(
        viewer=viewer,
        meetings=list(meetings_visible(complaint=complaint, viewer=viewer)),
        records=list(records_visible(complaint=complaint, viewer=viewer)),
        messages=list(messages_visible(complaint=complaint, viewer=viewer)),
        confidant_notes=list(confidant_notes_visible(complaint=complaint, viewer=viewer)),
        committee=committee_visible(complaint=complaint, viewer=viewer),
    )


def deliberation_visible(*, complaint: Complaint, user: User | None) -> QuerySet[DeliberationNote]:
    """The panel's deliberation: the panel's seats read it, nobody else (the one gate).

    Not the coordinator, not the parties, never a provider role: the rule
    ``casework.read_deliberation`` (``casework.dossier.permissions``).
    """
    require_tenant_schema()
    if not allowed(user, READ_DELIBERATION, complaint):
        return DeliberationNote.objects.none()
    return DeliberationNote.objects.filter(complaint=complaint)


@dataclass
class PanelView:
    """The committee panel's workspace on one complaint, as ``user`` may read it."""

    seats: list[PanelMember]
    my_seat: PanelMember | None
    steps: list[WrittenRoundStep]
    hearings: list[tuple[Meeting, HearingReport | None]]
    deliberation: list[DeliberationNote]
    parts: list[ComplaintPart]
    advice: CommitteeAdvice | None
    sign_off: CommitteeSignOff | None

    @property
    def chair(self) -> PanelMember | None:
        return next((seat for seat in self.seats if seat.role == PanelMember.Role.CHAIR), None)

    @property
    def secretary(self) -> PanelMember | None:
        return next((seat for seat in self.seats if seat.role == PanelMember.Role.SECRETARY), None)

    @property
    def members(self) -> list[PanelMember]:
        return [seat for seat in self.seats if seat.role == PanelMember.Role.MEMBER]

    def seat_is(self, role: str) -> bool:
        return self.my_seat is not None and self.my_seat.role == role

    @property
    def is_chair(self) -> bool:
        return self.seat_is(PanelMember.Role.CHAIR)

    @property
    def is_secretary(self) -> bool:
        return self.seat_is(PanelMember.Role.SECRETARY)


def panel_for(*, complaint: Complaint, user: User) -> PanelView:
    """The panel's work on ``complaint`` for a staff reader; the deliberation only for a seat."""
    require_tenant_schema()
    seats = list(PanelMember.objects.filter(complaint=complaint))
    reports = {
        report.meeting_id: report for report in HearingReport.objects.filter(meeting__complaint=complaint)
    }
    advice = CommitteeAdvice.objects.filter(complaint=complaint).first()
    return PanelView(
        seats=seats,
        my_seat=next((seat for seat in seats if seat.user_id == user.pk), None),
        steps=list(WrittenRoundStep.objects.filter(complaint=complaint)),
        hearings=[
            (meeting, reports.get(meeting.pk))
            for meeting in Meeting.objects.filter(complaint=complaint, kind=Meeting.Kind.HEARING)
        ],
        deliberation=list(deliberation_visible(complaint=complaint, user=user)),
        parts=list(ComplaintPart.objects.filter(complaint=complaint)),
        advice=advice,
        sign_off=CommitteeSignOff.objects.filter(advice=advice).first() if advice else None,
    )


@dataclass(frozen=True)
class CaseWorker:
    """A staff member on the case page: the professional holding it, or a coordinator reading it."""

    case: CaseIndex
    viewer: Viewer
    role: str
    can_act: bool


def case_worker(*, reference: str, user: User) -> CaseWorker | None:
    """Who ``user`` is on the case ``reference``; None when they have no business with it.

    The professional who accepted the case acts in its service; coordinators
    and platform admins read (the confidant's notes only as far as shared).
    """
    case = CaseIndex.objects.select_related("provider", "assignee").filter(reference=reference).first()
    if case is None or not getattr(user, "is_authenticated", False):
        return None
    held = (
        Assignment.objects.filter(case=case, professional_id=user.pk, state=Assignment.State.ACCEPTED)
        .values_list("service", flat=True)
        .first()
    )
    if held:
        party = Party.CONFIDANT if held == Service.CONFIDANT else Party.STAFF
        return CaseWorker(case=case, viewer=Viewer(party, user.pk), role=held, can_act=True)
    if case.service == Service.COMMITTEE and panel_role(
        provider=case.provider, complaint_id=case.case_id, user_id=user.pk
    ):
        # A seat on the committee's panel: works on the case as the committee.
        return CaseWorker(
            case=case, viewer=Viewer(Party.STAFF, user.pk), role=Service.COMMITTEE, can_act=True
        )
    roles = set(getattr(user, "roles", []) or [])
    if user.is_superuser or roles & {PlatformRole.COORDINATOR, PlatformRole.PLATFORM_ADMIN}:
        role = "coordinator" if PlatformRole.COORDINATOR in roles else "platform_admin"
        return CaseWorker(case=case, viewer=Viewer(Party.STAFF, user.pk), role=role, can_act=False)
    return None


def current_professional_id(case: CaseIndex) -> int | None:
    return (
        Assignment.objects.filter(case=case, state__in=CURRENT_STATES)
        .values_list("professional_id", flat=True)
        .first()
    )
