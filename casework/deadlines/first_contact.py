"""First-contact reminders: the acknowledgement promises contact within five working days.

``first_contact_reminders_run`` is a daily job. One query over the case index
finds the open complaints without a first contact whose target
(``CaseIndex.first_contact_due``) is tomorrow, today or past; each gets one
reminder of the kind that applies today, inserted through the deadline
reminders' table (``reminders_insert``: once per case, kind and target, however
often the job runs). The coordinators hear, with the assigned professional if
there is one. A reminder whose first contact was made before it left is closed
without e-mail. E-mails carry the reference and a link only.
"""

from __future__ import annotations

import datetime

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import PlatformRole, User
from casework.deadlines.reminders import reminders_insert
from casework.index.models import CaseIndex, CaseStatus, DeadlineReminder
from reference.dates import today_amsterdam
from tenants.hosts import platform_url

log = structlog.get_logger(__name__)

Kind = DeadlineReminder.Kind
FIRST_CONTACT_KINDS = (Kind.FIRST_CONTACT_BEFORE, Kind.FIRST_CONTACT_DUE, Kind.FIRST_CONTACT_LATE)


def first_contact_reminder_kind(due: datetime.date, today: datetime.date) -> str | None:
    """The reminder that applies today: the day before the target, on it, or once it has lapsed."""
    left = (due - today).days
    if left < 0:
        return Kind.FIRST_CONTACT_LATE
    if left == 0:
        return Kind.FIRST_CONTACT_DUE
    if left == 1:
        return Kind.FIRST_CONTACT_BEFORE
    return None


def first_contact_reminders_due(*, today: datetime.date) -> list[tuple[int, str, datetime.date, int]]:
    """(case id, kind, target, round 0) for each first contact to remind of today, in one query."""
    rows = (
        CaseIndex.objects.filter(
            first_contact_due__isnull=False,
            first_contact_due__lte=today + datetime.timedelta(days=1),
            first_contact_at__isnull=True,
        )
        .exclude(status=CaseStatus.CLOSED)
        .values_list("pk", "first_contact_due")
    )
    due = []
    for pk, target in rows:
        if target is None:  # excluded by the query; keeps the types honest
            continue
        kind = first_contact_reminder_kind(target, today)
        if kind is not None:
            due.append((pk, kind, target, 0))
    return due


def first_contact_reminders_run(*, today: datetime.date | None = None) -> int:
    """Insert today's first-contact reminders (each once, ever) and queue their e-mails; how many are new."""
    today = today or today_amsterdam()
    due = first_contact_reminders_due(today=today)
    new = reminders_insert(due=due, task_name="casework.tasks_deadlines.send_first_contact_reminder")
    log.info("first_contact_reminders_queued", due=len(due), new=new)
    return new


def first_contact_reminder_send(*, reminder_id: int) -> int:
    """E-mail one first-contact reminder to the coordinators (once); moot once the contact was made."""
    with transaction.atomic():
        reminder = (
            DeadlineReminder.objects.select_for_update(of=("self",))
            .select_related("case", "case__assignee")
            .get(pk=reminder_id, kind__in=FIRST_CONTACT_KINDS)
        )
        if reminder.sent_at is not None:
            return 0
        case = reminder.case
        moot = (
            case.status == CaseStatus.CLOSED
            or case.first_contact_at is not None
            or case.first_contact_due != reminder.deadline
        )
        recipients: dict[str, User] = {}
        if not moot:
            coordinators = User.objects.filter(roles__contains=[PlatformRole.COORDINATOR], is_active=True)
            assignee = [case.assignee] if case.assignee is not None and case.assignee.is_active else []
            for user in [*coordinators, *assignee]:
                recipients.setdefault(user.email.lower(), user)
        url = platform_url(
            reverse("case_dossier", args=[case.reference], urlconf=settings.PUBLIC_SCHEMA_URLCONF)
        )
        for user in recipients.values():
            context = {
                "reference": case.reference,
                "due": reminder.deadline,
                "kind": reminder.kind,
                "url": url,
            }
            with translation.override(user.preferred_language or "nl"):
                subject = render_to_string(
                    "casework/email/first_contact_reminder_subject.txt", context
                ).strip()
                body = render_to_string("casework/email/first_contact_reminder_body.txt", context)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        reminder.sent_at = timezone.now()
        reminder.recipients = len(recipients)
        reminder.save(update_fields=["sent_at", "recipients"])
    log.info(
        "first_contact_reminder_sent",
        reference=case.reference,
        kind=reminder.kind,
        recipients=len(recipients),
    )
    return len(recipients)
