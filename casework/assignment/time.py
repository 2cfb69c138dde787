"""Logging time on a case: the ledger row and, when typed, its note on the timeline.

The ledger (``casework.timesheets``, public schema) never holds notes; the
note goes to the case's timeline in the provider's schema, visible to
Klachtpunt only. Both commit together or not at all.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from casework.dossier.access_log import Accessor, access_log_change
from casework.dossier.panel import panel_role
from casework.dossier.services import timeline_add
from casework.index.models import CaseIndex
from casework.models import Complaint, TimelineEntry
from casework.timesheets.models import TimeEntry
from casework.timesheets.services import TimeEntryError, ledger_entry_add
from tenants.clusters import schema_context

MAX_NOTE_LENGTH = 4000


def on_panel(case: CaseIndex, user: User) -> bool:
    """Whether ``user`` sits on the committee panel of ``case`` (each seat logs its own time)."""
    return panel_role(provider=case.provider, complaint_id=case.case_id, user_id=user.pk) is not None


def time_entry_log(
    *,
    actor: User,
    case: CaseIndex,
    kind: str,
    minutes: int,
    worked_on: datetime.date,
    activity: str,
    accessor: Accessor,
    note: str = "",
    today: datetime.date | None = None,
) -> TimeEntry:
    """Log ``minutes`` of work by ``actor`` on ``case``, with an optional note.

    Guarantees: the ledger's refusals (``TimeEntryError``, see
    ``ledger_entry_add``), and a note longer than 4000 characters is refused;
    the ledger row, the note's timeline entry and the access-log row commit
    together.
    """
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise TimeEntryError(_("De notitie is te lang (hooguit 4000 tekens)."))
    with transaction.atomic():
        entry = ledger_entry_add(
            actor=actor,
            case=case,
            kind=kind,
            minutes=minutes,
            worked_on=worked_on,
            activity=activity,
            today=today,
            on_panel=on_panel(case, actor),
        )
        with schema_context(case.provider.schema_name):
            complaint = Complaint.objects.only("pk", "reference").get(pk=case.case_id)
            if note:
                _note_to_timeline(complaint, entry, actor, note)
            access_log_change(provider=case.provider, accessor=accessor, complaint=complaint, subject="time")
    return entry


def _note_to_timeline(complaint: Complaint, entry: TimeEntry, actor: User, note: str) -> None:
    timeline_add(
        complaint=complaint,
        kind="time_note",
        actor_user_id=actor.pk,
        visibility=TimelineEntry.Visibility.STAFF,
        data={
            "text": note,
            "time_entry_id": entry.pk,
            "minutes": entry.minutes,
            "kind": entry.kind,
            "activity": entry.activity,
            "worked_on": entry.worked_on.isoformat(),
        },
    )
