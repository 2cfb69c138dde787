"""One lock order for every action on a case (casework.dossier.locking.case_lock).

Two different actions on one case, run at the same moment in threads, each on
its own real database connection and committing for real: assigning the case
(which works from the case-index row) and extending its deadline or recording
the intake call (which work from the dossier). Before ``case_lock`` the first
locked index-then-dossier and the others dossier-then-index, which PostgreSQL
ends with a deadlock error; ``test_the_old_mixed_order_deadlocks`` shows that
it does, with the same two rows.

These tests need committed rows, and ``transactional_db`` would flush the
session's world: so the test runs in pytest-django's rolled-back transaction
as usual, and everything that must commit (making the case, the actions,
removing what was made) runs in threads of its own, each on its own
connection in autocommit, as a web process would. The access log is append-only, so its rows stay; tests that
read it mark where they start (``procedure_support.access_log_mark``).
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import pytest
from celery._state import _set_task_join_will_block, task_join_will_block
from django.db import OperationalError, connections, transaction
from django.utils import timezone

from accounts.models import Qualification, User
from casework.assignment.services import assignment_decline, case_assign
from casework.deadlines.services import ConsentEvidence, deadline_extend
from casework.dossier.locking import case_lock
from casework.index.models import Assignment, CaseIndex, Service, Track
from casework.models import Complaint, DeadlineExtension, TimelineEntry
from casework.triage.services import intake_call_record
from outbox.models import OutboxMessage
from reference.deadline_rules import complaint_deadline
from tenants.clusters import schema_context
from tests.casework.factories import submission, submit
from tests.casework.factories_professionals import make_professional
from tests.casework.procedure_support import staff_accessor
from tests.support import World

# Committed rows in the shared session world: keep these tests on one xdist worker, apart.
pytestmark = [pytest.mark.xdist_group("committed"), pytest.mark.django_db]

T = TypeVar("T")

ROUNDS = 30
JOIN_SECONDS = 120


@dataclass
class CommittedCase:
    world: World
    case: CaseIndex
    professionals: list[User]
    first_deadline: datetime.date


def _committed(action: Callable[[], T]) -> T:
    """Run ``action`` in a thread of its own: its own connection, in autocommit, so what it writes commits.

    The test itself runs inside pytest-django's rolled-back transaction; the
    threads' connections do not, as a web process's would not.
    """
    results: list[T] = []
    errors = _run_together(lambda: results.append(action()))
    if errors:
        raise errors[0]
    return results[0]


@pytest.fixture
def committed_case(world: World) -> Iterator[CommittedCase]:
    """A formal, consented case routed to the officer, and officers for it: committed, then removed."""

    def make() -> tuple[int, CaseIndex, list[User], datetime.date | None]:
        outbox_mark = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        result = submit(world.alpha, submission=submission(track=Track.FORMAL))
        CaseIndex.objects.filter(provider=world.alpha, case_id=result.complaint.pk).update(
            service=Service.OFFICER, status="intake"
        )
        case = CaseIndex.objects.select_related("provider").get(
            provider=world.alpha, case_id=result.complaint.pk
        )
        # One officer per round: whoever declined a case is not offered it again.
        professionals = [
            make_professional(qualifications=[Qualification.OFFICER]).user for _ in range(ROUNDS)
        ]
        with schema_context(world.alpha.schema_name):
            first_deadline = complaint_deadline(Complaint.objects.get(pk=case.case_id))
        return outbox_mark, case, professionals, first_deadline

    outbox_mark, case, professionals, first_deadline = _committed(make)

    def remove() -> None:
        Assignment.objects.filter(case=case).delete()
        CaseIndex.objects.filter(pk=case.pk).delete()
        OutboxMessage.objects.filter(pk__gt=outbox_mark).delete()
        with schema_context(world.alpha.schema_name):
            Complaint.objects.filter(pk=case.case_id).delete()
        for professional in professionals:
            professional.delete()

    try:
        assert first_deadline is not None
        yield CommittedCase(world, case, professionals, first_deadline)
    finally:
        _committed(remove)


def _run_together(*actions: Callable[[], None]) -> list[BaseException]:
    """Start ``actions`` at the same moment, each in its own thread and connection; their errors."""
    start = threading.Barrier(len(actions))
    errors: list[BaseException] = []

    def run(action: Callable[[], None]) -> None:
        try:
            start.wait(timeout=30)
            action()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    # The actions' outbox rows are handed to Celery after commit, which runs them eagerly in
    # tests; eager runs set and reset a process-wide "join would block" flag, which threads
    # running them at once can leave set: put it back as it was, for the tests that follow.
    join_blocked = task_join_will_block()
    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
    _set_task_join_will_block(join_blocked)
    assert not any(thread.is_alive() for thread in threads), "an action hung"
    return errors


def test_the_old_mixed_order_deadlocks(committed_case: CommittedCase) -> None:
    """The fault ``case_lock`` removes: index-then-dossier against dossier-then-index on one case."""
    provider, case = committed_case.world.alpha, committed_case.case
    both_hold_their_first_lock = threading.Barrier(2)

    def index_then_dossier() -> None:  # how assignment locked
        with schema_context(provider.schema_name), transaction.atomic():
            CaseIndex.objects.select_for_update().get(pk=case.pk)
            both_hold_their_first_lock.wait(timeout=30)
            Complaint.objects.select_for_update().get(pk=case.case_id)

    def dossier_then_index() -> None:  # how deadlines, triage and closing locked
        with schema_context(provider.schema_name), transaction.atomic():
            Complaint.objects.select_for_update().get(pk=case.case_id)
            both_hold_their_first_lock.wait(timeout=30)
            CaseIndex.objects.select_for_update().get(pk=case.pk)

    errors = _run_together(index_then_dossier, dossier_then_index)

    assert len(errors) == 1, errors
    assert isinstance(errors[0], OperationalError)
    assert "deadlock detected" in str(errors[0])


def test_case_lock_takes_the_index_row_then_the_dossier_and_only_in_a_transaction(
    committed_case: CommittedCase,
) -> None:
    provider, case = committed_case.world.alpha, committed_case.case

    def lock() -> tuple[int, int]:
        with schema_context(provider.schema_name):
            with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"):
                case_lock(provider=provider, complaint_id=case.case_id)
            with transaction.atomic():
                locked_case, complaint = case_lock(provider=provider, complaint_id=case.case_id)
        return locked_case.pk, complaint.pk

    assert _committed(lock) == (case.pk, case.case_id)


def test_assignment_and_deadline_extension_and_intake_call_on_one_case_never_deadlock(
    committed_case: CommittedCase,
) -> None:
    world, case = committed_case.world, committed_case.case
    provider = world.alpha
    coordinator = staff_accessor(world.coordinator, "coordinator")
    today = timezone.localdate()

    for number, professional in enumerate(committed_case.professionals, start=1):

        def assign_and_decline(professional: User = professional) -> None:
            case_assign(case=case, professional=professional, actor=world.coordinator, accessor=coordinator)
            officer = staff_accessor(professional, "officer")
            assignment_decline(case=case, professional=professional, reason="Geen ruimte", accessor=officer)

        def extend(number: int = number) -> None:
            deadline_extend(
                provider=provider,
                complaint_id=case.case_id,
                actor=world.coordinator,
                accessor=coordinator,
                new_deadline=committed_case.first_deadline + datetime.timedelta(days=number),
                reason="Meer tijd nodig voor het gesprek",
                complainant_consent=ConsentEvidence(given_on=today, evidence="per e-mail"),
            )

        def intake_call(number: int = number) -> None:
            intake_call_record(
                provider=provider,
                complaint_id=case.case_id,
                actor=world.coordinator,
                accessor=coordinator,
                discussed=f"Gesprek {number}",
                goal="explanation",
            )

        errors = _run_together(assign_and_decline, extend, intake_call)
        assert errors == [], f"round {number}: {errors!r}"

    # Every action of every round took effect.
    assert Assignment.objects.filter(case=case, state=Assignment.State.DECLINED).count() == ROUNDS
    with schema_context(provider.schema_name):
        complaint = Complaint.objects.get(pk=case.case_id)
        assert complaint.extended_deadline == committed_case.first_deadline + datetime.timedelta(days=ROUNDS)
        assert DeadlineExtension.objects.filter(complaint=complaint).count() == ROUNDS
        kinds = list(TimelineEntry.objects.filter(complaint=complaint).values_list("kind", flat=True))
    assert kinds.count("assignment_offered") == ROUNDS
    assert kinds.count("assignment_declined") == ROUNDS
    assert kinds.count("deadline_extended") == ROUNDS
    assert kinds.count("intake_call") == ROUNDS
    index_row = CaseIndex.objects.get(pk=case.pk)
    assert index_row.assignee_id is None
    assert index_row.deadline == committed_case.first_deadline + datetime.timedelta(days=ROUNDS)
