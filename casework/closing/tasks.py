"""E-mails about deadlines, decisions and closing, and the retention job's per-provider step.

Each task runs in the dossier's schema (the outbox stamps it), loads its
row by id, and is safe to run twice: the row records when its e-mail left.
Letters are PDFs kept in the dossier; the e-mail only says a document is
ready and links to where the complainant downloads it after proving who they
are (casework.dossier.letters); without an e-mail address they go on the
coordinator's print-and-post list.
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.db import transaction

from casework.closing.letters import closing_letter_pdf
from casework.closing.retention import retention_run
from casework.dossier.letters import _provider, letter_delivered, letter_issue, letter_notify
from casework.dossier.services import timeline_add
from casework.models import ClosingNotice, Letter, Visibility
from outbox.services import TRANSIENT_ERRORS
from tenants.tenancy import require_tenant_schema


@shared_task(name="casework.tasks_deadlines.retention_task", acks_late=True, ignore_result=True)
def retention_task() -> int:
    """Nightly: hand each provider with closed dossiers past retention to its own task."""
    return retention_run()


@shared_task(
    name="casework.tasks_closing.send_closing_letter",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=True,
)
def send_closing_letter(closing_id: int) -> bool:
    """Keep the closing letter's PDF in the dossier and deliver it (once): secure link, or the post list."""
    require_tenant_schema()
    with transaction.atomic():
        closing = (
            ClosingNotice.objects.select_for_update(of=("self",))
            .select_related("complaint")
            .get(pk=closing_id)
        )
        complaint = closing.complaint
        if closing.sent_at is not None:
            return False
        letter, _made = letter_issue(
            complaint=complaint,
            kind=Letter.Kind.CLOSING,
            pdf=closing_letter_pdf(provider=_provider(), complaint=complaint, closing=closing),
            closing=closing,
        )
        if not letter_notify(complaint=complaint, letter=letter):
            return False
        letter_delivered(letter)
        timeline_add(
            complaint=complaint,
            kind="closing_letter_sent",
            visibility=Visibility.COMPLAINANT,
            data={"closing_id": closing.pk, "letter_id": letter.pk, "channel": "secure_link"},
        )
    return True


@shared_task(
    name="casework.tasks_closing.retention_reduce_tenant",
    acks_late=True,
    max_retries=3,
    default_retry_delay=60,
)
def retention_reduce_tenant(now: str) -> int:
    """The retention job's step for one provider (its schema stamped): reduce every dossier now due."""
    from casework.closing.retention import retention_reduce_provider

    require_tenant_schema()
    return retention_reduce_provider(provider=_provider(), now=datetime.datetime.fromisoformat(now))
