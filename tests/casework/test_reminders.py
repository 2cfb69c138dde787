"""Deadline reminders: one central job over the case index, each reminder exactly once."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from casework.deadlines.first_contact import first_contact_reminder_send, first_contact_reminders_run
from casework.deadlines.reminders import deadline_reminder_send, deadline_reminders_run, reminders_due
from casework.deadlines.tasks import deadline_reminders_task, first_contact_reminders_task
from casework.index.models import CaseIndex, DeadlineReminder
from outbox.models import OutboxMessage
from tests.casework.accessors import STAFF
from tests.casework.factories import WHAT_HAPPENED, submit
from tests.casework.factories_decision import formal_complaint, record_decision
from tests.support import World

pytestmark = pytest.mark.django_db


def with_deadline(world: World, days_from_today: int) -> CaseIndex:
    complaint, case = formal_complaint(world.alpha)
    deadline = timezone.localdate() + datetime.timedelta(days=days_from_today)
    CaseIndex.objects.filter(pk=case.pk).update(deadline=deadline)
    case.deadline = deadline
    case.complaint = complaint  # type: ignore[attr-defined]
    return case


def test_running_the_job_twice_sends_each_reminder_once(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    case = with_deadline(world, 3)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_reminders_run() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_reminders_run() == 0
        assert deadline_reminders_task.apply().get() == 0  # as beat runs it
    [reminder] = DeadlineReminder.objects.filter(case=case)
    assert reminder.kind == "before" and reminder.deadline == case.deadline and reminder.sent_at is not None
    # The provider's decision maker (the world's admin also decides) is told: the reference and a
    # link, nothing of the complaint.
    [message] = mail.outbox
    assert message.to == [world.alpha_admin.email]
    assert case.reference in message.subject
    assert f"http://alpha.localhost:8000/klachten/{case.reference}/" in message.body
    assert WHAT_HAPPENED not in message.body and "Jan Jansen" not in message.body
    # A task delivered twice sends nothing the second time.
    assert deadline_reminder_send(reminder_id=reminder.pk) == 0
    assert len(mail.outbox) == 1
    assert (
        OutboxMessage.objects.filter(task_name="casework.tasks_deadlines.send_deadline_reminder").count() == 1
    )


def test_a_moved_deadline_gets_a_new_reminder(world: World) -> None:
    case = with_deadline(world, 3)
    assert deadline_reminders_run() == 1
    later = timezone.localdate() + datetime.timedelta(days=5)
    CaseIndex.objects.filter(pk=case.pk).update(deadline=later)
    assert deadline_reminders_run() == 1
    assert sorted(DeadlineReminder.objects.filter(case=case).values_list("deadline", flat=True)) == [
        case.deadline,
        later,
    ]


def test_reminder_on_the_deadline_and_escalation_when_overdue(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    due_today = with_deadline(world, 0)
    overdue = with_deadline(world, -2)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_reminders_run() == 2
    kinds = dict(DeadlineReminder.objects.values_list("case__reference", "kind"))
    assert kinds == {due_today.reference: "due", overdue.reference: "overdue"}
    # Escalation: to the provider's decision makers and to Klachtpunt's coordinator.
    escalations = {m.to[0]: m for m in mail.outbox if overdue.reference in m.subject}
    assert set(escalations) == {world.coordinator.email, world.alpha_admin.email}
    assert (
        f"http://localhost:8000/werkplek/zaken/{overdue.reference}/"
        in escalations[world.coordinator.email].body
    )
    assert (
        f"http://alpha.localhost:8000/klachten/{overdue.reference}/"
        in escalations[world.alpha_admin.email].body
    )
    on_the_day = next(m for m in mail.outbox if due_today.reference in m.subject)
    assert on_the_day.to == [world.alpha_admin.email]


def test_no_reminders_once_decided_or_far_away(world: World) -> None:
    far = with_deadline(world, 20)
    decided = with_deadline(world, 2)
    record_decision(world.alpha, decided.complaint, world.alpha_admin)  # type: ignore[attr-defined]
    assert deadline_reminders_run() == 0
    assert not DeadlineReminder.objects.filter(case__in=[far, decided]).exists()


def test_reminder_that_became_moot_is_closed_without_mail(world: World) -> None:
    case = with_deadline(world, 1)
    deadline_reminders_run()
    reminder = DeadlineReminder.objects.get(case=case)
    CaseIndex.objects.filter(pk=case.pk).update(deadline=case.deadline + datetime.timedelta(days=10))
    mail.outbox.clear()
    assert deadline_reminder_send(reminder_id=reminder.pk) == 0
    assert mail.outbox == []
    reminder.refresh_from_db()
    assert reminder.sent_at is not None


def test_due_cases_are_found_in_one_query_whatever_the_number_of_providers(
    world: World, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for provider in (world.alpha, world.beta, world.alpha):
        _complaint, case = formal_complaint(provider)
        CaseIndex.objects.filter(pk=case.pk).update(deadline=timezone.localdate())
    submit(world.beta)  # informal: no deadline
    reminders_due(today=timezone.localdate())  # the connection settles back on the public schema first
    with django_assert_num_queries(1):
        due = reminders_due(today=timezone.localdate())
    assert len(due) == 3


def test_overdue_decisions_are_escalated_to_the_decision_makers_and_the_coordinator(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from casework.deadlines.reminders import decision_makers

    overdue = with_deadline(world, -1)
    assert list(decision_makers(world.alpha.pk)) == [world.alpha_admin]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        deadline_reminders_run()
    assert {m.to[0] for m in mail.outbox if overdue.reference in m.subject} == {
        world.coordinator.email,
        world.alpha_admin.email,
    }


def test_reminders_continue_until_a_decision_withdrawal_or_referral(world: World) -> None:
    from casework.closing.services import case_close
    from casework.index.models import Outcome

    case = with_deadline(world, -1)
    today = timezone.localdate()
    assert deadline_reminders_run(today=today) == 1
    # Closing without a decision is refused, so the case stays watched...
    with pytest.raises(ValidationError):
        case_close(
            accessor=STAFF,
            provider=world.alpha,
            complaint_id=case.case_id,
            actor=world.coordinator,
            outcome=Outcome.RESOLVED,
        )
    # ...and the escalation repeats every week while the decision is overdue.
    assert deadline_reminders_run(today=today) == 0
    assert deadline_reminders_run(today=today + datetime.timedelta(days=7)) == 1
    assert deadline_reminders_run(today=today + datetime.timedelta(days=14)) == 1
    rounds = sorted(
        DeadlineReminder.objects.filter(case=case, kind="overdue").values_list("round", flat=True)
    )
    assert rounds == [0, 1, 2]
    # A recorded withdrawal ends it.
    case_close(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=case.case_id,
        actor=world.coordinator,
        outcome=Outcome.WITHDRAWN,
        evidence="Brief van de klager: klacht ingetrokken.",
    )
    assert deadline_reminders_run(today=today + datetime.timedelta(days=21)) == 0


def test_reminders_go_to_the_decision_makers_not_to_an_admin_who_reads_no_dossier(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from accounts.services import user_create
    from tenants.models import ProviderRole
    from tenants.services import membership_grant
    from tests.support import PASSWORD

    only_admin = user_create(email="alleen.beheer@alpha.test", password=PASSWORD)
    membership_grant(user=only_admin, provider=world.alpha, roles=[ProviderRole.ADMIN])
    decider = user_create(email="bestuurder@alpha.test", password=PASSWORD)
    membership_grant(user=decider, provider=world.alpha, roles=[ProviderRole.DECISION_MAKER])
    with_deadline(world, 3)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_reminders_run() == 1
    told = sorted(address for message in mail.outbox for address in message.to)
    assert told == sorted([world.alpha_admin.email, decider.email])


# First contact (five working days after receipt, as the acknowledgement promises)


def with_first_contact_due(world: World, days_from_today: int) -> CaseIndex:
    complaint = submit(world.alpha).complaint
    case = CaseIndex.objects.get(provider=world.alpha, case_id=complaint.pk)
    due = timezone.localdate() + datetime.timedelta(days=days_from_today)
    CaseIndex.objects.filter(pk=case.pk).update(first_contact_due=due)
    case.first_contact_due = due
    return case


def test_first_contact_is_reminded_the_day_before_on_the_day_and_once_lapsed_to_the_coordinators(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    tomorrow = with_first_contact_due(world, 1)
    today = with_first_contact_due(world, 0)
    lapsed = with_first_contact_due(world, -3)
    later = with_first_contact_due(world, 2)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert first_contact_reminders_run() == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert first_contact_reminders_run() == 0
        assert first_contact_reminders_task.apply().get() == 0  # as beat runs it
    kinds = dict(DeadlineReminder.objects.values_list("case__reference", "kind"))
    assert kinds == {tomorrow.reference: "fc_before", today.reference: "fc_due", lapsed.reference: "fc_late"}
    assert later.reference not in kinds
    assert {m.to[0] for m in mail.outbox} == {world.coordinator.email}
    late_mail = next(m for m in mail.outbox if lapsed.reference in m.subject)
    assert "Eerste contact te laat" in late_mail.subject
    assert f"http://localhost:8000/werkplek/zaken/{lapsed.reference}/" in late_mail.body
    assert WHAT_HAPPENED not in late_mail.body and "Jan Jansen" not in late_mail.body


def test_first_contact_made_stops_its_reminders(world: World) -> None:
    case = with_first_contact_due(world, 0)
    assert first_contact_reminders_run() == 1
    reminder = DeadlineReminder.objects.get(case=case)
    CaseIndex.objects.filter(pk=case.pk).update(first_contact_at=timezone.now())
    mail.outbox.clear()
    assert first_contact_reminder_send(reminder_id=reminder.pk) == 0
    assert mail.outbox == []
    reminder.refresh_from_db()
    assert reminder.sent_at is not None
    assert first_contact_reminders_run() == 0
