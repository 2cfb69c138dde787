"""Write side effects to the outbox and relay them to Celery.

``outbox_enqueue`` is called inside the transaction of the change that causes
the side effect. How the row reaches the broker depends on ``OUTBOX_HANDOFF``:

- ``commit`` (default): right after commit the web process hands the rows of
  its transaction to the broker itself (one fail-fast attempt);
- ``notify`` (production): the transaction also issues ``NOTIFY`` on
  ``OUTBOX_CHANNEL``, which PostgreSQL delivers at commit to the relay process
  (``manage.py relay_outbox --follow``); the request never talks to the broker.

Either way ``outbox_relay`` (Celery beat, every 30 s, and the command) picks
up whatever could not be sent: a broker outage delays side effects, it never
loses them. Tasks must be idempotent: a row can be sent twice if the process
dies between send and mark.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import structlog
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from outbox.models import OutboxMessage

# What a task meets while a dependency restarts: the network (mail server, broker) or the
# database (OperationalError, InterfaceError). Tasks retry on these instead of failing, since
# a failed task is acknowledged (acks_late) and its side effect would be lost.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OSError, OperationalError, InterfaceError)

if TYPE_CHECKING:
    from kombu import Producer

log = structlog.get_logger(__name__)

MAX_BACKOFF = datetime.timedelta(minutes=10)
OUTBOX_CHANNEL = "klachtpunt_outbox"


def outbox_enqueue(*, task_name: str, kwargs: dict, schema_name: str | None = None) -> OutboxMessage:
    """Record a task to run after commit, in ``schema_name`` (default: the current schema)."""
    return outbox_enqueue_many(tasks=[(task_name, kwargs)], schema_name=schema_name)[0]


def outbox_enqueue_many(
    *, tasks: list[tuple[str, dict]], schema_name: str | None = None
) -> list[OutboxMessage]:
    """Record several tasks (name, kwargs) in one insert; same guarantees as ``outbox_enqueue``."""
    schema = schema_name or connection.schema_name
    now = timezone.now()
    messages = OutboxMessage.objects.bulk_create(
        OutboxMessage(schema_name=schema, task_name=name, kwargs=kwargs, available_at=now)
        for name, kwargs in tasks
    )
    if settings.OUTBOX_HANDOFF == "notify":
        # Delivered at commit, once per transaction however often it is issued.
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {OUTBOX_CHANNEL}")
        return messages
    # The rows of one transaction are handed over together, in one relay
    # transaction: they share one on-commit callback, which Django keeps or
    # drops with the (savepoint) scope they were written in.
    ids = [message.pk for message in messages]
    handoff = _handoff_in_scope()
    if handoff is not None:
        handoff.ids.extend(ids)
    else:
        handoff = _Handoff(ids[0])
        handoff.ids.extend(ids[1:])
        transaction.on_commit(handoff)
    return messages


class _Handoff:
    """The on-commit callback that hands one transaction scope's outbox rows to the broker.

    Rows written on another database cluster (tenants.clusters) are read back there,
    whatever the thread's active cluster is by the time the transaction commits.
    """

    def __init__(self, first_id: int) -> None:
        self.ids = [first_id]
        self.done = False
        alias = transaction.get_connection().alias
        self.using = alias if alias != DEFAULT_DB_ALIAS else None

    def __call__(self) -> None:
        self.done = True
        outbox_relay(ids=list(self.ids), using=self.using)


def _handoff_in_scope() -> _Handoff | None:
    committing = transaction.get_connection()
    if not committing.in_atomic_block:
        return None  # autocommit: on_commit runs at once
    scope = set(committing.savepoint_ids)
    # Django keeps (savepoint ids, callback, robust) per registered callback.
    for entry in committing.run_on_commit:
        if isinstance(entry[1], _Handoff) and entry[0] == scope and not entry[1].done:
            return entry[1]
    return None


def _send(message: OutboxMessage, producer: Producer) -> None:
    from klachtpunt.celery import app

    if message.task_name not in app.tasks:
        # Autodiscovery is lazy in web processes; importing the task modules
        # (CELERY_IMPORTS and every app's tasks) registers it. Task names are
        # pinned, so a name need not be the module it lives in now.
        app.loader.import_default_modules()
    # Kombu keeps retrying a refused connection for seconds (about 6 s per task
    # with the defaults); the web request handing over its rows must not wait
    # for a broker that is down: one attempt, and the relay takes it from there.
    producer.connection.ensure_connection(max_retries=0)
    headers = {"_schema_name": message.schema_name}
    app.tasks[message.task_name].apply_async(
        kwargs=message.kwargs, headers=headers, retry=False, producer=producer
    )


def _paused_schemas() -> set[str]:
    """Schemas whose side effects wait (``OUTBOX_PAUSED_SCHEMAS``, a dotted path to a function)."""
    path = getattr(settings, "OUTBOX_PAUSED_SCHEMAS", "")
    return set(import_string(path)()) if path else set()


def outbox_relay(*, ids: list[int] | None = None, limit: int = 500, using: str | None = None) -> int:
    """Send pending rows (all due ones, or just ``ids``); return how many were sent.

    Stops at the first broker error: the rest waits for the next run. ``using``: the
    database whose outbox to read (default: where the routers send outbox rows now).
    """
    now = timezone.now()
    rows = OutboxMessage.objects.using(using) if using else OutboxMessage.objects
    paused = _paused_schemas()
    with transaction.atomic(using=using):
        pending = rows.select_for_update(skip_locked=True).filter(sent_at__isnull=True)
        if paused:
            # A provider moving to another cluster: its rows go with it and are sent from there.
            pending = pending.exclude(schema_name__in=paused)
        pending = pending.filter(pk__in=ids) if ids is not None else pending.filter(available_at__lte=now)
        messages = list(pending.order_by("pk")[:limit])
        if not messages:
            return 0
        from klachtpunt.celery import app

        sent_ids: list[int] = []
        with app.producer_or_acquire() as producer:
            for message in messages:
                try:
                    _send(message, producer)
                except Exception as exc:  # broker down, connection refused, timeouts
                    message.attempts += 1
                    message.last_error = type(exc).__name__
                    message.available_at = now + min(
                        MAX_BACKOFF, datetime.timedelta(seconds=2**message.attempts)
                    )
                    message.save(update_fields=["attempts", "last_error", "available_at"], using=using)
                    log.warning("outbox_send_failed", message_id=message.pk, error=type(exc).__name__)
                    break
                sent_ids.append(message.pk)
        if sent_ids:
            rows.filter(pk__in=sent_ids).update(sent_at=timezone.now(), attempts=F("attempts") + 1)
    return len(sent_ids)
