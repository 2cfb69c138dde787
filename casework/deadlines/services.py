"""Extending a complaint's decision deadline, within the rules of ``reference.deadline_rules``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from casework.dossier.access_log import Accessor, access_log_change
from casework.dossier.locking import case_lock
from casework.dossier.services import actor_fields, index_sync, timeline_add
from casework.index.models import CaseStatus, Outcome
from casework.models import (
    CommitteeSignOff,
    Complaint,
    DeadlineExtension,
    Decision,
    ExtensionConsent,
    TimelineEntry,
)
from outbox.services import outbox_enqueue
from reference import deadline_rules as deadlines
from reference.dates import today_amsterdam
from tenants.clusters import schema_context
from tenants.models import Provider

Basis = DeadlineExtension.Basis
Party = ExtensionConsent.Party


@dataclass(frozen=True)
class ConsentEvidence:
    """A party's consent to extend: the day it was given, and how (a letter, an e-mail)."""

    given_on: datetime.date
    evidence: str


def _consents_required(
    regime: str, complainant: ConsentEvidence | None, provider: ConsentEvidence | None, today: datetime.date
) -> list[tuple[str, ConsentEvidence]]:
    given = {Party.COMPLAINANT: complainant, Party.PROVIDER: provider}
    needed = deadlines.CONSENT_NEEDED_FROM[regime]
    missing = [party for party in needed if given[party] is None or not given[party].evidence.strip()]
    if missing:
        if regime == "wzd":
            message = _(
                "Onder de Wzd kan de termijn alleen worden verlengd met schriftelijke instemming van "
                "zowel de klager als de zorgaanbieder. Leg beide vast."
            )
        else:
            message = _(
                "De termijn is al eenmaal verlengd. Verder verlengen kan alleen met instemming van de "
                "klager: leg vast wanneer en hoe de klager heeft ingestemd."
            )
        raise ValidationError(message, code="consent_required")
    for party in needed:
        if given[party].given_on > today:
            raise ValidationError(_("De datum van instemming kan niet in de toekomst liggen."), code="future")
    return [(party, given[party]) for party in needed]


