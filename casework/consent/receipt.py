"""The formal receipt date's evidence: how the day the statutory clock runs from was established.

Builds the unsaved timeline entry that the actions (intake, consent, track
changes, corrections) save inside their own transaction, with the access-log row.
"""

from __future__ import annotations

import datetime

from casework.dossier.services import timeline_entry
from casework.models import Complaint, TimelineEntry


def formal_receipt_entry(
    *,
    complaint: Complaint,
    basis: str,
    actor_user_id: int | None,
    channel: str = "",
    received_on: datetime.date | None = None,
    consent_on: datetime.date | None = None,
) -> TimelineEntry:
    """An unsaved timeline entry recording the formal receipt date and how it was established.

    The date is a fact the statutory clock runs from (Wkkgz art. 17): the entry
    keeps its evidence (which day the written complaint arrived, which day consent
    came, which is later, and who recorded it) in structured data.
    """
    day = complaint.formal_received_on
    return timeline_entry(
        complaint=complaint,
        kind="formal_receipt",
        actor_user_id=actor_user_id,
        visibility=TimelineEntry.Visibility.ALL,
        data={
            "formal_received_on": day.isoformat() if day else "",
            "basis": basis,
            "channel": channel,
            "received_on": received_on.isoformat() if received_on else "",
            "consent_on": consent_on.isoformat() if consent_on else "",
            "recorded_by_user_id": actor_user_id,
        },
    )


def formal_start(*, received_on: datetime.date, consent_on: datetime.date) -> datetime.date:
    """The formal track starts on the later of the written complaint's arrival and consent to share it."""
    return max(received_on, consent_on)
