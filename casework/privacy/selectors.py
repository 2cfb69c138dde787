"""Reads for the data-protection officer: the queue across providers, a request, a breach, the report.

The queue reads the public case index only (routing metadata), in one query
whatever the number of providers; a request or breach is read from its
provider's schema.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.index.models import CaseIndex, CaseKind, CaseStatus, DpoAppointment
from casework.models import Breach, PrivacyAdvice, PrivacyEvent, PrivacyRequest
from casework.privacy.services import request_due_on
from reference import avg_terms
from tenants.clusters import schema_context
from tenants.models import Provider

PRIVACY_KINDS = (CaseKind.DSR, CaseKind.BREACH)

# Events are stored as a kind and data; the sentence is rendered in the reader's language.
EVENT_LABELS = {
    "received": gettext_lazy("Verzoek ontvangen"),
    "identity_verified": gettext_lazy("Identiteit vastgesteld"),
    "extended": gettext_lazy("Termijn verlengd met twee maanden"),
    "answered": gettext_lazy("Verzoek beantwoord"),
    "answer_notified": gettext_lazy("Verzoeker gemaild dat het antwoord klaarstaat (beveiligde link)"),
    "answer_to_post": gettext_lazy("Geen e-mailadres: de antwoordbrief staat op de postlijst"),
    "answer_posted": gettext_lazy("Antwoordbrief per post verstuurd"),
    "time_note": gettext_lazy("Notitie bij geschreven uren"),
    "reported": gettext_lazy("Datalek geregistreerd"),
    "assessed": gettext_lazy("Datalek beoordeeld"),
    "ap_notified": gettext_lazy("Gemeld aan de Autoriteit Persoonsgegevens"),
    "people_notified": gettext_lazy("Betrokkenen geïnformeerd"),
    "closed": gettext_lazy("Datalek afgesloten"),
}


def _labelled(events: list[PrivacyEvent]) -> list[PrivacyEvent]:
    for event in events:
        event.label = str(EVENT_LABELS.get(event.kind, event.kind))  # type: ignore[attr-defined]
    return events


@dataclass(frozen=True)
class QueueRow:
    case: CaseIndex
    kind_label: str
    due_label: str
    urgent: bool
    overdue: bool


def dpo_queue(*, now: datetime.datetime | None = None, mine_of: Any = None) -> list[QueueRow]:
    """Every open request and breach across providers, the earliest clock first (one query)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    cases: QuerySet[CaseIndex] = (
        CaseIndex.every_kind.filter(kind__in=PRIVACY_KINDS)
        .exclude(status=CaseStatus.CLOSED)
        .select_related("provider", "assignee")
        .order_by("deadline", "due_at", "received_at")
    )
    if mine_of is not None:
        cases = cases.filter(assignee=mine_of)
    rows = []
    for case in cases:
        if case.kind == CaseKind.BREACH:
            kind_label = _("Datalek")
            if case.decided_on is not None or case.due_at is None:
                due_label, urgent, overdue = _("Geen meldtermijn meer open"), False, False
            else:
                hours = (case.due_at - now).total_seconds() / 3600
                overdue = hours < 0
                urgent = hours <= 24
                due_label = (
                    _("72 uur verstreken: melding te laat")
                    if overdue
                    else _("Nog %(hours)d uur om te melden") % {"hours": int(hours)}
                )
        else:
            kind_label = _("AVG-verzoek")
            left = (case.deadline - today).days if case.deadline is not None else 0
            overdue = left < 0
            urgent = left <= avg_terms.REQUEST_REMINDER_DAYS
            due_label = _("Termijn verstreken") if overdue else _("Nog %(days)d dagen") % {"days": left}
        rows.append(
            QueueRow(case=case, kind_label=kind_label, due_label=due_label, urgent=urgent, overdue=overdue)
        )
    return rows


def privacy_case_or_none(reference: str) -> CaseIndex | None:
    return (
        CaseIndex.every_kind.filter(kind__in=PRIVACY_KINDS, reference=reference)
        .select_related("provider", "assignee")
        .first()
    )


@dataclass(frozen=True)
class BreachClock:
    due_at: datetime.datetime
    legal_end: datetime.datetime
    hours_left: float
    running: bool
    late: bool
    reminder_point: int | None


def breach_clock(breach: Breach, now: datetime.datetime | None = None) -> BreachClock:
    now = now or timezone.now()
    running = breach.ap_notified_at is None and breach.risk != Breach.Risk.UNLIKELY
    moment = breach.ap_notified_at or now
    return BreachClock(
        due_at=avg_terms.breach_due(breach.aware_at),
        legal_end=avg_terms.breach_legal_end(breach.aware_at),
        hours_left=avg_terms.breach_hours_left(breach.aware_at, now),
        running=running,
        late=avg_terms.breach_notified_late(aware_at=breach.aware_at, notified_at=moment)
        and breach.risk != Breach.Risk.UNLIKELY,
        reminder_point=avg_terms.breach_reminder_point(breach.aware_at, now) if running else None,
    )


