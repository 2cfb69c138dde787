"""A concurrent double submit: the loser of the race on the idempotency key gets the winner's complaint.

Two submissions with one key, on two connections, really at once: the first
holds its new complaint uncommitted while the second looks (and finds nothing,
as it cannot see uncommitted rows), inserts and waits on the unique key; then the
first commits, the second's insert fails, and the intake's race recovery must
answer with the first complaint (same content) or a conflict (other content).
Both commit for real, on threads with their own connections, under a key of
their own; the complaints are removed afterwards.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from casework.intake.services import IdempotencyConflict, SubmitResult
from casework.models import AccessLogEntry, Complaint
from tenants.clusters import schema_context
from tests.casework.committed_ops import remove
from tests.casework.factories import submission, submit
from tests.support import World, wait_for_a_lock_wait

pytestmark = pytest.mark.django_db


def _thread(work: Callable[[], Any], outcome: dict[str, Any], name: str) -> threading.Thread:
    def run() -> None:
        try:
            assert connection.settings_dict["NAME"].startswith("test_")
            outcome[name] = work()
        except BaseException as error:  # handed to the test's thread
            outcome[name] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _race(world: World, key: str, second_text: str | None = None) -> dict[str, Any]:
    """The first submission holds its complaint uncommitted until the second waits on its key."""
    held, release, first_over, outcome = threading.Event(), threading.Event(), threading.Event(), {}

    def first() -> SubmitResult:
        try:
            with transaction.atomic():
                result = submit(world.alpha, idempotency_key=key)
                held.set()
                assert release.wait(60), "the test never let the first submission commit"
            return result
        finally:
            first_over.set()

    def second() -> SubmitResult:
        while not held.wait(0.05):
            assert not first_over.is_set(), "the first submission failed"
        overrides = {"what_happened": second_text} if second_text else {}
        return submit(world.alpha, submission=submission(**overrides), idempotency_key=key)

    threads = [_thread(first, outcome, "first"), _thread(second, outcome, "second")]
    try:
        while not held.wait(0.05):
            assert not first_over.is_set(), outcome.get("first")
        wait_for_a_lock_wait(threads, waiter="the second submission")
    finally:
        release.set()
        for thread in threads:
            thread.join(60)
    return outcome


def _cleanup(world: World, key: str) -> None:
    with schema_context(world.alpha.schema_name):
        ids = list(Complaint.objects.filter(idempotency_key=key).values_list("pk", flat=True))
    outcome: dict[str, Any] = {}
    _thread(lambda: [remove("alpha", pk) for pk in ids], outcome, "removed").join(60)


def test_the_loser_of_a_double_submit_gets_the_winners_complaint(world: World) -> None:
    key = f"race-{uuid.uuid4().hex[:16]}"
    try:
        outcome = _race(world, key)
        first, second = outcome["first"], outcome["second"]
        assert isinstance(first, SubmitResult) and isinstance(second, SubmitResult), outcome
        assert first.created and not second.created
        assert second.complaint.pk == first.complaint.pk and second.follow_token is None
        with schema_context(world.alpha.schema_name):
            assert Complaint.objects.filter(idempotency_key=key).count() == 1
            replay = AccessLogEntry.objects.get(case_id=first.complaint.pk, detail="idempotent replay")
        assert (replay.event, replay.subject, replay.reference) == (
            "read",
            "dossier",
            first.complaint.reference,
        )
    finally:
        _cleanup(world, key)


def test_the_loser_of_a_double_submit_with_other_content_gets_a_conflict(world: World) -> None:
    key = f"race-{uuid.uuid4().hex[:16]}"
    try:
        outcome = _race(world, key, second_text="Iets heel anders, met dezelfde sleutel.")
        first, second = outcome["first"], outcome["second"]
        assert isinstance(first, SubmitResult) and first.created, outcome
        assert isinstance(second, IdempotencyConflict), outcome
        assert second.reference == first.complaint.reference
        with schema_context(world.alpha.schema_name):
            assert Complaint.objects.filter(idempotency_key=key).count() == 1
    finally:
        _cleanup(world, key)
