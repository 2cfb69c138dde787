"""The backup in a provider's export holds only what the provider may see (DESIGN.md section 3).

A complaint the complainant did not agree to share (no consent, refused, withdrawn) and a
confidant's notes never reach the provider, "not in lists, counts, invoices, reports or
exports". So the export's backup is not a dump of the live schema but of a copy made for it:

1. an empty schema ``kp_export_<random>`` built by the current tenant migrations (the template
   script new providers get, ``tenants.provisioning``);
2. in one transaction that sees one snapshot of the provider's schema (its tables locked in
   SHARE mode, as ``tenant_backup`` does): every row copied by column name and the sequences
   set, except that the access log's rows about a dossier not shared with the provider keep
   who, when and how but lose which (reference, case id, subject, path, detail: as the
   provider's access-log page shows them); then, in the copy, the dossiers the provider may
   not open are deleted with everything that hangs on them, the confidant notes the client did
   not share with the provider, the messages between client and confidant, and the
   complainants' own AVG requests about the deleted dossiers;
3. ``pg_dump`` of the copy, and the attachments folder without the deleted dossiers' folders;
4. the copy is dropped, whatever happened.

The manifest names the schema the dump holds (``dump_schema``): ``tenant_restore`` renames it to
the provider's. What was left out is counted, with the reason, never shown.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from casework.dossier.backup import (
    FORMAT,
    PROVIDER_FIELDS,
    BackupError,
    file_digests,
    media_folder,
    pg_dump_schema,
    schema_tables,
    table_figures,
)
from casework.index.sharing import provider_may_open_q, shared_case_ids
from casework.models import Complaint, ConfidantNote, DataRightsRecord, Message
from tenants.clusters import schema_context
from tenants.models import Domain, Provider
from tenants.provisioning import current_template, schema_migrate, schema_replay

COPY_PREFIX = "kp_export_"
ACCESS_LOG = "casework_accesslogentry"
# What an access-log row about a dossier not shared with the provider keeps of it: nothing.
MASKED = {"case_id": "NULL", "reference": "''", "subject": "''", "path": "''", "detail": "''"}

WHY = {
    "dossiers_without_consent": "The complainant did not agree to share the complaint with the provider "
    "(no consent, refused or withdrawn): not the dossier, nor anything in it or its files.",
    "confidant_notes": "A confidant's notes are for the confidant and the client only, unless the "
    "client shared the note with the provider.",
    "confidant_messages": "Messages between the client and the confidant.",
    "complainant_avg_requests": "The complainants' own AVG requests about a dossier left out.",
    "access_log_rows_without_dossier": "Accesses to a dossier not shared with the provider: who, when "
    "and how are in, which dossier is not (as on the provider's access-log page).",
}


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _columns(schema: str, table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            [schema, table],
        )
        return [row[0] for row in cursor.fetchall()]


def _build_structure(copy: str) -> None:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("CREATE SCHEMA " + _quote(copy))
        template = current_template()
        if template is not None:
            schema_replay(copy, template.statements)
        else:  # no template yet (a fresh installation): migrate the slow way
            schema_migrate(copy)


def _copy_rows(live: str, copy: str, shared_ids: list[int]) -> int:
    """Copy every table of ``live`` into ``copy`` by column name; returns the access-log rows
    that lost which dossier they are about. Names come from information_schema, quoted."""
    masked = 0
    with connection.cursor() as cursor:
        # The migrations' own rows (seed data, their record) give way to the provider's. The
        # access log refuses TRUNCATE (and a DELETE of any row it would have): it starts empty.
        emptied = [f"{_quote(copy)}.{_quote(t)}" for t in schema_tables(copy) if t != ACCESS_LOG]
        if emptied:
            cursor.execute("TRUNCATE " + ", ".join(emptied))
        cursor.execute(f"DELETE FROM {_quote(copy)}.{_quote(ACCESS_LOG)}")  # noqa: S608  # nosec B608
        for table in schema_tables(live):
            columns = _columns(live, table)
            target = _columns(copy, table)
            if set(columns) != set(target):
                raise BackupError(f"{table} differs from the current migrations: migrate the provider first")
            names = ", ".join(_quote(c) for c in columns)
            source = f"{_quote(live)}.{_quote(table)}"
            into = f"INSERT INTO {_quote(copy)}.{_quote(table)} ({names}) "
            if table != ACCESS_LOG:
                cursor.execute(into + f"SELECT {names} FROM {source}")  # noqa: S608  # nosec B608
                continue
            hidden = "(t.case_id IS NOT NULL AND NOT (t.case_id = ANY(%s)))"
            values = ", ".join(
                f"CASE WHEN {hidden} THEN {MASKED[c]} ELSE t.{_quote(c)} END"
                if c in MASKED
                else f"t.{_quote(c)}"
                for c in columns
            )
            params = [shared_ids] * sum(1 for c in columns if c in MASKED)
            cursor.execute(into + f"SELECT {values} FROM {source} AS t", params)  # noqa: S608  # nosec B608
            cursor.execute(f"SELECT count(*) FROM {source} AS t WHERE {hidden}", [shared_ids])  # noqa: S608  # nosec B608
            masked = int(cursor.fetchone()[0])
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences "
            "WHERE schemaname = %s AND last_value IS NOT NULL",
            [live],
        )
        for sequence, last_value in cursor.fetchall():
            cursor.execute("SELECT setval(%s, %s)", [f"{_quote(copy)}.{_quote(sequence)}", last_value])
    return masked


def _leave_out(copy: str) -> tuple[dict[str, Any], list[int]]:
    """Delete in ``copy`` what the provider may not see; the counts and the dossiers' ids."""
    with schema_context(copy):
        hidden = Complaint.objects.exclude(provider_may_open_q())
        hidden_ids = list(hidden.values_list("pk", flat=True))
        notes, _n = ConfidantNote.objects.exclude(shared_with=ConfidantNote.SharedWith.PROVIDER).delete()
        messages, _m = Message.objects.filter(audience=Message.Audience.CONFIDANT).delete()
        requests, _r = DataRightsRecord.objects.filter(case_id__in=hidden_ids).delete()
        _total, by_model = hidden.delete()
    rows = {label.rsplit(".", 1)[-1].lower(): count for label, count in sorted(by_model.items()) if count}
    return {
        "dossiers_without_consent": len(hidden_ids),
        "dossiers_without_consent_rows": rows,
        "confidant_notes": notes,
        "confidant_messages": messages,
        "complainant_avg_requests": requests,
    }, hidden_ids


