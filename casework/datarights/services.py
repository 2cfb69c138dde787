"""The complainant's own rights against Klachtpunt: download, erasure, account deletion.

Who is asking decides what they reach: a logged-in complainant (Mijn
klachten) reaches every dossier their account holds, across providers (the
case index lists them; each is read in its own schema); the holder of a
follow link reaches the one dossier behind it. Nobody reaches anyone else's.

Every request leaves, per dossier and inside the transaction that does the
work, a ``DataRightsRecord`` (what was asked, and for an erasure what was
erased and what is kept until when) and an access-log row (NEN 7513):
``export`` for a download, ``delete`` when a dossier is erased, ``change``
when part of it is. What the law keeps is decided in ``rules``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import structlog
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from accounts.models import PlatformRole, User
from casework.closing.retention import dossier_reduce_locked
from casework.datarights.caches import complainant_cache_forget
from casework.datarights.inventory import DossierOut, account_data, dossier_collect, export_document
from casework.datarights.rules import ERASED, KEPT, DossierFacts, DossierPlan, Item, dossier_plan
from casework.dossier.access_log import Accessor, Event, access_log_change, access_log_record
from casework.dossier.locking import case_lock
from casework.dossier.services import index_sync, timeline_add
from casework.index.models import CaseIndex, CaseStatus, Track
from casework.models import (
    AccessLogEntry,
    ClosingNotice,
    Complaint,
    DataRightsRecord,
    Decision,
    TimelineEntry,
)
from reference.dates import today_amsterdam
from tenants.clusters import schema_context
from tenants.models import Provider, ProviderMembership

log = structlog.get_logger(__name__)

Kind = DataRightsRecord.Kind


@dataclass(frozen=True)
class Target:
    """One dossier a request reaches: its provider and its case-index row."""

    provider: Provider
    case: CaseIndex


def user_targets(*, user: User) -> list[Target]:
    """Every dossier the account holds, across providers (one query on the case index)."""
    rows = (
        CaseIndex.objects.filter(complainant_user=user, reduced_at__isnull=True)
        .exclude(provider__schema_name=get_public_schema_name())
        .select_related("provider")
        .order_by("-received_at", "-pk")
    )
    return [Target(provider=row.provider, case=row) for row in rows]


def follow_target(*, provider: Provider, complaint: Complaint) -> Target:
    """The one dossier behind a follow link (the caller checked the link)."""
    return Target(provider=provider, case=CaseIndex.objects.get(provider=provider, case_id=complaint.pk))


def _own_complaint(target: Target, user_id: int | None) -> Complaint | None:
    """The dossier, in its schema, if it still agrees with the index about whose it is."""
    complaints = Complaint.objects.select_related("category").filter(pk=target.case.case_id)
    if user_id is not None:
        complaints = complaints.filter(complainant_user_id=user_id)
    return complaints.first()


# --- Download (art. 15 and 20) -------------------------------------------------


@dataclass
class Export:
    document: dict[str, Any]
    dossiers: list[tuple[CaseIndex, DossierOut]]
    made_at: datetime.datetime


def datarights_export(
    *, targets: list[Target], user: User | None, file_format: str, accessor: Accessor
) -> Export:
    """Everything held about the complainant in ``targets`` (and their account), as one document.

    Guarantees: only dossiers that are the complainant's (by account, or the
    one behind the follow link) are read; each read dossier gets its export
    row in the access log and a ``DataRightsRecord``, written in one
    transaction per provider before the download is handed over.
    """
    now = timezone.now()
    user_id = user.pk if user is not None else None
    dossiers: list[tuple[CaseIndex, DossierOut]] = []
    for target in targets:
        with schema_context(target.provider.schema_name):
            complaint = _own_complaint(target, user_id)
            if complaint is None:
                continue
            dossiers.append((target.case, dossier_collect(provider=target.provider, complaint=complaint)))
    with transaction.atomic():
        for case, _dossier in dossiers:
            with schema_context(case.provider.schema_name):
                DataRightsRecord.objects.create(
                    kind=Kind.EXPORT,
                    at=now,
                    case_id=case.case_id,
                    reference=case.reference,
                    channel=accessor.channel,
                    user_id=user_id,
                    file_format=file_format,
                )
                access_log_record(
                    provider=case.provider,
                    event=Event.EXPORT,
                    accessor=accessor,
                    case_id=case.case_id,
                    reference=case.reference,
                    subject="datarights_export",
                    detail=f"AVG art. 15/20: download ({file_format})",
                    at=now,
                )
    document = export_document(
        dossiers=dossiers, account=account_data(user) if user is not None else None, made_at=now
    )
    log.info("datarights_exported", dossiers=len(dossiers), file_format=file_format)
    return Export(document=document, dossiers=dossiers, made_at=now)


# --- Erasure (art. 17) ----------------------------------------------------------


def _facts(target: Target, complaint: Complaint) -> DossierFacts:
    closing = ClosingNotice.objects.filter(complaint=complaint).first()
    last_access = (
        AccessLogEntry.objects.filter(case_id=complaint.pk)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    closed_at = complaint.closed_at or target.case.closed_at
    return DossierFacts(
        reference=complaint.reference,
        provider_name=target.provider.name,
        closed=complaint.status == CaseStatus.CLOSED,
        formal=complaint.track == Track.FORMAL,
        has_decision=Decision.objects.filter(complaint=complaint).exists(),
        closed_on=timezone.localdate(closed_at) if closed_at else None,
        disputes_last_day=closing.disputes_last_day if closing else None,
        retention_years=target.provider.retention_years,
        last_access_on=timezone.localdate(last_access) if last_access else None,
    )


def erasure_preview(*, targets: list[Target], user: User | None) -> list[Item]:
    """What an erasure request would do today, item by item (nothing changes)."""
    today = today_amsterdam()
    user_id = user.pk if user is not None else None
    items: list[Item] = []
    for target in targets:
        with schema_context(target.provider.schema_name):
            complaint = _own_complaint(target, user_id)
            if complaint is not None:
                items.extend(dossier_plan(_facts(target, complaint), today=today).items)
    if user is not None:
        items.append(Item("account", KEPT, "until_deleted"))
    return items


def _erase_one(
    *,
    target: Target,
    user_id: int | None,
    accessor: Accessor,
    kind: str,
    unlink: bool,
    now: datetime.datetime,
) -> tuple[list[Item], list[str]]:
    """Erase what no duty keeps of one dossier, in one transaction; returns its items and e-mail address."""
    provider = target.provider
    with schema_context(provider.schema_name), transaction.atomic():
        case, complaint = case_lock(provider=provider, complaint_id=target.case.case_id)
        if user_id is not None and complaint.complainant_user_id != user_id:
            return [], []
        plan: DossierPlan = dossier_plan(_facts(target, complaint), today=timezone.localdate(now))
        items = list(plan.items)
        emails = [complaint.complainant_email] if complaint.complainant_email else []
        if unlink and not plan.reduce:
            items.insert(
                0,
                Item(
                    "account_link",
                    ERASED,
                    "account_deleted",
                    reference=case.reference,
                    provider_name=provider.name,
                ),
            )
        record = DataRightsRecord(
            kind=kind,
            at=now,
            case_id=case.case_id,
            reference=case.reference,
            channel=accessor.channel,
            user_id=user_id,
            items=[item.as_data() for item in items],
        )
        if plan.reduce:
            record.save()
            dossier_reduce_locked(
                provider=provider,
                case=case,
                now=now,
                accessor=accessor,
                detail="Verzoek van de klager (AVG art. 17): dossier gewist, anonieme cijfers bewaard",
            )
            return items, emails
        changed = []
        if plan.erase_contact and (complaint.complainant_phone or complaint.complainant_postcode):
            complaint.complainant_phone = ""
            complaint.complainant_postcode = ""
            changed += ["complainant_phone", "complainant_postcode"]
        if unlink:
            complaint.complainant_user_id = None
            changed.append("complainant_user_id")
        if changed:
            complaint.save(update_fields=changed)
        record.save()
        timeline_add(
            complaint=complaint,
            kind="account_deleted" if kind == Kind.ACCOUNT_DELETION else "erasure_request",
            summary="Verzoek van de klager om gegevens te wissen (AVG art. 17) uitgevoerd",
            visibility=TimelineEntry.Visibility.COMPLAINANT,
            data={"erased": [item.code for item in items if item.action == ERASED]},
        )
        index_sync(complaint=complaint, provider=provider)
        access_log_change(
            provider=provider,
            accessor=accessor,
            complaint=complaint,
            subject="account_deletion" if kind == Kind.ACCOUNT_DELETION else "datarights_erasure",
            detail="AVG art. 17: " + (", ".join(item.code for item in items if item.action == ERASED) or "-"),
        )
    return items, emails


def complainant_erase(*, targets: list[Target], user: User | None, accessor: Accessor) -> list[Item]:
    """Erase, in each of ``targets``, what no legal duty keeps; return every item, erased or kept.

    Guarantees: one transaction per dossier (lock order: index row, dossier),
    each with its ``DataRightsRecord`` and its access-log row; a dossier no
    duty keeps is deleted with its files on disk (as the retention job does);
    a kept one loses what no duty needs; afterwards cached entries keyed to the
    complainant's addresses are gone.
    """
    now = timezone.now()
    user_id = user.pk if user is not None else None
    items: list[Item] = []
    emails: list[str] = []
    for target in targets:
        found, addresses = _erase_one(
            target=target, user_id=user_id, accessor=accessor, kind=Kind.ERASURE, unlink=False, now=now
        )
        items.extend(found)
        emails.extend(addresses)
    if user is not None:
        items.append(Item("account", KEPT, "until_deleted"))
        emails.extend(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    complainant_cache_forget(emails=emails)
    log.info("datarights_erased", dossiers=len(targets))
    return items


# --- Account deletion -------------------------------------------------------------


class AccountNotDeletable(PermissionDenied):
    """Staff and providers' people have their accounts removed by an administrator, not here."""


