"""One provider's backup and its restore: the schema (``pg_dump -n``), its attachments, a manifest.

A backup folder holds:

- ``schema.dump``: ``pg_dump --format=custom --schema=p_<slug>``, every dossier, the access log
  with its append-only trigger, the schema's own sequences;
- ``media/``: the provider's attachments folder (``MEDIA_ROOT/p_<slug>``) as it was;
- ``manifest.json``: the provider and its host names, and for checking a restore: the row
  count and a content digest of every table in the schema, the access log's digest, and the
  SHA-256 of every file.

A restore goes into a database whose public schema is migrated and which does not hold this
provider yet (a fresh database in a drill, or the production one after the provider was removed).
It loads the schema with ``pg_restore``, makes the provider and its domains, rebuilds the
provider's case-index rows from the dossiers (the index is derived data; assignments, time
and invoices are platform data and come back with the cluster's own backup, see
docs/OPERATIONS.md), moves the reference sequence past the restored references, copies the
files, and then checks all of it against the manifest: a restore that does not match fails.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess  # nosec B404  # pg_dump and pg_restore, never a shell
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from accounts.models import User
from casework.dossier.services import index_sync
from casework.models import Complaint
from tenants.clusters import schema_context
from tenants.models import Domain, Provider

FORMAT = 1
PROVIDER_FIELDS = (
    "name",
    "slug",
    "kvk_number",
    "sector",
    "city",
    "disputes_body_id",
    "disputes_body_unmatched",
    "retention_years",
)


class BackupError(Exception):
    """The backup or restore could not be made or does not match its manifest."""


@dataclass
class RestoreResult:
    provider: Provider
    tables: dict[str, int]
    files: int
    index_rows: int


def _pg_env(using: str | None = None) -> dict[str, str]:
    """libpq's environment for this process's database (or ``using``'s): pg_dump and pg_restore read it."""
    db = (connections[using] if using else connection).settings_dict
    env = dict(os.environ)
    for name, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if db.get(key):
            env[name] = str(db[key])
    env["PGDATABASE"] = db["NAME"]
    return env


def _tool(name: str) -> str:
    # PG_BIN_DIR picks a version (it must be at least the server's); else the one on PATH.
    folder = os.environ.get("PG_BIN_DIR")
    path = str(Path(folder) / name) if folder else shutil.which(name)
    if not path or not Path(path).exists():
        raise BackupError(f"{name} not found (install the PostgreSQL client tools or set PG_BIN_DIR)")
    return path


def _run(args: list[str], using: str | None = None) -> None:
    # A fixed program and our own arguments (schema names are ours, not input); no shell.
    done = subprocess.run(args, env=_pg_env(using), capture_output=True, text=True, timeout=3600)  # noqa: S603  # nosec B603
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr[-2000:]}")


def media_folder(schema_name: str) -> Path:
    # TenantFileSystemStorage with MULTITENANT_RELATIVE_MEDIA_ROOT = "%s": one folder per schema.
    return Path(settings.MEDIA_ROOT) / schema_name


def schema_tables(schema_name: str, using: str | None = None) -> list[str]:
    with (connections[using] if using else connection).cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY table_name",
            [schema_name],
        )
        return [row[0] for row in cursor.fetchall()]


def _qualified(schema_name: str, table: str) -> str:
    quote = connection.ops.quote_name
    return f"{quote(schema_name)}.{quote(table)}"


def table_figures(schema_name: str, using: str | None = None) -> dict[str, dict[str, Any]]:
    """Per table: its row count and an MD5 over its rows in a fixed order (the session is in UTC)."""
    figures = {}
    with (connections[using] if using else connection).cursor() as cursor:
        for table in schema_tables(schema_name, using):
            # Names from information_schema, quoted: not user input.
            digest_sql = (
                "SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM "
            )
            cursor.execute(digest_sql + _qualified(schema_name, table) + " AS t")
            count, digest = cursor.fetchone()
            figures[table] = {"rows": count, "md5": digest}
    return figures


