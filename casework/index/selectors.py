"""Reads of the case index that every staff page shares."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Professional
from casework.index.models import CaseIndex, CaseStatus


def case_for_reference(reference: str) -> CaseIndex:
    """The case-index row (with provider and assignee) or ``CaseIndex.DoesNotExist``."""
    return CaseIndex.objects.select_related("provider", "assignee").get(reference=reference)


def case_or_404(reference: str) -> CaseIndex:
    """The case-index row for ``reference``, or a 404 page that says the case does not exist."""
    try:
        return case_for_reference(reference)
    except CaseIndex.DoesNotExist:
        raise Http404(_("Deze zaak bestaat niet.")) from None


OPEN_STATUSES = tuple(status for status in CaseStatus if status != CaseStatus.CLOSED)


def open_case_count() -> Coalesce:
    """Open cases (offered or held) of the professional in the outer query."""
    counts = (
        CaseIndex.objects.filter(assignee_id=OuterRef("user_id"), status__in=OPEN_STATUSES)
        .order_by()
        .values("assignee_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def open_cases_of(professional: Professional) -> QuerySet[CaseIndex]:
    return (
        CaseIndex.objects.filter(assignee_id=professional.user_id, status__in=OPEN_STATUSES)
        .select_related("provider")
        .order_by("deadline", "received_at")
    )
