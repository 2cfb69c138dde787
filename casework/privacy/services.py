"""The data-protection officer's actions: data-subject requests, the breach register, advice.

Each action is one transaction in the provider's schema that writes the
record, its event, its row in the public case index (routing metadata only:
kind, dates, status, assignee) and its access-log entry (NEN 7513) together.
The terms come from ``reference.avg_terms`` (Regulation 1182/71), never from
the Wkkgz rules. Refusals raise ``PrivacyError`` with a sentence for the user.
"""

from __future__ import annotations

import datetime
from typing import Any

import structlog
from django.core.files.base import ContentFile
from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AnyUser, PlatformRole, Professional, Qualification, User
from casework.assignment.matching import Exclusion, provider_exclusions
from casework.dossier.access_log import Accessor, Event, access_log_record
from casework.index.models import (
    Assignment,
    CaseIndex,
    CaseKind,
    CaseStatus,
    Channel,
    DpoAppointment,
    PostalLetter,
    Service,
)
from casework.models import Breach, PrivacyAdvice, PrivacyEvent, PrivacyRequest
from casework.privacy import delivery
from casework.privacy.pdf import answer_letter_pdf
from casework.timesheets.models import Activity, TimeEntry, TimeKind
from casework.timesheets.services import TimeEntryError, ledger_entry_add
from outbox.services import outbox_enqueue
from reference import avg_terms
from reference.dates import AMSTERDAM
from reference.deadline_rules import first_contact_due
from tenants.clusters import control_alias, schema_context
from tenants.models import Provider
from tenants.tenancy import require_tenant_schema

log = structlog.get_logger(__name__)

DPO_SERVICE = "dpo"
MAX_TEXT = 10_000

# Where a request came in, as the case index names channels.
VIA_CHANNEL: dict[str, str] = {
    PrivacyRequest.Via.WIDGET: Channel.WIDGET,
    PrivacyRequest.Via.PORTAL: Channel.PORTAL,
    PrivacyRequest.Via.PROVIDER: Channel.EMAIL,
    PrivacyRequest.Via.DPO: Channel.EMAIL,
}


class PrivacyError(Exception):
    """The action is refused; ``str(error)`` says why, for the user."""


# --- Shared bookkeeping ---------------------------------------------------------


def provider_has_dpo(provider: Provider) -> bool:
    """Whether ``provider`` holds the dpo service now (read fresh: the host cache keeps tenants 30 s)."""
    return bool(Provider.objects.filter(pk=provider.pk, services__contains=[DPO_SERVICE]).exists())


def is_dpo(user: AnyUser) -> bool:
    """A professional qualified as data-protection officer (or a coordinator, who oversees every queue)."""
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    roles = set(user.roles or [])
    if PlatformRole.COORDINATOR in roles or PlatformRole.PLATFORM_ADMIN in roles:
        return True
    return (
        PlatformRole.PROFESSIONAL in roles
        and Professional.objects.filter(
            user=user, active=True, qualifications__contains=[Qualification.DPO]
        ).exists()
    )


def _next_reference(prefix: str, year: int) -> str:
    # From the control database: references are unique across every cluster (tenants.clusters).
    with connections[control_alias()].cursor() as cursor:
        cursor.execute("SELECT nextval('public.privacy_reference_seq')")
        number = cursor.fetchone()[0]
    return f"{prefix}-{year}-{number:06d}"


def _event(*, record: PrivacyRequest | Breach, kind: str, actor: User | None, **data: Any) -> PrivacyEvent:
    field = "request" if isinstance(record, PrivacyRequest) else "breach"
    return PrivacyEvent.objects.create(
        **{field: record},
        at=timezone.now(),
        kind=kind,
        actor_user_id=actor.pk if actor is not None else None,
        actor_label=str(actor)[:150] if actor is not None else "",
        data=data,
    )


def _log(
    *, provider: Provider, accessor: Accessor, event: str, record: PrivacyRequest | Breach, detail: str = ""
) -> None:
    # case_id stays empty: it names complaints, and a complainant's "who looked at my
    # dossier" reads by it; the reference names the request or breach.
    access_log_record(
        provider=provider,
        event=event,
        accessor=accessor,
        reference=record.reference,
        subject="privacy_request" if isinstance(record, PrivacyRequest) else "breach",
        detail=detail,
    )


