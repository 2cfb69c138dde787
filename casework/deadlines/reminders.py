"""Deadline reminders: before the deadline, on it, and escalation once it has passed.

``deadline_reminders_run`` is the central periodic job. One query over the
case index (whatever the number of providers) finds the open, consented,
undecided cases whose deadline is within ``REMINDER_DAYS_BEFORE`` days or
past; for each, the reminder that applies today (``reference.deadline_rules.
reminder_kind``) is inserted into ``DeadlineReminder``, whose unique
constraint on (case, kind, deadline) makes a second run, a restart or a
concurrent run insert nothing. Only the rows actually inserted get an outbox
row, in the same transaction, so each reminder is e-mailed exactly once; the
send task records ``sent_at`` for a task that is delivered twice.

Who hears: for a committee case under the Wzd or the Wvggz, where the
committee's decision binds and the term is the committee's own, the panel (and
the professional holding the case; the coordinators once overdue), never the
provider. Otherwise: before and on the deadline, the provider's decision makers (who
owe the decision) and the assigned professional; once overdue, the escalation
goes to the provider's decision makers, the coordinators and the assigned
professional. Reminders run until the case has a decision or is closed, and a
formal complaint closes only with a decision, a recorded withdrawal or a
recorded referral (``casework.deadlines.services.closing_basis``). E-mails carry
the reference and a link only.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import PlatformRole, User
from casework.dossier.panel import panel_user_ids
from casework.index.models import CaseIndex, CaseStatus, Consent, DeadlineReminder, Service
from outbox.services import outbox_enqueue
from reference import deadline_rules as deadlines
from reference.dates import today_amsterdam
from tenants.hosts import platform_url, provider_url
from tenants.models import ProviderRole

log = structlog.get_logger(__name__)

Kind = DeadlineReminder.Kind


def reminders_due(*, today: datetime.date) -> list[tuple[int, str, datetime.date, int]]:
    """(case id, kind, deadline, round) for every reminder that applies today, in one query."""
    rows = (
        CaseIndex.objects.filter(
            deadline__isnull=False,
            deadline__lte=today + datetime.timedelta(days=deadlines.REMINDER_DAYS_BEFORE),
            decided_on__isnull=True,
            consent=Consent.GIVEN,
        )
        .exclude(status=CaseStatus.CLOSED)
        .values_list("pk", "deadline")
    )
    due = []
    for pk, deadline in rows:
        if deadline is None:  # excluded by the query; keeps the types honest
            continue
        kind = deadlines.reminder_kind(deadline, today)
        if kind is not None:
            due.append((pk, kind, deadline, deadlines.reminder_round(deadline, today)))
    return due


def deadline_reminders_run(*, today: datetime.date | None = None) -> int:
    """Insert today's reminders (each once, ever) and queue their e-mails; returns how many are new."""
    today = today or today_amsterdam()
    due = reminders_due(today=today)
    new = reminders_insert(due=due, task_name="casework.tasks_deadlines.send_deadline_reminder")
    log.info("deadline_reminders_queued", due=len(due), new=new)
    return new


def reminders_insert(
    *,
    due: Sequence[tuple[int, str, datetime.date, int]],
    task_name: str,
    now: datetime.datetime | None = None,
) -> int:
    """Insert the ``(case id, kind, deadline, round)`` reminders not yet there; queue ``task_name`` for each.

    The unique key refuses a second row for the same reminder, whichever job or
    process runs twice, so each is sent once; the outbox rows commit with them.
    Shared by the statutory deadlines and the dpo service's clocks.
    """
    if not due:
        return 0
    table = DeadlineReminder._meta.db_table
    now = now or timezone.now()
    with transaction.atomic():
        placeholders = ", ".join(["(%s, %s, %s, %s, %s, 0)"] * len(due))
        params: list[object] = []
        for pk, kind, deadline, round_ in due:
            params += [pk, kind, deadline, round_, now]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (case_id, kind, deadline, round, created_at, recipients) "  # noqa: S608  # nosec B608  # table name from the model, values are parameters
                f"VALUES {placeholders} ON CONFLICT (case_id, kind, deadline, round) DO NOTHING RETURNING id",
                params,
            )
            new_ids = [row[0] for row in cursor.fetchall()]
        for reminder_id in new_ids:
            outbox_enqueue(task_name=task_name, kwargs={"reminder_id": reminder_id}, schema_name="public")
    return len(new_ids)


