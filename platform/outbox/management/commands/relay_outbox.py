"""``manage.py relay_outbox``: hand pending outbox rows to the broker, once.

Celery beat does this every 30 seconds; the command is for operators (after a
broker outage, say) and for machines without beat.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from outbox.models import OutboxMessage
from outbox.services import outbox_relay


class Command(BaseCommand):
    help = "Send the outbox rows that are due to the broker (runs the relay once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=500, help="At most this many rows (default 500).")

    def handle(self, *args: Any, **options: Any) -> None:
        sent = outbox_relay(limit=options["limit"])
        waiting = OutboxMessage.objects.filter(sent_at__isnull=True).count()
        self.stdout.write(f"sent {sent}, still pending {waiting}")
