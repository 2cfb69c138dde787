"""A complaint's current statutory deadline, for pages and the API."""

from __future__ import annotations

import datetime

from casework.models import Complaint
from reference import deadline_rules as deadlines


def complaint_deadline(complaint: Complaint) -> datetime.date | None:
    """The decision deadline (statutory, or as extended), once the formal track has a receipt date."""
    return deadlines.complaint_deadline(complaint)
