"""``manage.py tenant_restore <folder>``: a provider back into this database, checked against its manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.dossier.backup import BackupError, tenant_restore


class Command(BaseCommand):
    help = "Restore a provider from a tenant_backup folder into a database that does not hold it yet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)

    def handle(self, *args: Any, folder: Path, **options: Any) -> None:
        try:
            result = tenant_restore(source=folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"restored {result.provider.schema_name}: {len(result.tables)} tables, "
            f"{sum(result.tables.values())} rows, {result.files} files, {result.index_rows} case-index rows"
        )