def notification_fields(breach: Breach) -> list[tuple[str, str]]:
    """The facts the Autoriteit Persoonsgegevens' notification form asks, ready to copy (art. 33(3))."""

    def moment(value: datetime.datetime | None) -> str:
        return timezone.localtime(value).strftime("%d-%m-%Y %H:%M") if value else "-"

    return [
        (_("Kenmerk"), breach.reference),
        (_("Soort inbreuk"), breach.get_kind_display()),
        (_("Wat is er gebeurd"), breach.what_happened),
        (_("Ontstaan op"), moment(breach.occurred_at)),
        (_("Ontdekt op"), moment(breach.aware_at)),
        (_("Soorten persoonsgegevens"), breach.data_categories),
        (_("Soorten betrokkenen"), breach.people_categories),
        (_("Aantal betrokkenen (bij benadering)"), str(breach.people_approx)),
        (_("Aantal registraties (bij benadering)"), str(breach.records_approx)),
        (_("Waarschijnlijke gevolgen"), breach.likely_consequences),
        (_("Genomen en voorgestelde maatregelen"), breach.measures),
        (_("Contactpunt voor meer informatie"), breach.contact or "-"),
        (_("Reden van vertraging (na 72 uur)"), breach.late_reason or "-"),
    ]


def request_with_events(
    provider: Provider, reference: str
) -> tuple[PrivacyRequest, list[PrivacyEvent]] | None:
    with schema_context(provider.schema_name):
        request = PrivacyRequest.objects.filter(reference=reference).first()
        if request is None:
            return None
        return request, _labelled(list(request.events.all()))


def breach_with_events(provider: Provider, reference: str) -> tuple[Breach, list[PrivacyEvent]] | None:
    with schema_context(provider.schema_name):
        breach = Breach.objects.filter(reference=reference).first()
        if breach is None:
            return None
        return breach, _labelled(list(breach.events.all()))


# --- The annual DPO report ------------------------------------------------------


@dataclass
class DpoReport:
    year: int
    requests_by_kind: list[dict[str, Any]] = field(default_factory=list)
    requests_extended: int = 0
    requests_open: int = 0
    requests_late: int = 0
    breaches_by_kind: list[dict[str, Any]] = field(default_factory=list)
    breaches_notified: int = 0
    breaches_notified_late: int = 0
    breaches_not_notifiable: int = 0
    breaches_people_told: int = 0
    advice_by_topic: list[dict[str, Any]] = field(default_factory=list)
    advice_minutes: int = 0


def dpo_annual_report(*, provider: Provider, year: int, today: datetime.date | None = None) -> DpoReport:
    """Requests by kind and timeliness, breaches by kind and notification, advice: counts only, no people."""
    today = today or timezone.localdate()
    report = DpoReport(year=year)
    with schema_context(provider.schema_name):
        requests = list(PrivacyRequest.objects.filter(received_on__year=year))
        breaches = list(Breach.objects.filter(aware_at__year=year))
        advice = list(PrivacyAdvice.objects.filter(given_on__year=year))
    for kind, label in PrivacyRequest.Kind.choices:
        of_kind = [r for r in requests if r.kind == kind]
        if not of_kind:
            continue
        answered_on = [(r.answered_on, request_due_on(r)) for r in of_kind if r.answered_on is not None]
        report.requests_by_kind.append(
            {
                "kind": str(label),
                "total": len(of_kind),
                "answered": len(answered_on),
                "in_time": len([day for day, due in answered_on if day <= due]),
            }
        )
    report.requests_extended = len([r for r in requests if r.extended_due_on])
    report.requests_open = len([r for r in requests if r.answered_on is None])
    # Late: answered after the term, or still open with the term run out.
    report.requests_late = len([r for r in requests if (r.answered_on or today) > request_due_on(r)])
    for kind, label in Breach.Kind.choices:
        count = sum(1 for b in breaches if b.kind == kind)
        if count:
            report.breaches_by_kind.append({"kind": str(label), "total": count})
    notified = [(b.aware_at, b.ap_notified_at) for b in breaches if b.ap_notified_at is not None]
    report.breaches_notified = len(notified)
    report.breaches_notified_late = len(
        [
            aware
            for aware, told in notified
            if avg_terms.breach_notified_late(aware_at=aware, notified_at=told)
        ]
    )
    report.breaches_not_notifiable = len([b for b in breaches if b.risk == Breach.Risk.UNLIKELY])
    report.breaches_people_told = len([b for b in breaches if b.people_notified_at is not None])
    for topic, label in PrivacyAdvice.Topic.choices:
        of_topic = [a for a in advice if a.topic == topic]
        if of_topic:
            minutes = sum(a.minutes for a in of_topic)
            report.advice_by_topic.append(
                {
                    "topic": str(label),
                    "count": len(of_topic),
                    "hours": f"{minutes / 60:.1f}".replace(".", ","),
                }
            )
    report.advice_minutes = sum(a.minutes for a in advice)
    return report


def advice_log(provider: Provider) -> list[PrivacyAdvice]:
    with schema_context(provider.schema_name):
        return list(PrivacyAdvice.objects.all()[:200])


def providers_with_dpo() -> QuerySet[Provider]:
    return Provider.objects.filter(services__contains=["dpo"]).order_by("name")


def dpo_appointments(provider: Provider) -> QuerySet[DpoAppointment]:
    """The provider's data-protection officers, the current one first, with who appointed and ended them."""
    return DpoAppointment.objects.filter(provider_id=provider.pk).select_related(
        "professional", "appointed_by", "ended_by"
    )
