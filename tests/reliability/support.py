"""Helpers for the reliability tests: committed work, scratch databases, management commands."""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from django.db import connection

from tests.conftest import ROOT

T = TypeVar("T")


def committed(work: Callable[[], T]) -> T:
    """Run ``work`` in its own thread: its own connection, in autocommit, outside the test's transaction."""
    results: list[T] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            assert connection.settings_dict["NAME"].startswith("test_")
            results.append(work())
        except BaseException as error:  # handed to the test's thread
            failures.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]
    return results[0]


def database_url(url: str, name: str) -> str:
    """``url`` with another database name."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def query(url: str, statement: str, params: list | None = None) -> list[tuple]:
    """Run ``statement`` on the database at ``url`` in a connection of its own; its rows."""
    conn = psycopg2.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute(statement, params or [])
            return cursor.fetchall()
    finally:
        conn.close()


def admin_connect(url: str):  # type: ignore[no-untyped-def]
    """An autocommit connection to the server's maintenance database, for CREATE/DROP DATABASE."""
    conn = psycopg2.connect(database_url(url, "postgres").replace("postgres://", "postgresql://", 1))
    conn.autocommit = True
    return conn


def manage(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def make_provider_with_complaints(slug: str, complaints: int) -> dict[str, Any]:
    """A provider with ``complaints`` widget complaints, each with an attachment, a "created" and a
    "read" access-log line; returns the provider, the references and the access log's rows."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from casework.dossier.access_log import SYSTEM, access_log_record
    from casework.dossier.attachments import check_attachments
    from casework.index.models import Channel
    from casework.intake.services import complaint_submit
    from casework.models import AccessLogEntry
    from tenants.clusters import schema_context
    from tenants.provisioning import provider_provision
    from tests.casework.accessors import COMPLAINANT
    from tests.casework.factories import submission

    provider = provider_provision(name=f"Zorg Herstel {slug}", slug=slug)
    references = []
    for number in range(complaints):
        files = check_attachments(
            [SimpleUploadedFile(f"verslag-{number}.txt", f"Verslag {number}: {uuid.uuid4()}\n".encode() * 50)]
        )
        result = complaint_submit(
            provider=provider,
            submission=submission(complainant_email=f"herstel-{number}@example.nl"),
            channel=Channel.WIDGET,
            accessor=COMPLAINANT,  # the intake writes its own "created" line
            attachments=files,
        )
        references.append(result.complaint.reference)
        # And someone reading the dossier.
        access_log_record(
            provider=provider,
            event=AccessLogEntry.Event.READ,
            accessor=SYSTEM,
            case_id=result.complaint.pk,
            reference=result.complaint.reference,
            detail=f"herstel-oefening {number}",
        )
    with schema_context(provider.schema_name):
        log = list(AccessLogEntry.objects.order_by("pk").values_list())
    return {"provider": provider, "references": references, "access_log": log}