def _check_text(value: str, label: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise PrivacyError(_("Vul in: %(label)s.") % {"label": label})
    if len(value) > MAX_TEXT:
        raise PrivacyError(_("%(label)s is te lang (hooguit 10.000 tekens).") % {"label": label})
    return value


def request_due_on(request: PrivacyRequest) -> datetime.date:
    """The request's current last day: extended (three months) or the first month (art. 12(3))."""
    return request.extended_due_on or avg_terms.request_due(request.received_on)


def _request_index(*, request: PrivacyRequest, provider: Provider, created: bool = False) -> CaseIndex:
    values: dict[str, Any] = {
        "reference": request.reference,
        "service": Service.DPO,
        "category_code": request.kind,
        "sector": provider.sector,
        "channel": VIA_CHANNEL[request.via],
        "received_at": request.received_at,
        "formal_received_on": request.received_on,
        "deadline": request_due_on(request),
        "language": request.language,
        "decided_on": request.answered_on,
        "closed_at": timezone.now() if request.status == PrivacyRequest.Status.ANSWERED else None,
    }
    if request.status == PrivacyRequest.Status.ANSWERED:
        values["status"] = CaseStatus.CLOSED
    if created:
        # The first-contact target is set once, when the request comes in (AVG requests: the dpo's term).
        return CaseIndex.every_kind.create(
            provider=provider,
            kind=CaseKind.DSR,
            case_id=request.pk,
            status=CaseStatus.RECEIVED,
            first_contact_due=first_contact_due(request.received_on, Service.DPO),
            # Filed while signed in: the request shows in the requester's Mijn klachten.
            complainant_user_id=request.requester_user_id,
            **values,
        )
    row = CaseIndex.every_kind.select_for_update().get(
        provider=provider, kind=CaseKind.DSR, case_id=request.pk
    )
    for name, value in values.items():
        setattr(row, name, value)
    # The answer is the contact with the requester, if nothing came before it (only the first time).
    if request.status == PrivacyRequest.Status.ANSWERED and row.first_contact_at is None:
        row.first_contact_at = timezone.now()
    row.save()
    return row


def _breach_index(*, breach: Breach, provider: Provider, created: bool = False) -> CaseIndex:
    due = avg_terms.breach_due(breach.aware_at)
    # The clock runs until the DPO decides no notification is needed, or the AP is told.
    clock_running = breach.ap_notified_at is None and breach.risk in ("", Breach.Risk.RISK, Breach.Risk.HIGH)
    values: dict[str, Any] = {
        "reference": breach.reference,
        "service": Service.DPO,
        "category_code": breach.kind,
        "sector": provider.sector,
        "channel": Channel.EMAIL,
        "received_at": breach.aware_at,
        "deadline": timezone.localtime(due).date(),
        "due_at": due,
        "decided_on": None
        if clock_running
        else timezone.localdate(breach.ap_notified_at or breach.assessed_at),
        "closed_at": breach.closed_at,
    }
    if breach.status == Breach.Status.CLOSED:
        values["status"] = CaseStatus.CLOSED
    if created:
        return CaseIndex.every_kind.create(
            provider=provider, kind=CaseKind.BREACH, case_id=breach.pk, status=CaseStatus.RECEIVED, **values
        )
    row = CaseIndex.every_kind.select_for_update().get(
        provider=provider, kind=CaseKind.BREACH, case_id=breach.pk
    )
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    return row


# --- Data-subject requests (AVG art. 12, 15 to 22) ------------------------------------


def privacy_request_submit(
    *,
    provider: Provider,
    accessor: Accessor,
    kind: str,
    via: str,
    requester_name: str,
    description: str,
    requester_email: str = "",
    requester_phone: str = "",
    on_behalf_of: str = "",
    received_at: datetime.datetime | None = None,
    receipt_evidence: str = "",
    language: str = "nl",
    entered_by: User | None = None,
    requester_user_id: int | None = None,
    idempotency_key: str | None = None,
) -> tuple[PrivacyRequest, bool]:
    """Record a data subject's request; returns it and whether it is new.

    Guarantees: refused unless the provider has the dpo service and the kind
    and channel are known; the receipt is a fact (``received_at``, default
    now; never in the future) and the term is counted from its day; a
    resubmitted form (same ``idempotency_key``) returns the first request.
    The request, its event, its index row and the access-log entry commit
    together.
    """
    if not provider_has_dpo(provider):
        raise PrivacyError(
            _("Deze zorgaanbieder heeft geen functionaris gegevensbescherming via Klachtpunt.")
        )
    if kind not in PrivacyRequest.Kind.values:
        raise PrivacyError(_("Kies wat voor verzoek het is."))
    if via not in PrivacyRequest.Via.values:
        raise PrivacyError(_("Onbekend kanaal."))
    requester_name = _check_text(requester_name, _("naam van de verzoeker"))
    description = _check_text(description, _("het verzoek"))
    now = timezone.now()
    received_at = received_at or now
    if received_at > now:
        raise PrivacyError(_("De ontvangstdatum ligt in de toekomst."))
    with schema_context(provider.schema_name):
        require_tenant_schema()
        if idempotency_key:
            existing = PrivacyRequest.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing, False
        try:
            with transaction.atomic():
                request = PrivacyRequest.objects.create(
                    reference=_next_reference("AVG", timezone.localdate(received_at).year),
                    kind=kind,
                    via=via,
                    language=language or "nl",
                    received_at=received_at,
                    received_on=timezone.localdate(received_at),
                    receipt_evidence=receipt_evidence[:300],
                    requester_name=requester_name[:200],
                    requester_email=requester_email,
                    requester_phone=requester_phone[:40],
                    on_behalf_of=on_behalf_of[:200],
                    description=description,
                    entered_by_user_id=entered_by.pk if entered_by is not None else None,
                    requester_user_id=requester_user_id,
                    idempotency_key=idempotency_key,
                )
                _event(record=request, kind="received", actor=entered_by, via=via)
                row = _request_index(request=request, provider=provider, created=True)
                _route_to_provider_dpo(row=row, provider=provider)
                _log(provider=provider, accessor=accessor, event=Event.CREATE, record=request)
        except IntegrityError:
            if idempotency_key:
                return PrivacyRequest.objects.get(idempotency_key=idempotency_key), False
            raise
    log.info("privacy_request_received", reference=request.reference, kind=kind, via=via)
    return request, True


def _lock_request(provider: Provider, reference: str) -> PrivacyRequest:
    request = PrivacyRequest.objects.select_for_update().filter(reference=reference).first()
    if request is None:
        raise PrivacyError(_("Dit verzoek bestaat niet."))
    return request


def privacy_request_verify_identity(
    *, provider: Provider, reference: str, actor: User, accessor: Accessor, method: str, note: str = ""
) -> PrivacyRequest:
    """Record how the requester's identity was verified (art. 12(6)): who, when, how."""
    if method not in PrivacyRequest.IdentityMethod.values:
        raise PrivacyError(_("Kies hoe de identiteit is vastgesteld."))
    if method == PrivacyRequest.IdentityMethod.OTHER and not note.strip():
        raise PrivacyError(_("Licht toe hoe de identiteit is vastgesteld."))
    with schema_context(provider.schema_name), transaction.atomic():
        request = _lock_request(provider, reference)
        if request.status == PrivacyRequest.Status.ANSWERED:
            raise PrivacyError(_("Dit verzoek is al beantwoord."))
        request.identity_verified_at = timezone.now()
        request.identity_method = method
        request.identity_note = note.strip()[:300]
        request.identity_verified_by_user_id = actor.pk
        request.status = PrivacyRequest.Status.IN_PROGRESS
        request.save()
        _event(record=request, kind="identity_verified", actor=actor, method=method)
        _request_index(request=request, provider=provider)
        _log(provider=provider, accessor=accessor, event=Event.CHANGE, record=request, detail="identity")
    return request


def privacy_request_extend(
    *,
    provider: Provider,
    reference: str,
    actor: User,
    accessor: Accessor,
    reason: str,
    notice_on: datetime.date | None = None,
) -> PrivacyRequest:
    """Extend the term by two further months (art. 12(3)).

    Guarantees: refused without reasons, a second time, once answered, and
    when the notice is not given within one month of receipt; the notice day
    is not in the future.
    """
    reason = _check_text(reason, _("de reden van de verlenging"))
    notice_on = notice_on or timezone.localdate()
    if notice_on > timezone.localdate():
        raise PrivacyError(_("De datum van de mededeling ligt in de toekomst."))
    with schema_context(provider.schema_name), transaction.atomic():
        request = _lock_request(provider, reference)
        if request.status == PrivacyRequest.Status.ANSWERED:
            raise PrivacyError(_("Dit verzoek is al beantwoord."))
        if request.extended_due_on is not None:
            raise PrivacyError(_("De termijn is al verlengd; de AVG staat één verlenging toe."))
        if not avg_terms.extension_notice_in_time(received_on=request.received_on, notice_on=notice_on):
            raise PrivacyError(
                _(
                    "Te laat: een verlenging moet binnen één maand na ontvangst worden gemeld "
                    "(uiterlijk %(date)s, AVG art. 12 lid 3)."
                )
                % {"date": avg_terms.request_due(request.received_on).strftime("%d-%m-%Y")}
            )
        request.extended_due_on = avg_terms.request_extended_due(request.received_on)
        request.extension_reason = reason
        request.extension_notice_on = notice_on
        request.save()
        _event(record=request, kind="extended", actor=actor, new_due=request.extended_due_on.isoformat())
        _request_index(request=request, provider=provider)
        _log(provider=provider, accessor=accessor, event=Event.CHANGE, record=request, detail="extension")
    return request


def privacy_request_answer(
    *,
    provider: Provider,
    reference: str,
    actor: User,
    accessor: Accessor,
    outcome: str,
    answer_text: str,
    reason: str = "",
    answered_on: datetime.date | None = None,
) -> PrivacyRequest:
    """Answer the request: the outcome, and the letter as a PDF in the dossier.

    Guarantees: refused before the identity is recorded when anything is
    granted; a refusal (or partial refusal) carries its reasons, and its
    letter names the right to complain to the Autoriteit Persoonsgegevens and
    to go to court (art. 12(4)); the answer day is not in the future nor
    before receipt; an answered request is not answered again.
    """
    if outcome not in PrivacyRequest.Outcome.values:
        raise PrivacyError(_("Kies de uitkomst."))
    answer_text = _check_text(answer_text, _("het antwoord"))
    reason = _check_text(
        reason, _("de reden van de afwijzing"), required=outcome != PrivacyRequest.Outcome.GRANTED
    )
    answered_on = answered_on or timezone.localdate()
    if answered_on > timezone.localdate():
        raise PrivacyError(_("De datum van het antwoord ligt in de toekomst."))
    with schema_context(provider.schema_name), transaction.atomic():
        request = _lock_request(provider, reference)
        if request.status == PrivacyRequest.Status.ANSWERED:
            raise PrivacyError(_("Dit verzoek is al beantwoord."))
        if answered_on < request.received_on:
            raise PrivacyError(_("De datum van het antwoord ligt vóór de ontvangst van het verzoek."))
        if outcome != PrivacyRequest.Outcome.REFUSED and request.identity_verified_at is None:
            raise PrivacyError(
                _(
                    "Stel eerst de identiteit van de verzoeker vast: "
                    "gegevens gaan alleen naar de juiste persoon."
                )
            )
        request.outcome = outcome
        request.outcome_reason = reason
        request.answer_text = answer_text
        request.answered_on = answered_on
        request.status = PrivacyRequest.Status.ANSWERED
        pdf = answer_letter_pdf(provider=provider, request=request)
        request.answer_letter.save(f"{request.reference}-antwoord.pdf", ContentFile(pdf), save=False)
        request.save()
        _event(
            record=request,
            kind="answered",
            actor=actor,
            outcome=outcome,
            in_time=answered_on <= request_due_on(request),
        )
        row = _request_index(request=request, provider=provider)
        _log(provider=provider, accessor=accessor, event=Event.CHANGE, record=request, detail="answer")
        # The letter reaches the requester through the secure channel (casework.privacy.delivery).
        if request.requester_email or request.requester_user_id:
            outbox_enqueue(
                task_name=delivery.SEND_TASK,
                kwargs={"request_id": request.pk},
                schema_name=provider.schema_name,
            )
        else:
            _event(record=request, kind="answer_to_post", actor=actor)
            PostalLetter.objects.create(
                provider=provider,
                case=row,
                letter_id=request.pk,
                kind=PostalLetter.PRIVACY_ANSWER,
                created_at=timezone.now(),
            )
    log.info("privacy_request_answered", reference=reference, outcome=outcome)
    return request


# --- Taking a case and logging time ---------------------------------------------------


def privacy_case_take(*, case: CaseIndex, dpo: User, accessor: Accessor | None = None) -> Assignment:
    """The DPO takes a request or breach from the queue: assigned and accepted, so time can be logged.

    The assignment, the index row and the access-log entry (when ``accessor`` is given) commit together.
    """
    if case.kind not in (CaseKind.DSR, CaseKind.BREACH):
        raise PrivacyError(_("Dit is geen AVG-verzoek of datalek."))
    if not is_dpo(dpo) or PlatformRole.PROFESSIONAL not in (dpo.roles or []):
        raise PrivacyError(_("Alleen een functionaris gegevensbescherming kan dit oppakken."))
    with transaction.atomic():
        locked = (
            CaseIndex.every_kind.select_for_update(of=("self",)).select_related("provider").get(pk=case.pk)
        )
        if locked.status == CaseStatus.CLOSED:
            raise PrivacyError(_("Deze zaak is afgesloten."))
        current = Assignment.objects.filter(
            case=locked, state__in=[Assignment.State.OFFERED, Assignment.State.ACCEPTED]
        ).first()
        if current is not None and current.professional_id == dpo.pk:
            return current
        if (
            current is not None
            and PlatformRole.COORDINATOR not in (dpo.roles or [])
            and DpoAppointment.objects.filter(
                provider_id=locked.provider_id, professional_id=current.professional_id, ended_at__isnull=True
            ).exists()
        ):
            # The provider's own DPO holds it (art. 37); only coordination moves it (dpo_appoint).
            raise PrivacyError(
                _("De functionaris gegevensbescherming van deze zorgaanbieder behandelt dit al.")
            )
        now = timezone.now()
        if current is not None:
            current.state = Assignment.State.REPLACED
            current.replace_reason = "taken over by another DPO"
            current.save(update_fields=["state", "replace_reason"])
        assignment = Assignment.objects.create(
            case=locked,
            professional=dpo,
            service=Service.DPO,
            state=Assignment.State.ACCEPTED,
            assigned_by=dpo,
            assigned_at=now,
            responded_at=now,
        )
        locked.assignee = dpo
        if locked.status == CaseStatus.RECEIVED:
            locked.status = CaseStatus.ASSIGNED
        locked.save(update_fields=["assignee", "status", "updated_at"])
        if accessor is not None:
            access_log_record(
                provider=locked.provider,
                event=Event.CHANGE,
                accessor=accessor,
                reference=locked.reference,
                subject="assignment",
            )
    return assignment


# --- The provider's data-protection officer (AVG art. 37) ----------------------------


def provider_dpo(provider: Provider) -> DpoAppointment | None:
    """The provider's current DPO appointment (with the professional), or None."""
    return (
        DpoAppointment.objects.select_related("professional")
        .filter(provider_id=provider.pk, ended_at__isnull=True)
        .first()
    )


def may_appoint_dpo(user: User) -> bool:
    """Coordinators and platform admins appoint a provider's data-protection officer."""
    return _is_coordination(user)


def _is_coordination(user: User) -> bool:
    roles = set(user.roles or [])
    return PlatformRole.COORDINATOR in roles or PlatformRole.PLATFORM_ADMIN in roles


def _hand_over(*, row: CaseIndex, to: User, by: User, reason: str) -> Assignment:
    """Make ``to`` the accepted holder of the locked ``row``; a current holder is replaced with ``reason``."""
    current = Assignment.objects.filter(
        case=row, state__in=[Assignment.State.OFFERED, Assignment.State.ACCEPTED]
    ).first()
    if current is not None:
        if current.professional_id == to.pk:
            return current
        current.state = Assignment.State.REPLACED
        current.replace_reason = reason[:300]
        current.save(update_fields=["state", "replace_reason"])
    now = timezone.now()
    assignment = Assignment.objects.create(
        case=row,
        professional=to,
        service=Service.DPO,
        state=Assignment.State.ACCEPTED,
        assigned_by=by,
        assigned_at=now,
        responded_at=now,
    )
    row.assignee = to
    if row.status == CaseStatus.RECEIVED:
        row.status = CaseStatus.ASSIGNED
    row.save(update_fields=["assignee", "status", "updated_at"])
    return assignment


def dpo_appoint(
    *, provider: Provider, professional: User, actor: User, accessor: Accessor, reason: str = ""
) -> DpoAppointment:
    """Appoint ``professional`` as ``provider``'s data-protection officer, or replace the current one.

    Guarantees: only coordination appoints; refused without the dpo service,
    and when matching's checks exclude the professional for this provider
    (qualification, conflict of interest, absence, capacity, inactive); a
    replacement needs a reason, which ends the current appointment and hands
    the provider's open requests, breaches and advice hours held by the
    previous DPO to the new one. The appointment, the hand-overs and their
    access-log rows commit together; the provider row is locked, so two
    coordinators cannot appoint at once.
    """
    if not _is_coordination(actor):
        raise PrivacyError(_("Alleen een coördinator wijst een functionaris gegevensbescherming aan."))
    if not provider_has_dpo(provider):
        raise PrivacyError(
            _("Deze zorgaanbieder heeft geen functionaris gegevensbescherming via Klachtpunt.")
        )
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise PrivacyError(_("De reden is te lang (hooguit 300 tekens)."))
    with transaction.atomic():
        Provider.objects.select_for_update().filter(pk=provider.pk).get()
        current = (
            DpoAppointment.objects.select_for_update()
            .filter(provider_id=provider.pk, ended_at__isnull=True)
            .first()
        )
        if current is not None and current.professional_id == professional.pk:
            raise PrivacyError(_("Deze professional is al de functionaris gegevensbescherming."))
        if current is not None and not reason:
            raise PrivacyError(_("Geef de reden van de vervanging."))
        refused = [
            text
            for _code, text in provider_exclusions(provider, service=Service.DPO, user_id=professional.pk)
        ]
        if refused:
            raise PrivacyError(" ".join(refused))
        now = timezone.now()
        if current is not None:
            current.ended_at = now
            current.ended_by = actor
            current.end_reason = reason
            current.save(update_fields=["ended_at", "ended_by", "end_reason"])
        appointment = DpoAppointment.objects.create(
            provider=provider, professional=professional, appointed_by=actor, appointed_at=now
        )
        access_log_record(
            provider=provider,
            event=Event.CHANGE,
            accessor=accessor,
            subject="dpo_appointment",
            detail="replaced" if current is not None else "appointed",
        )
        if current is not None:
            rows = (
                CaseIndex.every_kind.select_for_update(of=("self",))
                .filter(
                    provider_id=provider.pk,
                    kind__in=[CaseKind.DSR, CaseKind.BREACH, CaseKind.ADVICE],
                    assignee_id=current.professional_id,
                )
                .exclude(status=CaseStatus.CLOSED)
                .order_by("pk")
            )
            for row in rows:
                _hand_over(row=row, to=professional, by=actor, reason=reason)
                access_log_record(
                    provider=provider,
                    event=Event.CHANGE,
                    accessor=accessor,
                    reference=row.reference,
                    subject="assignment",
                )
    log.info("dpo_appointed", provider_id=provider.pk, replaced=current is not None)
    return appointment


def _route_to_provider_dpo(*, row: CaseIndex, provider: Provider) -> Assignment | None:
    """Give a new request or breach to the provider's DPO; it stays in the queue when they are unavailable.

    Runs inside the caller's transaction. The appointment row is locked (a
    replacement waits, or this sees it ended and leaves the case in the queue).
    Load does not hold it back (the DPO serves this provider), but absence,
    a conflict of interest that arose since, or inactivity do.
    """
    appointment = (
        DpoAppointment.objects.select_for_update(no_key=True)
        .select_related("professional", "appointed_by")
        .filter(provider_id=provider.pk, ended_at__isnull=True)
        .first()
    )
    if appointment is None:
        return None
    reasons = provider_exclusions(provider, service=Service.DPO, user_id=appointment.professional_id)
    if [code for code, _text in reasons if code != Exclusion.AT_CAPACITY]:
        log.info("dpo_unavailable_case_to_queue", reference=row.reference)
        return None
    return _hand_over(row=row, to=appointment.professional, by=appointment.appointed_by, reason="")


# --- Advice hours in the ledger (art. 39) ------------------------------------------------


def advice_ledger_reference(provider: Provider, year: int) -> str:
    return f"FGA-{year}-{provider.pk:06d}"


def _advice_ledger_case(*, provider: Provider, year: int, dpo: User, by: User) -> CaseIndex:
    """The provider's ledger row for ``year``'s advice hours, held by ``dpo`` (locked; made once)."""
    start = datetime.datetime(year, 1, 1, tzinfo=AMSTERDAM)
    row, _created = CaseIndex.every_kind.get_or_create(
        provider=provider,
        kind=CaseKind.ADVICE,
        case_id=year,
        defaults={
            "reference": advice_ledger_reference(provider, year),
            "service": Service.DPO,
            "sector": provider.sector,
            "channel": Channel.EMAIL,
            "status": CaseStatus.ASSIGNED,
            "received_at": start,
        },
    )
    row = CaseIndex.every_kind.select_for_update(of=("self",)).select_related("provider").get(pk=row.pk)
    _hand_over(row=row, to=dpo, by=by, reason="DPO appointment")
    return row


def privacy_time_log(
    *,
    actor: User,
    case: CaseIndex,
    kind: str,
    minutes: int,
    worked_on: datetime.date,
    activity: str,
    note: str = "",
) -> TimeEntry:
    """Log the DPO's time on a request or breach: the ledger row (billed like all work) and its note.

    The ledger's refusals apply (only the assigned DPO; dates; open months).
    """
    note = (note or "").strip()
    if len(note) > 4000:
        raise PrivacyError(_("De notitie is te lang (hooguit 4000 tekens)."))
    with transaction.atomic():
        entry = ledger_entry_add(
            actor=actor, case=case, kind=kind, minutes=minutes, worked_on=worked_on, activity=activity
        )
        if note:
            with schema_context(case.provider.schema_name):
                model = PrivacyRequest if case.kind == CaseKind.DSR else Breach
                record = model.objects.get(pk=case.case_id)
                _event(record=record, kind="time_note", actor=actor, note=note, minutes=minutes)
    return entry


# --- The breach register (AVG art. 33 and 34) -------------------------------------------


def breach_report(
    *,
    provider: Provider,
    accessor: Accessor,
    reporter: User | None,
    kind: str,
    aware_at: datetime.datetime,
    what_happened: str,
    data_categories: str,
    people_categories: str,
    people_approx: int,
    records_approx: int,
    likely_consequences: str,
    measures: str,
    occurred_at: datetime.datetime | None = None,
    contact: str = "",
) -> Breach:
    """Put a breach in the register (art. 33(5)); its 72-hour clock runs from ``aware_at``.

    Guarantees: refused without the dpo service, with a moment of awareness
    in the future or before the breach happened, or without the facts the
    register and the notification need.
    """
    if not provider_has_dpo(provider):
        raise PrivacyError(
            _("Deze zorgaanbieder heeft geen functionaris gegevensbescherming via Klachtpunt.")
        )
    if kind not in Breach.Kind.values:
        raise PrivacyError(_("Kies wat voor datalek het is."))
    now = timezone.now()
    if aware_at > now:
        raise PrivacyError(_("Het moment van ontdekken ligt in de toekomst."))
    if occurred_at is not None and occurred_at > aware_at:
        raise PrivacyError(_("Het lek kan niet later zijn ontstaan dan het werd ontdekt."))
    if people_approx < 0 or records_approx < 0:
        raise PrivacyError(_("Aantallen zijn nul of meer."))
    fields = {
        "what_happened": _check_text(what_happened, _("wat er is gebeurd")),
        "data_categories": _check_text(data_categories, _("soorten gegevens")),
        "people_categories": _check_text(people_categories, _("soorten betrokkenen")),
        "likely_consequences": _check_text(likely_consequences, _("waarschijnlijke gevolgen")),
        "measures": _check_text(measures, _("genomen en voorgestelde maatregelen")),
    }
    with schema_context(provider.schema_name), transaction.atomic():
        require_tenant_schema()
        breach = Breach.objects.create(
            reference=_next_reference("DL", timezone.localdate(aware_at).year),
            kind=kind,
            aware_at=aware_at,
            occurred_at=occurred_at,
            reported_at=now,
            reported_by_user_id=reporter.pk if reporter is not None else None,
            people_approx=people_approx,
            records_approx=records_approx,
            contact=contact[:300],
            **fields,
        )
        _event(record=breach, kind="reported", actor=reporter)
        row = _breach_index(breach=breach, provider=provider, created=True)
        _route_to_provider_dpo(row=row, provider=provider)
        _log(provider=provider, accessor=accessor, event=Event.CREATE, record=breach)
    log.info("breach_reported", reference=breach.reference, kind=kind)
    return breach


def _lock_breach(reference: str) -> Breach:
    breach = Breach.objects.select_for_update().filter(reference=reference).first()
    if breach is None:
        raise PrivacyError(_("Dit datalek bestaat niet."))
    return breach


def breach_assess(
    *, provider: Provider, reference: str, actor: User, accessor: Accessor, risk: str, reason: str
) -> Breach:
    """The DPO's assessment: tell the AP (art. 33(1)), the people (art. 34), or neither; with reasons."""
    if risk not in Breach.Risk.values:
        raise PrivacyError(_("Kies de beoordeling van het risico."))
    reason = _check_text(reason, _("de onderbouwing"))
    with schema_context(provider.schema_name), transaction.atomic():
        breach = _lock_breach(reference)
        if breach.status == Breach.Status.CLOSED:
            raise PrivacyError(_("Dit datalek is afgesloten."))
        if breach.ap_notified_at is not None and risk == Breach.Risk.UNLIKELY:
            raise PrivacyError(_("Het lek is al gemeld aan de Autoriteit Persoonsgegevens."))
        breach.risk = risk
        breach.assessment_reason = reason
        breach.assessed_at = timezone.now()
        breach.assessed_by_user_id = actor.pk
        breach.status = Breach.Status.ASSESSED
        breach.save()
        _event(record=breach, kind="assessed", actor=actor, risk=risk)
        _breach_index(breach=breach, provider=provider)
        _log(provider=provider, accessor=accessor, event=Event.CHANGE, record=breach, detail="assessment")
    return breach


def breach_notify_ap(
    *,
    provider: Provider,
    reference: str,
    actor: User,
    accessor: Accessor,
    notified_at: datetime.datetime,
    case_number: str = "",
    late_reason: str = "",
) -> Breach:
    """Record the notification to the Autoriteit Persoonsgegevens.

    Guarantees: refused unless assessed as notifiable, with a moment in the
    future or before awareness, twice, or after 72 hours without the
    reasons for the delay (art. 33(1)).
    """
    if notified_at > timezone.now():
        raise PrivacyError(_("Het moment van melden ligt in de toekomst."))
    with schema_context(provider.schema_name), transaction.atomic():
        breach = _lock_breach(reference)
        if not breach.must_notify_ap:
            raise PrivacyError(_("Beoordeel eerst of het lek gemeld moet worden."))
        if breach.ap_notified_at is not None:
            raise PrivacyError(_("De melding is al vastgelegd."))
        if notified_at < breach.aware_at:
            raise PrivacyError(_("De melding kan niet vóór het ontdekken van het lek zijn gedaan."))
        late = avg_terms.breach_notified_late(aware_at=breach.aware_at, notified_at=notified_at)
        late_reason = (late_reason or "").strip()
        if late and not late_reason:
            raise PrivacyError(
                _(
                    "De melding is later dan 72 uur na ontdekking: "
                    "vermeld de reden van de vertraging (art. 33 lid 1)."
                )
            )
        breach.ap_notified_at = notified_at
        breach.ap_case_number = case_number.strip()[:60]
        breach.late_reason = late_reason if late else ""
        breach.save()
        _event(record=breach, kind="ap_notified", actor=actor, late=late)
        _breach_index(breach=breach, provider=provider)
        _log(
            provider=provider, accessor=accessor, event=Event.CHANGE, record=breach, detail="ap_notification"
        )
    return breach


def breach_notify_people(
    *,
    provider: Provider,
    reference: str,
    actor: User,
    accessor: Accessor,
    notified_at: datetime.datetime,
    notice: str,
) -> Breach:
    """Record that the people concerned were told (art. 34), and what they were told."""
    notice = _check_text(notice, _("wat de betrokkenen is verteld"))
    if notified_at > timezone.now():
        raise PrivacyError(_("Het moment ligt in de toekomst."))
    with schema_context(provider.schema_name), transaction.atomic():
        breach = _lock_breach(reference)
        if breach.people_notified_at is not None:
            raise PrivacyError(_("Dit is al vastgelegd."))
        if notified_at < breach.aware_at:
            raise PrivacyError(_("Dat kan niet vóór het ontdekken van het lek zijn."))
        breach.people_notified_at = notified_at
        breach.people_notice = notice
        breach.save()
        _event(record=breach, kind="people_notified", actor=actor)
        _breach_index(breach=breach, provider=provider)
        _log(
            provider=provider,
            accessor=accessor,
            event=Event.CHANGE,
            record=breach,
            detail="people_notification",
        )
    return breach


def breach_close(*, provider: Provider, reference: str, actor: User, accessor: Accessor) -> Breach:
    """Close a breach once its assessment's notifications are recorded."""
    with schema_context(provider.schema_name), transaction.atomic():
        breach = _lock_breach(reference)
        if breach.status == Breach.Status.CLOSED:
            raise PrivacyError(_("Dit datalek is al afgesloten."))
        if not breach.risk:
            raise PrivacyError(_("Beoordeel het lek eerst."))
        if breach.must_notify_ap and breach.ap_notified_at is None:
            raise PrivacyError(_("Leg eerst de melding aan de Autoriteit Persoonsgegevens vast."))
        if breach.must_tell_people and breach.people_notified_at is None:
            raise PrivacyError(_("Leg eerst vast dat de betrokkenen zijn geïnformeerd."))
        breach.status = Breach.Status.CLOSED
        breach.closed_at = timezone.now()
        breach.save()
        _event(record=breach, kind="closed", actor=actor)
        _breach_index(breach=breach, provider=provider)
        _log(provider=provider, accessor=accessor, event=Event.CHANGE, record=breach, detail="closed")
    return breach


# --- Advice (AVG art. 39) -----------------------------------------------------------


def advice_record(
    *,
    provider: Provider,
    actor: User,
    topic: str,
    asked_on: datetime.date,
    given_on: datetime.date,
    question: str,
    advice: str,
    minutes: int,
    kind: str = TimeKind.PHONE,
) -> PrivacyAdvice:
    """Record advice given to the provider, with the time it took, billed like other work.

    Guarantees: only the provider's appointed DPO records advice; its minutes
    become one entry in the time ledger on the provider's advice row for the
    year it was given (the ledger's refusals apply: dates, open months), so the
    monthly invoice run bills it unchanged. The advice and its entry commit
    together.
    """
    if not provider_has_dpo(provider):
        raise PrivacyError(
            _("Deze zorgaanbieder heeft geen functionaris gegevensbescherming via Klachtpunt.")
        )
    if topic not in PrivacyAdvice.Topic.values:
        raise PrivacyError(_("Kies het onderwerp van het advies."))
    if not 1 <= minutes <= 24 * 60:
        raise PrivacyError(_("Het aantal minuten ligt tussen 1 en 1440 (een dag)."))
    if given_on > timezone.localdate() or asked_on > given_on:
        raise PrivacyError(_("Controleer de datums: gevraagd vóór gegeven, en niet in de toekomst."))
    question = _check_text(question, _("de vraag"))
    advice = _check_text(advice, _("het advies"))
    with transaction.atomic():
        appointment = (
            DpoAppointment.objects.select_for_update(no_key=True)
            .select_related("appointed_by")
            .filter(provider_id=provider.pk, ended_at__isnull=True)
            .first()
        )
        if appointment is None or appointment.professional_id != actor.pk:
            raise PrivacyError(
                _("Alleen de functionaris gegevensbescherming van deze zorgaanbieder legt advies vast.")
            )
        case = _advice_ledger_case(
            provider=provider, year=given_on.year, dpo=actor, by=appointment.appointed_by
        )
        try:
            entry = ledger_entry_add(
                actor=actor,
                case=case,
                kind=kind,
                minutes=minutes,
                worked_on=given_on,
                activity=Activity.ADVICE,
            )
        except TimeEntryError as refusal:
            raise PrivacyError(str(refusal)) from refusal
        with schema_context(provider.schema_name):
            require_tenant_schema()
            return PrivacyAdvice.objects.create(
                topic=topic,
                asked_on=asked_on,
                given_on=given_on,
                question=question,
                advice=advice,
                minutes=minutes,
                given_by_user_id=actor.pk,
                given_by_label=str(actor)[:150],
                time_entry_id=entry.pk,
            )
