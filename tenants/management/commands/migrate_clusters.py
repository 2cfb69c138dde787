"""``manage.py migrate_clusters``: ``migrate_schemas`` on every database cluster at once.

The control database's public schema first (every run reads the providers there), then
one forked process per cluster (tenants.clusters), each running ``migrate_schemas
--database=<cluster>`` with the parallel executor: that cluster's public schema, then
the tenant schemas it holds, each reported as it goes. Every line is prefixed with the
cluster's name. A cluster that fails does not stop the others; the run ends with each
cluster's outcome and a non-zero exit when any failed.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from typing import Any, TextIO, cast

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from tenants.clusters import CONTROL, cluster_aliases


class _Prefixed:
    """A text stream that starts every line with ``[cluster]``."""

    def __init__(self, stream: TextIO, prefix: str) -> None:
        self.stream, self.prefix, self.at_start = stream, prefix, True

    def write(self, text: str) -> int:
        for piece in text.splitlines(keepends=True):
            if self.at_start:
                self.stream.write(self.prefix)
            self.stream.write(piece)
            self.at_start = piece.endswith("\n")
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


def _migrate_cluster(alias: str, options: dict[str, Any]) -> None:
    sys.stdout = _Prefixed(cast(TextIO, sys.__stdout__), f"[{alias}] ")
    sys.stderr = _Prefixed(cast(TextIO, sys.__stderr__), f"[{alias}] ")
    try:
        call_command("migrate_schemas", database=alias, interactive=False, executor="parallel", **options)
    except BaseException as exc:  # reported by the parent through the exit code
        sys.stderr.write(f"failed: {exc}\n")
        sys.stdout.flush()
        sys.exit(1)
    sys.stdout.flush()


class Command(BaseCommand):
    help = "Run migrate_schemas on every database cluster in parallel (one process per cluster)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cluster", action="append", help="Only this cluster (repeatable).")
        parser.add_argument("--check", action="store_true", help="List tenants behind; migrate nothing.")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_true",
            help="As migrate_schemas takes it; nothing is asked.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        aliases = options["cluster"] or cluster_aliases()
        unknown = sorted(set(aliases) - set(cluster_aliases()))
        if unknown:
            raise CommandError(f"unknown cluster(s): {', '.join(unknown)}")
        run_options = {"check_unapplied": True} if options["check"] else {}
        started = time.perf_counter()
        if CONTROL in aliases and not options["check"]:
            # First the control database's public schema, alone: every cluster's run reads its
            # list of providers there, which must not be half-migrated while they do.
            self.stdout.write(f"{CONTROL}: the public schema first")
            call_command(
                "migrate_schemas", shared=True, database=CONTROL, interactive=False, executor="parallel"
            )
        connections.close_all()  # forked children must not share the parent's sockets
        context = multiprocessing.get_context("fork")
        processes = {
            alias: context.Process(
                target=_migrate_cluster, args=(alias, run_options), name=f"migrate-{alias}"
            )
            for alias in aliases
        }
        for process in processes.values():
            process.start()
        for process in processes.values():
            process.join()
        failed = [alias for alias, process in processes.items() if process.exitcode != 0]
        for alias in aliases:
            self.stdout.write(f"{alias}: {'failed' if alias in failed else 'done'}")
        self.stdout.write(f"{len(aliases)} cluster(s) in {time.perf_counter() - started:.1f} s")
        if failed:
            raise CommandError(f"migrations failed on: {', '.join(failed)}")