def deadline_extend(
    *,
    provider: Provider,
    complaint_id: int,
    actor: User,
    accessor: Accessor,
    new_deadline: datetime.date,
    reason: str,
    notice_channel: str = DeadlineExtension.NoticeChannel.EMAIL,
    complainant_consent: ConsentEvidence | None = None,
    provider_consent: ConsentEvidence | None = None,
    today: datetime.date | None = None,
) -> DeadlineExtension:
    """Extend the decision deadline, or refuse with the rule that forbids it.

    Without consents this is the Wkkgz's one notice-only extension: refused
    once used, for the Wzd, beyond 4 weeks, or once the term has run out. With
    the consent of the complainant (Wzd: and the provider) recorded, the
    deadline may move further. The dossier, its consents, the timeline, the
    case index and the access log change in one transaction; the notice to the
    complainant is a PDF letter made and delivered through the outbox (secure
    link, or the print-and-post list).
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Geef de reden voor de verlenging."), code="reason_required")
    if notice_channel not in DeadlineExtension.NoticeChannel.values:
        raise ValidationError(_("Kies hoe de klager de mededeling krijgt."), code="invalid_channel")
    with schema_context(provider.schema_name), transaction.atomic():
        today = today or today_amsterdam()
        _case, complaint = case_lock(provider=provider, complaint_id=complaint_id)
        if complaint.status == CaseStatus.CLOSED:
            raise ValidationError(_("Deze zaak is afgesloten."), code="closed")
        if Decision.objects.filter(complaint=complaint).exists():
            raise ValidationError(
                _("Er is al een oordeel gegeven; de termijn loopt niet meer."), code="decided"
            )
        current = deadlines.complaint_deadline(complaint)
        if current is None:
            raise ValidationError(
                _("Deze klacht heeft geen wettelijke termijn: er is geen formele, gedeelde klacht."),
                code="no_deadline",
            )
        if new_deadline <= current:
            raise ValidationError(
                _("De nieuwe datum moet na de huidige termijn (%(date)s) liggen.")
                % {"date": formats.date_format(current, "j F Y")},
                code="not_later",
            )
        if notice_channel == DeadlineExtension.NoticeChannel.EMAIL and not complaint.complainant_email:
            raise ValidationError(
                _(
                    "Er is geen e-mailadres van de klager bekend. Stuur de mededeling per brief en "
                    "kies 'brief'."
                ),
                code="no_email",
            )
        regime = deadlines.law_regime(complaint.law)
        unilateral_used = complaint.deadline_extensions.filter(basis=Basis.NOTICE).count()
        consents: list[tuple[str, ConsentEvidence]] = []
        if complainant_consent is None and provider_consent is None:
            if unilateral_used >= deadlines.UNILATERAL_EXTENSIONS[regime]:
                consents = _consents_required(regime, None, None, today)  # raises
            if not deadlines.notice_in_time(sent_on=today, current_deadline=current):
                raise ValidationError(
                    _(
                        "De termijn is op %(date)s verstreken. Een verlenging moet vóór het einde van de "
                        "termijn schriftelijk aan de klager zijn meegedeeld; nu kan het alleen nog met "
                        "instemming van de klager."
                    )
                    % {"date": formats.date_format(current, "j F Y")},
                    code="expired",
                )
            limit = deadlines.unilateral_extension_limit(complaint.formal_received_on, complaint.law)
            if limit is None or new_deadline > limit:
                raise ValidationError(
                    _("De termijn mag eenmalig met ten hoogste 4 weken worden verlengd: uiterlijk %(date)s.")
                    % {"date": formats.date_format(limit, "j F Y") if limit else "–"},
                    code="too_long",
                )
            basis = Basis.NOTICE
        else:
            consents = _consents_required(regime, complainant_consent, provider_consent, today)
            basis = Basis.CONSENT
        now = timezone.now()
        extension = DeadlineExtension.objects.create(
            complaint=complaint,
            basis=basis,
            reason=reason,
            previous_deadline=current,
            new_deadline=new_deadline,
            decided_at=now,
            decided_by_user_id=getattr(actor, "pk", None),
            decided_by_label=str(actor)[:120] if actor else "",
            notice_channel=notice_channel,
        )
        for party, evidence in consents:
            ExtensionConsent.objects.create(
                extension=extension,
                party=party,
                given_on=evidence.given_on,
                evidence=evidence.evidence.strip()[:200],
                recorded_at=now,
                recorded_by_user_id=getattr(actor, "pk", None),
            )
        complaint.extended_deadline = new_deadline
        complaint.save(update_fields=["extended_deadline"])
        timeline_add(
            complaint=complaint,
            kind="deadline_extended",
            visibility=TimelineEntry.Visibility.ALL,
            data={
                "reason": reason,
                "extension_id": extension.pk,
                "basis": basis,
                "previous_deadline": current.isoformat(),
                "new_deadline": new_deadline.isoformat(),
                "consents": [party for party, _evidence in consents],
            },
            **actor_fields(actor),
        )
        index_sync(complaint=complaint, provider=provider)
        access_log_change(
            provider=provider,
            accessor=accessor,
            complaint=complaint,
            subject="extension",
            detail=f"extension {extension.pk}",
        )
        # The reasoned notice is a letter in the dossier either way: by secure link, or on the
        # coordinator's print-and-post list (sent once posted).
        outbox_enqueue(
            task_name="casework.tasks_closing.send_extension_notice",
            kwargs={"extension_id": extension.pk},
        )
    return extension


def formal_receipt_change(
    *,
    provider: Provider,
    complaint_id: int,
    accessor: Accessor,
    received_on: datetime.date,
    reason: str,
    today: datetime.date | None = None,
) -> Complaint:
    """Correct the recorded formal receipt date, with a reason, logged and on the timeline.

    The date is a fact the statutory term runs from, so changing it is refused
    without a reason, into the future, on a closed case, on a complaint whose
    formal track has not started, or to a day after a decision already given.
    The dossier, its timeline, the access log and the case index change together.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Geef de reden voor de wijziging."), code="reason_required")}
        )
    with schema_context(provider.schema_name), transaction.atomic():
        today = today or today_amsterdam()
        _case, complaint = case_lock(provider=provider, complaint_id=complaint_id)
        if complaint.status == CaseStatus.CLOSED:
            raise ValidationError(_("Deze zaak is afgesloten."), code="closed")
        previous = complaint.formal_received_on
        if previous is None:
            raise ValidationError(
                _("Deze klacht heeft nog geen formele ontvangstdatum om te wijzigen."), code="no_receipt"
            )
        if received_on > today:
            raise ValidationError(
                {
                    "received_on": ValidationError(
                        _("De ontvangstdatum kan niet in de toekomst liggen."), code="future"
                    )
                }
            )
        first_decision = complaint.decisions.order_by("decided_on").first()
        if first_decision is not None and received_on > first_decision.decided_on:
            raise ValidationError(
                {
                    "received_on": ValidationError(
                        _("De ontvangstdatum kan niet na de datum van het oordeel liggen."),
                        code="after_decision",
                    )
                }
            )
        if received_on == previous:
            return complaint
        complaint.formal_received_on = received_on
        complaint.save(update_fields=["formal_received_on"])
        timeline_add(
            complaint=complaint,
            kind="formal_receipt_changed",
            visibility=TimelineEntry.Visibility.ALL,
            actor_user_id=accessor.user_id,
            actor_label=accessor.user_label[:120],
            data={
                "previous": previous.isoformat(),
                "formal_received_on": received_on.isoformat(),
                "basis": "correction",
                "reason": reason,
            },
        )
        access_log_change(
            provider=provider,
            accessor=accessor,
            complaint=complaint,
            subject="formal_receipt",
            detail=f"{previous.isoformat()} -> {received_on.isoformat()}",
        )
        index_sync(complaint=complaint, provider=provider)
    return complaint


