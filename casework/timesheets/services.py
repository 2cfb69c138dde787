"""Time ledger actions: adding, correcting and removing time on a case.

The ledger (public schema) holds the case reference, kind, activity, minutes
and date, never notes. A note typed with an entry goes to the case's timeline
(``casework.assignment.time.time_entry_log`` does both in one transaction): the
ledger itself never reaches into a dossier.
"""

from __future__ import annotations

import datetime
from typing import cast

import structlog
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import PlatformRole, User
from casework.index.models import Assignment, CaseIndex
from casework.timesheets.models import Activity, LedgerMonth, TimeEntry, TimeKind
from reference.dates import month_start, today_amsterdam

log = structlog.get_logger(__name__)

MAX_MINUTES = 24 * 60
# What a coordinator may log on any case: the intake call, billable as phone time.
COORDINATOR_KIND = TimeKind.PHONE
COORDINATOR_ACTIVITY = Activity.INTAKE
LOGGING_STATES = (Assignment.State.OFFERED, Assignment.State.ACCEPTED)


class TimeEntryError(Exception):
    """The entry is refused; ``str(error)`` says why."""


def month_is_closed(day: datetime.date) -> bool:
    return LedgerMonth.objects.filter(month=month_start(day)).exists()


def ledger_entry_add(
    *,
    actor: User,
    case: CaseIndex,
    kind: str,
    minutes: int,
    worked_on: datetime.date,
    activity: str,
    today: datetime.date | None = None,
    on_panel: bool = False,
) -> TimeEntry:
    """Add ``minutes`` of work by ``actor`` on ``case`` to the ledger.

    Guarantees: refused (``TimeEntryError``) unless ``actor`` holds the case's
    current assignment (offered or accepted), sits on its committee panel
    (``on_panel``: the caller reads the seat in the dossier's schema, which the
    ledger never enters), or is a coordinator logging an
    intake call by phone; unless the date is not in the future, not before
    the case arrived and in a month that is still open; unless the minutes
    are 1 to 1440. Runs in the caller's transaction when there is one.
    """
    with transaction.atomic():
        # Assignments change under this lock (casework.assignment.services), so the
        # check below cannot race a reassignment.
        # Every kind: the dpo service logs time on requests and breaches too.
        locked = (
            CaseIndex.every_kind.select_for_update(of=("self",)).select_related("provider").get(pk=case.pk)
        )
        _check_may_log(actor, locked, kind=kind, activity=activity, on_panel=on_panel)
        _check_values(locked, kind=kind, minutes=minutes, worked_on=worked_on, activity=activity, today=today)
        entry = TimeEntry.objects.create(
            case=locked,
            reference=locked.reference,
            provider_id=locked.provider_id,
            professional=actor,
            service=locked.service,
            kind=kind,
            activity=activity,
            minutes=minutes,
            worked_on=worked_on,
        )
    log.info("time_entry_logged", reference=locked.reference, minutes=minutes, kind=kind, entry_id=entry.pk)
    return entry


def time_entry_update(
    *,
    actor: User,
    entry: TimeEntry,
    kind: str,
    minutes: int,
    worked_on: datetime.date,
    activity: str,
    today: datetime.date | None = None,
    on_panel: bool = False,
) -> TimeEntry:
    """Correct one's own entry while both its old and its new month are open."""
    with transaction.atomic():
        locked = _lock_own_entry(actor, entry)
        case = cast("CaseIndex", locked.case)  # _lock_own_entry leaves out entries without a case
        if not (on_panel or _is_current_professional(actor, case)):
            _check_coordinator_entry(kind, activity)
        _check_values(case, kind=kind, minutes=minutes, worked_on=worked_on, activity=activity, today=today)
        locked.kind, locked.minutes, locked.worked_on, locked.activity = kind, minutes, worked_on, activity
        locked.save(update_fields=["kind", "minutes", "worked_on", "activity", "updated_at"])
    log.info("time_entry_updated", reference=locked.reference, entry_id=locked.pk)
    return locked


def time_entry_delete(*, actor: User, entry: TimeEntry) -> None:
    """Remove one's own entry while its month is open."""
    with transaction.atomic():
        locked = _lock_own_entry(actor, entry)
        reference, pk = locked.reference, locked.pk
        locked.delete()
    log.info("time_entry_deleted", reference=reference, entry_id=pk)


def may_log_time(actor: User, case: CaseIndex, *, on_panel: bool = False) -> bool:
    """Whether ``actor`` may log any time on ``case`` (for showing the form)."""
    return on_panel or _is_current_professional(actor, case) or _is_coordinator(actor)


def coordinator_only(actor: User, case: CaseIndex, *, on_panel: bool = False) -> bool:
    """True when ``actor`` may log on ``case`` only as a coordinator (intake calls by phone)."""
    return not on_panel and not _is_current_professional(actor, case) and _is_coordinator(actor)


# Checks.


def _is_coordinator(actor: User) -> bool:
    return PlatformRole.COORDINATOR in actor.roles


def _is_current_professional(actor: User, case: CaseIndex) -> bool:
    return Assignment.objects.filter(case=case, professional=actor, state__in=LOGGING_STATES).exists()


def _check_may_log(actor: User, case: CaseIndex, *, kind: str, activity: str, on_panel: bool = False) -> None:
    if on_panel or _is_current_professional(actor, case):
        return
    if _is_coordinator(actor):
        _check_coordinator_entry(kind, activity)
        return
    raise TimeEntryError(_("Alleen de professional aan wie deze zaak is toegewezen kan hier tijd schrijven."))


def _check_coordinator_entry(kind: str, activity: str) -> None:
    if kind != COORDINATOR_KIND or activity != COORDINATOR_ACTIVITY:
        raise TimeEntryError(
            _("Als klachtencoördinator schrijft u op een zaak alleen telefonische intakegesprekken.")
        )


def _check_values(
    case: CaseIndex,
    *,
    kind: str,
    minutes: int,
    worked_on: datetime.date,
    activity: str,
    today: datetime.date | None,
) -> None:
    today = today or today_amsterdam()
    if kind not in TimeKind.values:
        raise TimeEntryError(_("Kies een soort tijd."))
    if activity not in Activity.values:
        raise TimeEntryError(_("Kies een activiteit."))
    if not 1 <= minutes <= MAX_MINUTES:
        raise TimeEntryError(_("Het aantal minuten ligt tussen 1 en 1440 (een dag)."))
    if worked_on > today:
        raise TimeEntryError(_("De datum ligt in de toekomst."))
    if worked_on < timezone.localtime(case.received_at).date():
        raise TimeEntryError(_("De datum ligt vóór de ontvangst van de klacht."))
    _check_month_open(worked_on)


def _check_month_open(day: datetime.date) -> None:
    if month_is_closed(day):
        raise TimeEntryError(
            _("%(month)s is afgesloten: tijd in die maand kan niet meer worden toegevoegd of gewijzigd.")
            % {"month": date_format(day, "F Y")}
        )


def _lock_own_entry(actor: User, entry: TimeEntry) -> TimeEntry:
    locked = (
        TimeEntry.objects.select_for_update(of=("self",))
        .select_related("case")
        # An entry whose case is gone (its provider was deleted) is kept for the fiscal record only.
        .filter(pk=entry.pk, professional=actor, case__isnull=False)
        .first()
    )
    if locked is None:
        raise TimeEntryError(_("U kunt alleen uw eigen tijdregistraties wijzigen."))
    _check_month_open(locked.worked_on)
    return locked
