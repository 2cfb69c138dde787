"""The one lock order for an action on a case: the case-index row first, then the dossier.

Every action that changes a case takes its row locks through ``case_lock``,
inside its ``transaction.atomic()``:

1. the case-index row (``CaseIndex``, public schema), then
2. the dossier (``Complaint``, the provider's schema).

Why this order: the index row is the case's public handle. Assignment and
the time ledger work from it alone (they may lock it without ever touching
the dossier), and ``index_sync``, which every dossier action ends with,
UPDATEs it, which takes its row lock too. An action that locked the dossier
first and the index row second (explicitly or through ``index_sync``) could
wait on an assignment that holds the index row and waits on the dossier:
PostgreSQL breaks such a cycle by killing one transaction with a deadlock
error. With one order there is no cycle; the second action simply waits.

Locks taken after these two (a meeting, a measure, the professional's
directory row) come later and never before.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from casework.index.models import CaseIndex
from casework.models import Complaint
from tenants.models import Provider
from tenants.tenancy import require_tenant_schema


def case_lock(
    *,
    provider: Provider,
    complaint_id: int,
    complaints: QuerySet[Complaint] | None = None,
) -> tuple[CaseIndex, Complaint]:
    """Lock ``complaint_id``'s case-index row, then its dossier; return both, locked.

    Call inside the action's ``transaction.atomic()`` and the provider's
    schema. ``complaints`` narrows where the dossier is looked up (the
    provider's consent gate, say): a dossier outside it raises
    ``Complaint.DoesNotExist`` as if it did not exist.
    """
    require_tenant_schema()
    if not connection.in_atomic_block:
        raise RuntimeError("case_lock must be called inside transaction.atomic()")
    case = (
        CaseIndex.objects.select_for_update(of=("self",))
        .select_related("provider")
        .get(provider=provider, case_id=complaint_id)
    )
    source = complaints if complaints is not None else Complaint.objects.all()
    complaint = source.select_for_update(of=("self",)).select_related("category").get(pk=complaint_id)
    return case, complaint