def closing_basis(complaint: Complaint, outcome: str, evidence: str) -> str:
    """What allows ``complaint`` to close with ``outcome`` (anywhere it closes), or a refusal.

    A formal complaint (its statutory term runs) closes only with the provider's
    decision (under the Wzd and the Wvggz: the committee's binding one), a
    withdrawal by the complainant recorded with how and when, or a referral
    recorded with to whom; until then its reminders keep running.
    Other complaints close on their outcome alone.
    """
    if complaint.formal_received_on is None:
        return ""
    if complaint.decisions.exists():
        return "decision"
    if CommitteeSignOff.objects.filter(advice__complaint=complaint, binding=True).exists():
        # Wzd/Wvggz: the committee's signed decision binds; the provider gives none of its own.
        return "committee"
    if outcome == Outcome.WITHDRAWN and evidence.strip():
        return "withdrawal"
    if outcome == Outcome.REFERRED and evidence.strip():
        return "referral"
    if outcome in (Outcome.WITHDRAWN, Outcome.REFERRED):
        raise ValidationError(
            {
                "evidence": ValidationError(
                    _(
                        "Leg vast hoe en wanneer de klager de klacht introk, of naar wie de klacht is "
                        "doorverwezen."
                    ),
                    code="evidence_required",
                )
            }
        )
    raise ValidationError(
        _(
            "Een formele klacht kan pas worden afgesloten met het schriftelijke oordeel van de "
            "zorgaanbieder, een vastgelegde intrekking door de klager of een vastgelegde doorverwijzing."
        ),
        code="decision_required",
    )
