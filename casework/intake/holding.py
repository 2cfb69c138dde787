"""Complaints that arrive while their provider's schema moves to another cluster.

``manage.py move_provider`` puts the provider in maintenance (``Provider.moving_to``):
its schema is copied and must not change. The widget, the complaint page and the
intake API still take complaints: each is held in a schema of the provider's own
on the cluster it moves to (``<schema>_held``, one table, never the public schema),
and filed as an ordinary complaint there, with the day and access point it came
in with, once the move has switched the provider over (``held_file``).

The complainant is told the complaint was received; the acknowledgement e-mail with
the reference and the follow link goes out when it is filed, a few minutes later.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from dataclasses import dataclass
from typing import Any

import structlog
from django.db import connections, transaction
from django.http import HttpRequest
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy

from casework.dossier.access_log import AccessChannel, Accessor, request_accessor
from casework.index.models import Channel
from casework.intake.forms import ComplaintForm
from casework.intake.guard import IntakeRefused
from casework.intake.services import ComplaintSubmission, IdempotencyConflict, complaint_submit
from tenants.clusters import as_mover
from tenants.models import Provider

log = structlog.get_logger(__name__)

TABLE = "submission"
# Seconds after which a form with attachments may be sent again.
MOVING_RETRY_AFTER = 60
MOVING_WITH_FILES_MESSAGE = gettext_lazy(
    "Uw klacht kan nu even niet met bijlagen worden verstuurd, omdat de zorgaanbieder wordt "
    "overgezet naar een andere server. Uw tekst staat nog in het formulier: verstuur het over "
    "een minuut opnieuw, of verstuur het nu zonder bijlagen."
)
HELD_MESSAGE = gettext_lazy(
    "Uw klacht is ontvangen en veilig bewaard. De gegevens van deze zorgaanbieder worden nu "
    "overgezet naar een andere server; over enkele minuten nemen we uw klacht in behandeling en "
    "krijgt u een e-mail met uw kenmerk en een link om uw klacht te volgen."
)


@dataclass(frozen=True)
class HeldComplaint:
    """A complaint taken in during a move, not yet filed."""

    held_id: int
    received_at: datetime.datetime
    created: bool = True


def holding_schema(provider: Provider) -> str:
    return f"{provider.schema_name}_held"


def _qualified(provider: Provider) -> str:
    return f'"{holding_schema(provider)}".{TABLE}'


def moving_to(provider: Provider) -> str:
    """The cluster the provider is moving to, read fresh ("" when it is not moving)."""
    return Provider.objects.filter(pk=provider.pk).values_list("moving_to", flat=True).first() or ""


def holding_open(provider: Provider, target: str) -> None:
    """Make the holding table on ``target`` (before maintenance starts)."""
    with connections[target].cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{holding_schema(provider)}"')
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {_qualified(provider)} ("
            " id bigserial PRIMARY KEY, idempotency_key text UNIQUE, fields jsonb NOT NULL,"
            " accessor jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())"
        )


def holding_close(provider: Provider, target: str) -> None:
    """Drop the holding table once it is empty; refuse while complaints wait in it."""
    with connections[target].cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {_qualified(provider)}")  # noqa: S608  # nosec B608
        waiting = cursor.fetchone()[0]
        if waiting:
            raise RuntimeError(f"{waiting} held complaint(s) not filed yet")
        cursor.execute(f'DROP SCHEMA "{holding_schema(provider)}" CASCADE')


def _json(value: Any) -> Any:
    # Django's PostgreSQL connections hand jsonb over as text.
    return json.loads(value) if isinstance(value, str) else value


def _fields(submission: ComplaintSubmission) -> dict[str, Any]:
    values = dataclasses.asdict(submission)
    if values["occurred_on"] is not None:
        values["occurred_on"] = values["occurred_on"].isoformat()
    values["goals"] = list(values["goals"])
    return values


def _submission(fields: dict[str, Any]) -> ComplaintSubmission:
    values = dict(fields)
    values["occurred_on"] = parse_date(values["occurred_on"]) if values.get("occurred_on") else None
    values["goals"] = tuple(values.get("goals") or ())
    return ComplaintSubmission(**values)


def submission_hold(
    *,
    provider: Provider,
    target: str,
    submission: ComplaintSubmission,
    accessor: Accessor,
    idempotency_key: str | None,
) -> HeldComplaint:
    """Hold a complaint on ``target`` until the move is done.

    The same key with the same content is the same held complaint (``created`` False);
    with other content it raises ``IdempotencyConflict``, as ``complaint_submit`` does.
    """
    fields = _fields(submission)
    table = _qualified(provider)
    with transaction.atomic(using=target), connections[target].cursor() as cursor:
        if idempotency_key:
            cursor.execute(
                f"SELECT id, fields, received_at FROM {table} WHERE idempotency_key = %s",  # noqa: S608  # nosec B608
                [idempotency_key],
            )
            found = cursor.fetchone()
            if found is not None:
                if _json(found[1]) != json.loads(json.dumps(fields)):
                    raise IdempotencyConflict("")
                return HeldComplaint(found[0], found[2], created=False)
        cursor.execute(
            f"INSERT INTO {table} (idempotency_key, fields, accessor) VALUES (%s, %s, %s)"  # noqa: S608  # nosec B608
            " RETURNING id, received_at",
            [idempotency_key or None, json.dumps(fields), json.dumps(dataclasses.asdict(accessor))],
        )
        held_id, received_at = cursor.fetchone()
    log.info("complaint_held", schema=provider.schema_name, held_id=held_id, cluster=target)
    return HeldComplaint(held_id, received_at)


def form_hold(
    request: HttpRequest, form: ComplaintForm, *, provider: Provider, target: str, key: str | None
) -> HeldComplaint:
    """Hold what the complaint form or the intake API sent while ``provider`` moves to ``target``.

    Attachments are not held: ``IntakeRefused`` (503, Retry-After), for the sender to try again
    in a minute. The same key with other content raises ``IdempotencyConflict``.
    """
    if form.checked_files:
        raise IntakeRefused("provider_moving", str(MOVING_WITH_FILES_MESSAGE), 503, MOVING_RETRY_AFTER)
    return submission_hold(
        provider=provider,
        target=target,
        submission=form.submission(),
        accessor=request_accessor(request, provider=provider, channel=AccessChannel.WIDGET),
        idempotency_key=key or None,
    )


def held_file(provider: Provider, holding: str) -> int:
    """File every complaint held on cluster ``holding`` where the provider lives now; return how many.

    Each is filed with its idempotency key and then removed from the holding table: a
    run cut short between the two files nothing twice, the next run finds the complaint.
    """
    provider = Provider.objects.get(pk=provider.pk)
    filed = 0
    table = _qualified(provider)
    with as_mover():
        while True:
            with transaction.atomic(using=holding), connections[holding].cursor() as cursor:
                cursor.execute(
                    f"SELECT id, idempotency_key, fields, accessor, received_at FROM {table}"  # noqa: S608  # nosec B608
                    " ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
                )
                row = cursor.fetchone()
                if row is None:
                    return filed
                held_id, key, fields, accessor, received_at = row
                complaint_submit(
                    provider=provider,
                    submission=_submission(_json(fields)),
                    channel=Channel.WIDGET,
                    accessor=Accessor(**_json(accessor)),
                    idempotency_key=key,
                    received_at=received_at,
                )
                cursor.execute(f"DELETE FROM {table} WHERE id = %s", [held_id])  # noqa: S608  # nosec B608
            filed += 1
            log.info("held_complaint_filed", schema=provider.schema_name, held_id=held_id)