def provider_backup(*, provider: Provider, target: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Write the backup of what ``provider`` may see into the new folder ``target`` (see the
    module docstring); returns its manifest and what was left out (counts and reasons)."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty")
    target.mkdir(parents=True, exist_ok=True)
    live = provider.schema_name
    copy = f"{COPY_PREFIX}{uuid.uuid4().hex[:12]}"
    shared_ids = list(shared_case_ids(provider=provider))
    try:
        _build_structure(copy)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                for table in schema_tables(live):
                    # Names from information_schema, quoted: not user input.
                    cursor.execute(f"LOCK TABLE {_quote(live)}.{_quote(table)} IN SHARE MODE")
            masked = _copy_rows(live, copy, shared_ids)
            left_out, hidden_ids = _leave_out(copy)
        left_out["access_log_rows_without_dossier"] = masked
        pg_dump_schema(copy, target / "schema.dump")
        figures = table_figures(copy)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA IF EXISTS " + _quote(copy) + " CASCADE")
    source = media_folder(live)
    skipped = {f"complaints/{pk}" for pk in hidden_ids}

    def ignore(folder: str, names: list[str]) -> set[str]:
        relative = Path(folder).relative_to(source).as_posix()
        return {name for name in names if f"{relative}/{name}".removeprefix("./") in skipped}

    files_before = len(file_digests(source))
    if source.exists():
        shutil.copytree(source, target / "media", ignore=ignore)
    else:
        (target / "media").mkdir()
    files = file_digests(target / "media")
    left_out["files"] = files_before - len(files)
    manifest = {
        "format": FORMAT,
        "made_at": timezone.now().isoformat(),
        "schema": live,
        "dump_schema": copy,
        "provider": {name: getattr(provider, name) for name in PROVIDER_FIELDS},
        "domains": [
            {"domain": d.domain, "is_primary": d.is_primary} for d in Domain.objects.filter(tenant=provider)
        ],
        "tables": figures,
        "files": files,
        "left_out": left_out,
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest, {"counts": left_out, "why": WHY}
