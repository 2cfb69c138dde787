"""``manage.py relay_outbox``: hand pending outbox rows to the broker.

Once by default (operators after a broker outage, machines without beat).
With ``--follow`` it keeps running as the relay process for
``OUTBOX_HANDOFF=notify``: it LISTENs on the outbox channel, relays as soon
as a transaction that wrote outbox rows commits, and also every
``--interval`` seconds for rows whose retry came due.
"""

from __future__ import annotations

import select
import time
from typing import Any

import psycopg2  # type: ignore[import-untyped]  # no stubs; the raw LISTEN connection's errors
import structlog
from django.core.management.base import BaseCommand, CommandParser
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

from outbox.models import OutboxMessage
from outbox.services import OUTBOX_CHANNEL, outbox_relay

log = structlog.get_logger(__name__)
DATABASE_RETRY_SECONDS = 1.0


class Command(BaseCommand):
    help = "Send the outbox rows that are due to the broker (once, or --follow)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=500, help="At most this many rows per pass (default 500)."
        )
        parser.add_argument(
            "--follow", action="store_true", help="Keep running; relay on NOTIFY and on a timer."
        )
        parser.add_argument(
            "--interval", type=float, default=5.0, help="Seconds between timed passes (--follow)."
        )
        parser.add_argument(
            "--max-seconds", type=float, default=0, help="Stop after this long (tests); 0 = never."
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database whose outbox to relay: a cluster's alias runs one relay per cluster "
            "(docs/SCALING.md section 4). Default: the control database.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.database = connections[options["database"]]
        self.using = options["database"] if options["database"] != DEFAULT_DB_ALIAS else None
        if not options["follow"]:
            sent = outbox_relay(limit=options["limit"], using=self.using)
            waiting = OutboxMessage.objects.using(options["database"]).filter(sent_at__isnull=True).count()
            self.stdout.write(f"sent {sent}, still pending {waiting}")
            return
        self._follow(limit=options["limit"], interval=options["interval"], max_seconds=options["max_seconds"])

    def _follow(self, *, limit: int, interval: float, max_seconds: float) -> None:
        # SIGTERM/SIGINT end the process as usual: an interrupted pass rolls back
        # and its rows are sent again by the next relay (tasks are idempotent).
        # A database that goes away (restart, failover) does not: the relay waits for
        # it, LISTENs again and catches up on what was committed meanwhile.
        started = time.monotonic()
        announced = False
        while not (max_seconds and time.monotonic() - started > max_seconds):
            try:
                raw = self._listen()
                if not announced:
                    self.stdout.write(
                        f"relaying outbox rows on NOTIFY {OUTBOX_CHANNEL} and every {interval:g} s"
                    )
                    announced = True
                self._relay_until(
                    raw, limit=limit, interval=interval, started=started, max_seconds=max_seconds
                )
                return
            except (OperationalError, InterfaceError, psycopg2.Error) as error:
                log.warning("outbox_relay_database_unavailable", error=type(error).__name__)
                self.database.close()
                time.sleep(DATABASE_RETRY_SECONDS)

    def _listen(self) -> Any:
        self.database.close()  # a fresh connection: the old one may belong to a server that restarted
        self.database.ensure_connection()
        raw = self.database.connection
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute(f"LISTEN {OUTBOX_CHANNEL}")
        return raw

    def _relay_until(
        self, raw: Any, *, limit: int, interval: float, started: float, max_seconds: float
    ) -> None:
        while not (max_seconds and time.monotonic() - started > max_seconds):
            # Forget earlier wake-ups, then drain what is due (a full pass is followed
            # at once by another); a NOTIFY that arrives meanwhile triggers a new pass.
            raw.notifies.clear()
            while outbox_relay(limit=limit, using=self.using) >= limit:
                pass
            if raw.notifies:
                continue
            readable, _, _ = select.select([raw], [], [], interval)
            if readable:
                raw.poll()
