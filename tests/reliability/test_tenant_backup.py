"""Restore drill: a provider's ``tenant_backup`` restored with ``tenant_restore`` into a fresh database.

The provider, its complaints (with their access-log lines) and attachments are
committed for real in the test database; the backup and the restore run as
``manage.py`` processes, the restore into a new database on the same server
whose public schema is migrated first. Then every table of the schema is
compared row for row, the access log entry by entry, the files byte for byte,
and the case index is rebuilt from the dossiers.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from django.db import connection

from casework.dossier.backup import file_digests, media_folder
from casework.index.models import CaseIndex
from outbox.models import OutboxMessage
from tenants.models import Provider
from tests.conftest import subprocess_env
from tests.reliability.support import (
    admin_connect,
    committed,
    database_url,
    make_provider_with_complaints,
    manage,
)

# The test's own connection stays out of the provider's schema: a lock it held until the end
# of its transaction would block dropping the schema afterwards.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("backup"), pytest.mark.django_db]

COMPLAINTS = 3


def _remove_provider(provider: Provider) -> None:
    CaseIndex.objects.filter(provider=provider).delete()
    OutboxMessage.objects.filter(schema_name=provider.schema_name).delete()
    provider.delete(force_drop=True)


def _rows(url: str, query: str) -> list[tuple]:
    with psycopg2.connect(url.replace("postgres://", "postgresql://", 1)) as conn, conn.cursor() as cursor:
        cursor.execute(query)
        return cursor.fetchall()


def test_restore_drill_a_providers_backup_restores_into_a_fresh_database_with_equal_rows_log_and_files(
    test_database_url: str, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    slug = f"herstel-{uuid.uuid4().hex[:8]}"
    made = committed(lambda: make_provider_with_complaints(slug, COMPLAINTS))
    provider: Provider = made["provider"]
    schema = provider.schema_name
    fresh_name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:6]}"
    fresh_url = database_url(test_database_url, fresh_name)
    admin = admin_connect(test_database_url)
    try:
        original_files = file_digests(media_folder(schema))
        assert len(original_files) == COMPLAINTS and len(made["access_log"]) == 2 * COMPLAINTS

        backup = tmp_path / "backup"
        env = subprocess_env(DATABASE_URL=test_database_url, MEDIA_ROOT=str(tmp_path / "media"))
        out = manage(env, "tenant_backup", slug, str(backup)).stdout
        assert out.startswith(f"backed up {schema}:"), out
        manifest = json.loads((backup / "manifest.json").read_text())
        assert manifest["files"] == original_files
        assert manifest["tables"]["casework_complaint"]["rows"] == COMPLAINTS

        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{fresh_name}"')
        restored_media = tmp_path / "restored-media"
        fresh_env = subprocess_env(
            DATABASE_URL=fresh_url, MEDIA_ROOT=str(restored_media), EXECUTOR="standard"
        )
        manage(fresh_env, "migrate_schemas", "--shared", "--noinput")
        out = manage(fresh_env, "tenant_restore", str(backup)).stdout
        assert out.startswith(f"restored {schema}:") and f"{COMPLAINTS} case-index rows" in out, out
        print(out.strip())  # the drill's figures, for the record (pytest -s)

        # Every table: same count and same content, computed independently of the command's own check.
        tables = [name for (name,) in _rows(test_database_url, _tables_query(schema))]
        assert "casework_accesslogentry" in tables and "casework_attachment" in tables
        assert [name for (name,) in _rows(fresh_url, _tables_query(schema))] == tables
        for table in tables:
            query = f'SELECT * FROM "{schema}"."{table}" ORDER BY 1'
            assert _rows(fresh_url, query) == _rows(test_database_url, query), table
        # The access log: every entry, and still append-only after the restore.
        restored_log = _rows(fresh_url, f'SELECT id FROM "{schema}".casework_accesslogentry ORDER BY id')
        assert [entry_id for (entry_id,) in restored_log] == [entry[0] for entry in made["access_log"]]
        with pytest.raises(psycopg2.Error, match="append-only"):
            _rows(fresh_url, f'DELETE FROM "{schema}".casework_accesslogentry RETURNING id')
        # The files, byte for byte, where the restored database's storage looks for them.
        assert file_digests(restored_media / schema) == original_files
        # The case index, rebuilt from the dossiers; the next reference comes after the restored ones.
        restored_refs = _rows(
            fresh_url, "SELECT reference FROM public.caseindex_caseindex ORDER BY reference"
        )
        assert [ref for (ref,) in restored_refs] == sorted(made["references"])
        (last,) = _rows(fresh_url, "SELECT last_value FROM public.case_reference_seq")[0]
        assert last >= max(int(ref.rsplit("-", 1)[1]) for ref in made["references"])
        # Restoring the same backup again is refused: it would duplicate the provider.
        again = subprocess_env(DATABASE_URL=fresh_url, MEDIA_ROOT=str(restored_media))
        with pytest.raises(AssertionError, match="already in this database"):
            manage(again, "tenant_restore", str(backup))
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh_name}" WITH (FORCE)')
        admin.close()
        committed(lambda: _remove_provider(provider))


def _tables_query(schema: str) -> str:
    return (
        "SELECT table_name FROM information_schema.tables "
        f"WHERE table_schema = '{schema}' AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