def account_deletable(user: User) -> bool:
    """Only a plain complainant's account is deleted by its owner."""
    other_roles = set(user.roles) - {PlatformRole.COMPLAINANT}
    return not (
        other_roles
        or user.is_staff
        or user.is_superuser
        or ProviderMembership.objects.filter(user=user).exists()
    )


def account_delete_preview(*, user: User) -> list[Item]:
    """What deleting the account would do today, item by item (nothing changes)."""
    today = today_amsterdam()
    items: list[Item] = []
    for target in user_targets(user=user):
        with schema_context(target.provider.schema_name):
            complaint = _own_complaint(target, user.pk)
            if complaint is None:
                continue
            plan = dossier_plan(_facts(target, complaint), today=today)
        if not plan.reduce:
            items.append(
                Item(
                    "account_link",
                    ERASED,
                    "account_deleted",
                    reference=target.case.reference,
                    provider_name=target.provider.name,
                )
            )
        items.extend(plan.items)
    items.append(Item("account", ERASED, "account_deleted"))
    return items


def account_delete(*, user: User, accessor: Accessor) -> list[Item]:
    """Delete the complainant's account, erase what no duty keeps, unlink and keep the rest.

    Every dossier of the account is erased as ``complainant_erase`` does; a
    dossier the law keeps loses its link to the account (the dossier and the
    index no longer name it: what remains refers to a bare number), with the
    record and access-log row in its own transaction. Then the account goes,
    with its addresses and login methods, and the cached entries keyed to it.
    """
    if not account_deletable(user):
        raise AccountNotDeletable("this account is managed by an administrator")
    now = timezone.now()
    items: list[Item] = []
    emails = [*EmailAddress.objects.filter(user=user).values_list("email", flat=True), user.email]
    for target in user_targets(user=user):
        found, addresses = _erase_one(
            target=target,
            user_id=user.pk,
            accessor=accessor,
            kind=Kind.ACCOUNT_DELETION,
            unlink=True,
            now=now,
        )
        items.extend(found)
        emails.extend(addresses)
    user_pk = user.pk
    with transaction.atomic():
        # The index rows no longer point at the account (SET NULL), the rest goes with it.
        CaseIndex.every_kind.filter(complainant_user_id=user_pk).update(complainant_user=None)
        User.objects.filter(pk=user_pk).delete()
    complainant_cache_forget(emails=emails)
    items.append(Item("account", ERASED, "account_deleted"))
    log.info("account_deleted", user_id=user_pk)
    return items