@dataclass(frozen=True)
class _Recipient:
    email: str
    language: str
    url: str


def _platform_path(name: str, *args: str) -> str:
    return platform_url(reverse(name, args=args, urlconf=settings.PUBLIC_SCHEMA_URLCONF))


def decision_makers(provider_id: int) -> QuerySet[User]:
    """The people at the provider who owe the decision: the one place that picks them.

    Members with the decision-maker role (who decide and extend, and may read the
    dossier the reminder links to); an admin without it sees no dossier.
    """
    return User.objects.filter(
        provider_memberships__provider_id=provider_id,
        provider_memberships__roles__contains=[ProviderRole.DECISION_MAKER],
        is_active=True,
    )


def _recipients(reminder: DeadlineReminder) -> list[_Recipient]:
    case = reminder.case
    found: dict[str, _Recipient] = {}

    def add(users: object, url: str) -> None:
        for user in users:  # type: ignore[attr-defined]
            found.setdefault(user.email.lower(), _Recipient(user.email, user.preferred_language or "nl", url))

    coordinators = User.objects.filter(roles__contains=[PlatformRole.COORDINATOR], is_active=True)
    if case.service == Service.COMMITTEE and deadlines.committee_decision_binds(case.law):
        # Wzd/Wvggz: the term is the committee's own, so its reminders go to the panel (and the
        # professional holding the case), never to the provider, who does not decide here.
        if reminder.kind == Kind.OVERDUE:
            add(coordinators, _platform_path("case_dossier", case.reference))
        panel = panel_user_ids(provider=case.provider, complaint_id=case.case_id)
        add(
            User.objects.filter(pk__in=panel, is_active=True).order_by("pk"),
            _platform_path("case_panel", case.reference),
        )
        if case.assignee is not None and case.assignee.is_active:
            add([case.assignee], _platform_path("my_cases"))
        if not found:
            add(coordinators, _platform_path("case_dossier", case.reference))
        return list(found.values())
    if reminder.kind == Kind.OVERDUE:
        # Escalation: the provider's decision makers and Klachtpunt's coordinators.
        add(coordinators, _platform_path("case_dossier", case.reference))
    add(decision_makers(case.provider_id), provider_url(case.provider, f"/klachten/{case.reference}/"))
    if case.assignee_id and case.assignee.is_active:
        add([case.assignee], _platform_path("my_cases"))
    if not found:
        # Nobody at the provider to tell: the coordinators watch the deadline instead.
        add(coordinators, _platform_path("case_dossier", case.reference))
    return list(found.values())


def deadline_reminder_send(*, reminder_id: int) -> int:
    """E-mail one reminder (once); a reminder that became moot is closed without e-mail."""
    with transaction.atomic():
        reminder = (
            DeadlineReminder.objects.select_for_update(of=("self",))
            .select_related("case", "case__provider", "case__assignee")
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
        recipients = [] if moot else _recipients(reminder)
        for recipient in recipients:
            context = {
                "reference": case.reference,
                "deadline": reminder.deadline,
                "kind": reminder.kind,
                "days_left": (reminder.deadline - today_amsterdam()).days,
                "url": recipient.url,
            }
            with translation.override(recipient.language):
                subject = render_to_string("casework/email/deadline_reminder_subject.txt", context).strip()
                body = render_to_string("casework/email/deadline_reminder_body.txt", context)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
        reminder.sent_at = timezone.now()
        reminder.recipients = len(recipients)
        reminder.save(update_fields=["sent_at", "recipients"])
    log.info(
        "deadline_reminder_sent", reference=case.reference, kind=reminder.kind, recipients=len(recipients)
    )
    return len(recipients)
