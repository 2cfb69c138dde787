"""Delivering the provider's decision to the complainant (Celery; task names pinned)."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from casework.decision.pdf import decision_pdf
from casework.dossier.letters import _provider, letter_delivered, letter_issue, letter_notify
from casework.dossier.services import timeline_add
from casework.models import Decision, Letter, Visibility
from outbox.services import TRANSIENT_ERRORS
from tenants.tenancy import require_tenant_schema


@shared_task(
    name="casework.tasks_closing.send_decision",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=True,
)
def send_decision(decision_id: int) -> bool:
    """Keep the decision's PDF in the dossier and deliver it through the secure channel (once).

    With an e-mail address: an e-mail that the document is ready, with the
    follow link (no attachment, no complaint text). Without one: the letter
    goes on the coordinator's print-and-post list.
    """
    require_tenant_schema()
    with transaction.atomic():
        decision = (
            Decision.objects.select_for_update(of=("self",)).select_related("complaint").get(pk=decision_id)
        )
        complaint = decision.complaint
        if decision.sent_at is not None:
            return False
        letter, _made = letter_issue(
            complaint=complaint,
            kind=Letter.Kind.DECISION,
            pdf=decision_pdf(provider=_provider(), complaint=complaint, decision=decision),
            decision=decision,
        )
        if not letter_notify(complaint=complaint, letter=letter):
            return False
        letter_delivered(letter)
        timeline_add(
            complaint=complaint,
            kind="decision_sent",
            visibility=Visibility.ALL,
            data={"decision_id": decision.pk, "letter_id": letter.pk, "channel": "secure_link"},
        )
    return True
