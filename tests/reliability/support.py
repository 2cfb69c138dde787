"""Helpers for the reliability tests: committed work, scratch databases, management commands."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from typing import TypeVar
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
