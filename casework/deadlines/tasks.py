"""Central periodic jobs over the public case index: deadline reminders and retention.

Celery beat runs each as one task in the public schema; each reads the case
index in one query and fans out (reminder e-mails through the outbox, the
retention work as one task per provider with its schema stamped). All are
safe to run twice.
"""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from casework.deadlines.first_contact import first_contact_reminder_send, first_contact_reminders_run
from casework.deadlines.letters import extension_notice_pdf
from casework.deadlines.reminders import deadline_reminder_send, deadline_reminders_run
from casework.deadlines.watch import calendar_expiry_warn, stalled_dossiers_flag
from casework.dossier.letters import _provider, letter_delivered, letter_issue, letter_notify
from casework.dossier.services import timeline_add
from casework.models import DeadlineExtension, Letter, Visibility
from outbox.services import TRANSIENT_ERRORS
from tenants.tenancy import require_tenant_schema


@shared_task(name="casework.tasks_deadlines.deadline_reminders_task", acks_late=True, ignore_result=True)
def deadline_reminders_task() -> int:
    """Daily: queue the reminders that apply today (before, on, and after each deadline)."""
    return deadline_reminders_run()


@shared_task(
    name="casework.tasks_deadlines.send_deadline_reminder",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=True,
)
def send_deadline_reminder(reminder_id: int) -> int:
    return deadline_reminder_send(reminder_id=reminder_id)


@shared_task(  # type: ignore[untyped-decorator]
    name="casework.tasks_deadlines.first_contact_reminders_task", acks_late=True, ignore_result=True
)
def first_contact_reminders_task() -> int:
    """Daily: remind the coordinators of first contacts due tomorrow, today, or lapsed."""
    return first_contact_reminders_run()


@shared_task(  # type: ignore[untyped-decorator]
    name="casework.tasks_deadlines.send_first_contact_reminder",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=True,
)
def send_first_contact_reminder(reminder_id: int) -> int:
    return first_contact_reminder_send(reminder_id=reminder_id)


@shared_task(
    name="casework.tasks_closing.send_extension_notice",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=True,
)
def send_extension_notice(extension_id: int) -> bool:
    """The reasoned written notice of an extension, as a PDF in the dossier, delivered once.

    With an e-mail address (and the e-mail channel chosen): an e-mail that the
    notice is ready, with the follow link. Otherwise the letter goes on the
    coordinator's print-and-post list, and counts as sent once posted.
    """
    require_tenant_schema()
    with transaction.atomic():
        extension = (
            DeadlineExtension.objects.select_for_update(of=("self",))
            .select_related("complaint")
            .get(pk=extension_id)
        )
        complaint = extension.complaint
        if extension.notice_sent_at is not None:
            return False
        letter, _made = letter_issue(
            complaint=complaint,
            kind=Letter.Kind.EXTENSION_NOTICE,
            pdf=extension_notice_pdf(provider=_provider(), complaint=complaint, extension=extension),
            extension=extension,
            by_post=extension.notice_channel == DeadlineExtension.NoticeChannel.LETTER,
        )
        if extension.notice_channel != DeadlineExtension.NoticeChannel.EMAIL or not letter_notify(
            complaint=complaint, letter=letter
        ):
            return False
        letter_delivered(letter)
        timeline_add(
            complaint=complaint,
            kind="extension_notice_sent",
            visibility=Visibility.ALL,
            data={"extension_id": extension.pk, "letter_id": letter.pk, "channel": "secure_link"},
        )
    return True


@shared_task(name="casework.tasks_deadlines.calendar_expiry_task", acks_late=True, ignore_result=True)  # type: ignore[untyped-decorator]
def calendar_expiry_task() -> int:
    """Daily: warn the platform admins when the known Atw decree days are about to run out."""
    return calendar_expiry_warn()


@shared_task(name="casework.tasks_deadlines.stalled_dossiers_task", acks_late=True, ignore_result=True)  # type: ignore[untyped-decorator]
def stalled_dossiers_task() -> int:
    """Weekly: flag open dossiers without activity for a year to the coordinators."""
    return len(stalled_dossiers_flag())