def file_digests(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def pg_dump_schema(schema_name: str, path: Path, using: str | None = None) -> None:
    """``pg_dump`` of one schema, in the custom format ``pg_restore`` reads."""
    _run([_tool("pg_dump"), "--format=custom", f"--schema={schema_name}", f"--file={path}"], using)


def pg_restore_dump(path: Path, using: str | None = None) -> None:
    """Load a ``pg_dump_schema`` dump into this process's database (or ``using``'s), all or nothing."""
    database = (connections[using] if using else connection).settings_dict["NAME"]
    _run(
        [
            _tool("pg_restore"),
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--no-privileges",
            f"--dbname={database}",
            str(path),
        ],
        using,
    )


def tenant_backup(*, provider: Provider, target: Path) -> dict[str, Any]:
    """Write ``provider``'s backup into the empty or new folder ``target``; returns the manifest."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty")
    target.mkdir(parents=True, exist_ok=True)
    schema = provider.schema_name
    # The dump and the figures must describe the same rows: writes to the schema wait
    # (SHARE locks) until both are read; pg_dump's own reads are not blocked by them.
    tables = schema_tables(schema)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # The snapshot is taken at the first query after the locks, so it sees what pg_dump sees.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            for table in tables:
                # Names from information_schema, quoted: not user input.
                cursor.execute("LOCK TABLE " + _qualified(schema, table) + " IN SHARE MODE")
        pg_dump_schema(schema, target / "schema.dump")
        figures = table_figures(schema)
    source = media_folder(schema)
    if source.exists():
        shutil.copytree(source, target / "media")
    else:
        (target / "media").mkdir()
    manifest = {
        "format": FORMAT,
        "made_at": timezone.now().isoformat(),
        "schema": schema,
        "provider": {name: getattr(provider, name) for name in PROVIDER_FIELDS},
        "domains": [
            {"domain": d.domain, "is_primary": d.is_primary} for d in Domain.objects.filter(tenant=provider)
        ],
        "tables": figures,
        "files": file_digests(target / "media"),
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def _check(manifest: dict[str, Any], schema: str) -> dict[str, int]:
    figures = table_figures(schema)
    if figures != manifest["tables"]:
        wrong = sorted(
            t for t in set(figures) | set(manifest["tables"]) if figures.get(t) != manifest["tables"].get(t)
        )
        raise BackupError(f"restored tables differ from the backup: {wrong}")
    files = file_digests(media_folder(schema))
    if files != manifest["files"]:
        raise BackupError("restored files differ from the backup")
    return {table: figure["rows"] for table, figure in figures.items()}


def tenant_restore(*, source: Path) -> RestoreResult:
    """Restore the backup in ``source`` into this database (see the module docstring)."""
    source = Path(source)
    manifest = json.loads((source / "manifest.json").read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    schema = manifest["schema"]
    slug = manifest["provider"]["slug"]
    if Provider.objects.filter(slug=slug).exists() or Provider.objects.filter(schema_name=schema).exists():
        raise BackupError(f"provider {slug} is already in this database")
    # An export's backup is a dump of a filtered copy under another name (casework.reports.
    # tenant_exit.provider_copy): it is restored under that name and then renamed.
    dumped = manifest.get("dump_schema", schema)
    if dumped != schema and not re.fullmatch(r"kp_export_[0-9a-f]{12}", str(dumped)):
        raise BackupError(f"unexpected dump schema {dumped!r}")
    with connection.cursor() as cursor:
        for name in {schema, dumped}:
            cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
            if cursor.fetchone():
                raise BackupError(f"schema {name} already exists")
    target_media = media_folder(schema)
    if target_media.exists() and any(target_media.iterdir()):
        raise BackupError(f"{target_media} is not empty")

    pg_restore_dump(source / "schema.dump")
    if dumped != schema:
        with connection.cursor() as cursor:
            quote = connection.ops.quote_name
            cursor.execute(f"ALTER SCHEMA {quote(dumped)} RENAME TO {quote(schema)}")
    shutil.copytree(source / "media", target_media, dirs_exist_ok=True)
    known_users = set(User.objects.values_list("pk", flat=True))
    with transaction.atomic():
        fields = dict(manifest["provider"])
        # Backups made before the disputes body became a choice from a list hold its name as text.
        if isinstance(fields.get("disputes_body"), str):
            fields["disputes_body_unmatched"] = fields.pop("disputes_body")
        provider = Provider(schema_name=schema, **fields)
        provider.save()
        for domain in manifest["domains"]:
            Domain.objects.create(tenant=provider, **domain)
        index_rows = 0
        highest = 0
        with schema_context(schema):
            for complaint in Complaint.objects.select_related("category").order_by("pk"):
                # A complainant's account is platform data: linked again only if it is here.
                user_id = (
                    complaint.complainant_user_id if complaint.complainant_user_id in known_users else None
                )
                index_sync(complaint=complaint, provider=provider, created=True, complainant_user_id=user_id)
                index_rows += 1
                highest = max(highest, int(complaint.reference.rsplit("-", 1)[-1]))
        with connection.cursor() as cursor:
            # New complaints must not get a restored reference again.
            cursor.execute(
                "SELECT setval('public.case_reference_seq', "
                "greatest(%s, (SELECT last_value FROM public.case_reference_seq)))",
                [max(highest, 1)],
            )
        tables = _check(manifest, schema)
    return RestoreResult(
        provider=provider, tables=tables, files=len(manifest["files"]), index_rows=index_rows
    )
