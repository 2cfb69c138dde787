"""``manage.py move_provider <slug> <cluster>``: move a provider's schema to another cluster.

Maintenance (the widget still takes complaints and holds them), per-schema dump and
restore, verified counts and digests, switch, held complaints filed; then, once you are
satisfied, ``manage.py move_provider <slug> --drop-source <old cluster>`` removes what stayed
behind. casework.dossier.moving describes every step; docs/OPERATIONS.md the procedure.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.dossier.moving import (
    MOVE_SETTLE_SECONDS,
    MoveError,
    move_begin,
    move_copy,
    move_drop_source,
    move_finish,
    move_undo,
)
from casework.intake.holding import held_file, holding_close, holding_open
from tenants.models import Provider


class Command(BaseCommand):
    help = "Move a provider's schema to another database cluster, or drop what a move left behind."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The provider's slug.")
        parser.add_argument("cluster", nargs="?", help="The cluster to move to (a DATABASES alias).")
        parser.add_argument(
            "--drop-source",
            metavar="CLUSTER",
            help="Remove the old schema, index copy and mirror row from CLUSTER after a finished move.",
        )
        parser.add_argument(
            "--settle",
            type=float,
            default=MOVE_SETTLE_SECONDS,
            help=f"Seconds to wait for every process to see maintenance start and end "
            f"(default {MOVE_SETTLE_SECONDS:g}: longer than a placement stays cached).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        provider = Provider.objects.filter(slug=options["slug"]).first()
        if provider is None:
            raise CommandError(f"no provider {options['slug']!r}")
        if options["drop_source"]:
            try:
                move_drop_source(provider, options["drop_source"])
            except MoveError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"{provider.slug}: removed from {options['drop_source']}")
            return
        target = options["cluster"]
        if not target:
            raise CommandError("name the cluster to move to, or --drop-source CLUSTER")
        self._move(provider, target, settle=options["settle"])

    def _move(self, provider: Provider, target: str, *, settle: float) -> None:
        try:
            holding_open(provider, target)
            source = move_begin(provider, target)
        except MoveError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{provider.slug}: maintenance on, moving from {source} to {target}")
        time.sleep(settle)
        try:
            report = move_copy(provider, source, target)
        except Exception as exc:
            move_undo(provider)
            filed = held_file(provider, target)  # on the source, where the provider still lives
            holding_close(provider, target)
            raise CommandError(f"move undone ({filed} held complaint(s) filed on {source}): {exc}") from exc
        rows = sum(report.tables.values())
        self.stdout.write(
            f"{provider.slug}: copied and verified {len(report.tables)} tables ({rows} rows), "
            f"{report.index_rows} index rows, {report.outbox_rows} outbox rows in {report.seconds:.1f} s; "
            f"now on {target}"
        )
        filed = move_finish(provider, file_held=partial(held_file, holding=target), settle=settle)
        holding_close(provider, target)
        self.stdout.write(
            f"{provider.slug}: maintenance off; {filed} held complaint(s) filed. "
            f"Later: manage.py move_provider {provider.slug} --drop-source {source}"
        )
