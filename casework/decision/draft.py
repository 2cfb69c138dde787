"""The answer the complaint handler prepares before the decision maker records it.

A draft is the handler's work, not the provider's decision: saving it sends
nothing and stops no clock. The decision maker's form starts from it, and
only the decision maker records and signs (``casework.decision.services``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.dossier.access_log import Accessor, access_log_change
from casework.dossier.locking import case_lock
from casework.dossier.services import timeline_add
from casework.models import Complaint, Decision, DecisionDraft, TimelineEntry
from tenants.clusters import schema_context
from tenants.models import Provider
from tenants.tenancy import require_tenant_schema

MAX_PART = 20_000


def decision_draft_save(
    *,
    provider: Provider,
    complaint_id: int,
    accessor: Accessor,
    conclusion: str,
    decisions_taken: str,
    measures_timeframe: str,
) -> DecisionDraft:
    """Keep the prepared answer (replacing the previous draft) for the decision maker.

    Guarantees: only while no decision is recorded; the draft, a timeline
    entry for the provider and Klachtpunt (naming the step, not the text) and
    the access-log entry commit together.
    """
    with schema_context(provider.schema_name), transaction.atomic():
        require_tenant_schema()
        _case, complaint = case_lock(provider=provider, complaint_id=complaint_id)
        if Decision.objects.filter(complaint=complaint).exists():
            raise ValidationError(_("Op deze klacht is al een oordeel vastgelegd."), code="decided")
        draft, created = DecisionDraft.objects.update_or_create(
            complaint=complaint,
            defaults={
                "conclusion": conclusion.strip()[:MAX_PART],
                "decisions_taken": decisions_taken.strip()[:MAX_PART],
                "measures_timeframe": measures_timeframe.strip()[:MAX_PART],
                "updated_at": timezone.now(),
                "updated_by_user_id": accessor.user_id,
                "updated_by_label": accessor.user_label,
            },
        )
        timeline_add(
            complaint=complaint,
            kind="decision_drafted",
            data={"created": created},
            visibility=TimelineEntry.Visibility.PROVIDER,
            actor_user_id=accessor.user_id,
            actor_label=accessor.user_label,
        )
        access_log_change(provider=provider, accessor=accessor, complaint=complaint, subject="decision_draft")
    return draft


def decision_draft_of(*, complaint: Complaint) -> DecisionDraft | None:
    return DecisionDraft.objects.filter(complaint=complaint).first()


def draft_initial(*, complaint: Complaint) -> dict[str, Any]:
    """The decision form's starting values: today's date and the prepared answer, if any."""
    initial: dict[str, Any] = {"decided_on": timezone.localdate()}
    draft = decision_draft_of(complaint=complaint)
    if draft is not None:
        initial.update(
            conclusion=draft.conclusion,
            decisions_taken=draft.decisions_taken,
            measures_timeframe=draft.measures_timeframe,
        )
    return initial
