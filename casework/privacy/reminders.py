"""Reminders on the DPO's clocks: a request's month (art. 12(3)) and a breach's 72 hours (art. 33(1)).

``privacy_reminders_run`` is one periodic job: one query over the case index
finds the open requests and breaches whose clock is near or past, the
reminder that applies now is inserted into ``DeadlineReminder`` (its unique
constraint on case, kind and deadline makes a second run insert nothing), and
only the new rows get an outbox row in the same transaction. A breach's
reminders come at 48, 24 and 6 hours left and when the 72 hours run out, so
the job runs every quarter of an hour. E-mails carry the reference and a
link, nothing of the request or breach itself.
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

from accounts.models import PlatformRole, Qualification, User
from casework.deadlines.reminders import reminders_insert
from casework.index.models import CaseIndex, CaseKind, CaseStatus, DeadlineReminder
from reference import avg_terms
from tenants.hosts import platform_url

log = structlog.get_logger(__name__)

Kind = DeadlineReminder.Kind
HOUR_KINDS = {48: Kind.HOURS_48, 24: Kind.HOURS_24, 6: Kind.HOURS_6, 0: Kind.HOURS_0}


def privacy_reminders_due(*, now: datetime.datetime) -> list[tuple[int, str, datetime.date]]:
    """(case id, kind, deadline) for every reminder that applies now, in one query."""
    today = timezone.localdate(now)
    rows = (
        CaseIndex.every_kind.filter(
            kind__in=(CaseKind.DSR, CaseKind.BREACH), decided_on__isnull=True, deadline__isnull=False
        )
        .exclude(status=CaseStatus.CLOSED)
        .filter(deadline__lte=today + datetime.timedelta(days=avg_terms.REQUEST_REMINDER_DAYS))
        .values_list("pk", "kind", "deadline", "received_at")
    )
    due: list[tuple[int, str, datetime.date]] = []
    for pk, kind, deadline, received_at in rows:
        if deadline is None:
            continue
        reminder: str | None
        if kind == CaseKind.BREACH:
            point = avg_terms.breach_reminder_point(received_at, now)
            reminder = str(HOUR_KINDS[point]) if point is not None else None
        else:
            reminder = avg_terms.request_reminder_kind(deadline, today)
        if reminder is not None:
            due.append((pk, reminder, deadline))
    return due


def privacy_reminders_run(*, now: datetime.datetime | None = None) -> int:
    """Insert the reminders that apply now (each once, ever) and queue their e-mails; returns the new ones."""
    now = now or timezone.now()
    due = privacy_reminders_due(now=now)
    new = reminders_insert(
        due=[(pk, kind, deadline, 0) for pk, kind, deadline in due],
        task_name="casework.privacy.tasks.send_privacy_reminder",
        now=now,
    )
    log.info("privacy_reminders_queued", due=len(due), new=new)
    return new


def _dpos() -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            roles__contains=[PlatformRole.PROFESSIONAL],
            professional__active=True,
            professional__qualifications__contains=[Qualification.DPO],
        )
    )


def privacy_reminder_send(*, reminder_id: int) -> int:
    """E-mail one reminder (once) to the assigned DPO, or every DPO while nobody has taken it."""
    with transaction.atomic():
        reminder = (
            DeadlineReminder.objects.select_for_update(of=("self",))
            .select_related("case", "case__assignee")
            .get(pk=reminder_id)
        )
        if reminder.sent_at is not None:
            return 0
        case = reminder.case
        moot = (
            case.status == CaseStatus.CLOSED
            or case.decided_on is not None
            or case.deadline != reminder.deadline
        )
        recipients: list[User] = []
        if not moot:
            assignee = case.assignee
            recipients = [assignee] if assignee is not None and assignee.is_active else _dpos()
        url = platform_url(
            reverse("privacy_case", args=[case.reference], urlconf=settings.PUBLIC_SCHEMA_URLCONF)
        )
        for user in recipients:
            context = {
                "reference": case.reference,
                "kind": reminder.kind,
                "deadline": reminder.deadline,
                "url": url,
            }
            with translation.override(user.preferred_language or "nl"):
                subject = render_to_string("casework/email/privacy_reminder_subject.txt", context).strip()
                body = render_to_string("casework/email/privacy_reminder_body.txt", context)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        reminder.sent_at = timezone.now()
        reminder.recipients = len(recipients)
        reminder.save(update_fields=["sent_at", "recipients"])
    log.info(
        "privacy_reminder_sent", reference=case.reference, kind=reminder.kind, recipients=len(recipients)
    )
    return len(recipients)
