"""``manage.py tenant_backup <slug> <folder>``: one provider's schema, attachments and manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.dossier.backup import BackupError, tenant_backup
from tenants.models import Provider


class Command(BaseCommand):
    help = "Back up one provider: pg_dump of its schema, its attachments folder and a manifest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("folder", type=Path, help="a new or empty folder")

    def handle(self, *args: Any, slug: str, folder: Path, **options: Any) -> None:
        try:
            provider = Provider.objects.get(slug=slug)
        except Provider.DoesNotExist:
            raise CommandError(f"no provider {slug}") from None
        try:
            manifest = tenant_backup(provider=provider, target=folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(figure["rows"] for figure in manifest["tables"].values())
        self.stdout.write(
            f"backed up {manifest['schema']}: {len(manifest['tables'])} tables, {rows} rows, "
            f"{len(manifest['files'])} files -> {folder}"
        )
