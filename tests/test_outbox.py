"""The outbox relay: due rows only, backoff after a failure, and the management command."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from outbox import services
from outbox.models import OutboxMessage
from outbox.services import MAX_BACKOFF, outbox_relay

pytestmark = pytest.mark.django_db

PROBE = "klachtpunt.tasks.runtime_probe"


def row(*, due_in: datetime.timedelta = datetime.timedelta(0), attempts: int = 0) -> OutboxMessage:
    return OutboxMessage.objects.create(
        schema_name="public",
        task_name=PROBE,
        kwargs={},
        available_at=timezone.now() + due_in,
        attempts=attempts,
    )


def broker_down(message: OutboxMessage, producer: object) -> None:
    raise ConnectionRefusedError("broker down")


def test_relay_sends_due_rows_and_skips_rows_not_yet_due() -> None:
    due = row()
    later = row(due_in=datetime.timedelta(minutes=1))
    assert outbox_relay() == 1
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.sent_at is not None and due.attempts == 1
    assert later.sent_at is None and later.attempts == 0
    assert outbox_relay() == 0  # sent rows are not sent again


def test_relay_backs_off_after_a_failure_and_stops_at_the_first_one(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    first, second = row(), row()
    monkeypatch.setattr(services, "_send", broker_down)
    before = timezone.now()
    assert outbox_relay() == 0
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.attempts == 1 and first.last_error == "ConnectionRefusedError" and first.sent_at is None
    assert (
        before + datetime.timedelta(seconds=2)
        <= first.available_at
        <= timezone.now() + datetime.timedelta(seconds=2)
    )
    # The broker is down: the rest waits for the next run instead of failing one by one.
    assert second.attempts == 0 and second.last_error == ""

    # Not due yet: the next run leaves the failed row alone (and trips over the second one).
    assert outbox_relay() == 0
    first.refresh_from_db()
    assert first.attempts == 1

    # Once due again it is retried, and the wait doubles.
    OutboxMessage.objects.filter(pk=first.pk).update(available_at=timezone.now())
    OutboxMessage.objects.filter(pk=second.pk).update(available_at=timezone.now() + MAX_BACKOFF)
    before = timezone.now()
    outbox_relay()
    first.refresh_from_db()
    assert first.attempts == 2
    assert first.available_at >= before + datetime.timedelta(seconds=4)

    monkeypatch.undo()
    OutboxMessage.objects.filter(pk__in=[first.pk, second.pk]).update(available_at=timezone.now())
    assert outbox_relay() == 2
    first.refresh_from_db()
    assert first.sent_at is not None and first.attempts == 3


def test_backoff_is_capped(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    message = row(attempts=30)
    monkeypatch.setattr(services, "_send", broker_down)
    before = timezone.now()
    outbox_relay()
    message.refresh_from_db()
    assert message.available_at <= before + MAX_BACKOFF + datetime.timedelta(seconds=1)


def test_relay_outbox_command_runs_the_relay_once() -> None:
    row()
    row(due_in=datetime.timedelta(minutes=5))
    out = StringIO()
    call_command("relay_outbox", stdout=out)
    assert out.getvalue().strip() == "sent 1, still pending 1"


def test_rows_of_one_transaction_are_handed_over_together(
    monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    calls: list[list[int]] = []
    monkeypatch.setattr(services, "outbox_relay", lambda *, ids, using=None: calls.append(ids) or len(ids))
    with django_capture_on_commit_callbacks(execute=True):
        first = services.outbox_enqueue(task_name=PROBE, kwargs={})
        second = services.outbox_enqueue(task_name=PROBE, kwargs={})
    assert calls == [[first.pk, second.pk]]
    with django_capture_on_commit_callbacks(execute=True):
        third = services.outbox_enqueue(task_name=PROBE, kwargs={})
    assert calls[-1] == [third.pk]


def test_rows_of_a_rolled_back_savepoint_are_not_handed_over(
    monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    calls: list[list[int]] = []
    monkeypatch.setattr(services, "outbox_relay", lambda *, ids, using=None: calls.append(ids) or len(ids))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        kept = services.outbox_enqueue(task_name=PROBE, kwargs={})
        try:
            with transaction.atomic():
                services.outbox_enqueue(task_name=PROBE, kwargs={})
                raise RuntimeError("undo")
        except RuntimeError:
            pass
        also_kept = services.outbox_enqueue(task_name=PROBE, kwargs={})
    assert calls == [[kept.pk, also_kept.pk]]


def test_an_empty_id_list_relays_nothing() -> None:
    row()
    assert outbox_relay(ids=[]) == 0
