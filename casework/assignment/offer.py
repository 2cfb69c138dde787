"""What a professional may read about a case offered to them, before they accept it.

Enough to decide: whether the case fits them and whether they have a conflict
of interest (the place, the department, the employee concerned) and what the
complainant wants. The rest of the dossier opens once they accept. Read from
the provider's schema; the view logs the read.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.text import Truncator

from casework.index.models import CaseIndex
from casework.models import Complaint
from tenants.clusters import schema_context

# The summary of what happened: a few sentences, not the whole story.
OFFER_SUMMARY_CHARS = 600


@dataclass(frozen=True)
class OfferDetails:
    summary: str
    occurred_on: datetime.date | None
    location: str
    department: str
    employee_concerned: str
    goals: list[str]


def offer_details(case: CaseIndex) -> OfferDetails:
    """The parts of ``case``'s dossier shown with the offer (one query in the provider's schema)."""
    with schema_context(case.provider.schema_name):
        complaint = Complaint.objects.get(pk=case.case_id)
        return OfferDetails(
            summary=Truncator(complaint.what_happened.strip()).chars(OFFER_SUMMARY_CHARS),
            occurred_on=complaint.occurred_on,
            location=complaint.location,
            department=complaint.department,
            employee_concerned=complaint.employee_concerned,
            goals=complaint.goal_labels,
        )
