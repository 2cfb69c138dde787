"""PgBouncer: session mode carries tenant routing; transaction mode is refused at start-up.

Each test starts Debian's PgBouncer on a free port in front of the test
database server (`make test` installs the package: deploy/dev/ensure-system-deps.sh).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from tenants.pooling import transaction_pooling_detected
from tests.conftest import ROOT, subprocess_env
from tests.support import World, free_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pgbouncer")]


def _binary() -> str:
    binary = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None
    )
    if binary is None:
        subprocess.run(["bash", str(ROOT / "deploy/dev/ensure-system-deps.sh")], check=True)
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    assert os.path.exists(binary), "pgbouncer is missing: deploy/dev/ensure-system-deps.sh installs it"
    return binary


@contextmanager
def pgbouncer(tmp_path: Path, pool_mode: str) -> Iterator[int]:
    settings_dict = connection.settings_dict
    host, port = settings_dict.get("HOST") or "127.0.0.1", settings_dict.get("PORT") or 5432
    user, password = settings_dict.get("USER") or "postgres", settings_dict.get("PASSWORD") or ""
    listen = free_port()
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "userlist.txt").write_text(f'"{user}" "{password}"\n')
    auth = "plain" if password else "trust"
    (tmp_path / "pgbouncer.ini").write_text(
        f"""[databases]
* = host={host} port={port}{f" password={password}" if password else ""}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = {auth}
auth_file = {tmp_path / "userlist.txt"}
pool_mode = {pool_mode}
default_pool_size = 10
max_client_conn = 200
ignore_startup_parameters = extra_float_digits,options
"""
    )
    tmp_path.chmod(0o755)
    for path in tmp_path.iterdir():
        path.chmod(0o644)
    command = [_binary(), str(tmp_path / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        command[1:1] = ["-u", "postgres"]
    # Its log goes to stderr, into a file this process opened (PgBouncer runs as another user).
    with (tmp_path / "pgbouncer.log").open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", listen), timeout=0.2):
                    break
            except OSError:
                assert process.poll() is None, (tmp_path / "pgbouncer.log").read_text()
                assert time.monotonic() < deadline, "pgbouncer did not start"
                time.sleep(0.05)
        yield listen
    finally:
        process.terminate()
        process.wait(10)


def _url(port: int) -> str:
    settings_dict = connection.settings_dict
    user, password = settings_dict.get("USER") or "postgres", settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}" if password else user
    return f"postgres://{auth}@127.0.0.1:{port}/{settings_dict['NAME']}"


def _bouncer_wrapper(port: int) -> BaseDatabaseWrapper:
    """A second connection handler with the test database's settings, through PgBouncer."""
    settings_dict = {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": port}
    return type(connections["default"])(settings_dict, "bouncer")


def _get(port: int, host: str, path: str) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback test server
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@contextmanager
def web_server(database_port: int, log: Path) -> Iterator[int]:
    """gunicorn with the product's WSGI app, its database connections through ``database_port``."""
    port = free_port()
    env = subprocess_env(DATABASE_URL=_url(database_port), KLACHTPUNT_TESTING="1", LOG_LEVEL="WARNING")
    command = [sys.executable, "-m", "gunicorn", "klachtpunt.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"]
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"gunicorn exited:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"gunicorn did not answer:\n{log.read_text()[-3000:]}"
            try:
                if _get(port, "localhost", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(20)


@pytest.mark.django_db
def test_session_pooling_routes_each_provider_host_to_its_own_schema(tmp_path, world: World) -> None:  # type: ignore[no-untyped-def]
    with pgbouncer(tmp_path / "bouncer", "session") as bouncer:
        assert transaction_pooling_detected(_bouncer_wrapper(bouncer)) is False
        # The web process starts (its start-up probe passes) and serves every host from its own schema.
        with web_server(bouncer, tmp_path / "gunicorn.log") as web:
            for _ in range(4):
                for provider, other in ((world.alpha, world.beta), (world.beta, world.alpha)):
                    status, page = _get(web, provider.get_primary_domain().domain, "/")
                    assert status == 200
                    assert provider.name in page and other.name not in page
            assert _get(web, "onbekend.localhost", "/")[0] == 404
        # PgBouncer served those requests (its own log records the client logins).
        assert "login attempt" in (tmp_path / "bouncer" / "pgbouncer.log").read_text()


@pytest.mark.django_db
def test_transaction_pooling_loses_the_search_path_and_the_product_refuses_to_start(
    tmp_path, world: World
) -> None:  # type: ignore[no-untyped-def]
    with pgbouncer(tmp_path, "transaction") as bouncer:
        wrapper = _bouncer_wrapper(bouncer)
        # Why: a schema set by one client is gone by its next statement once another
        # client holds the server connection it ran on.
        first = wrapper.get_new_connection(wrapper.get_connection_params())
        second = wrapper.get_new_connection(wrapper.get_connection_params())
        try:
            first.autocommit = True
            with first.cursor() as cursor:
                cursor.execute(f'SET search_path = "{world.alpha.schema_name}"')
            with second.cursor() as cursor:  # opens a transaction and keeps it
                cursor.execute("SELECT 1")
            with first.cursor() as cursor:
                cursor.execute("SHOW search_path")
                assert world.alpha.schema_name not in cursor.fetchone()[0]
        finally:
            second.close()
            first.close()

        assert transaction_pooling_detected(wrapper) is True
        # The web process, a worker's start-up hook and the system checks all refuse.
        env = subprocess_env(DATABASE_URL=_url(bouncer), KLACHTPUNT_TESTING="1", LOG_LEVEL="WARNING")
        for code in (
            "import klachtpunt.wsgi",
            "from tenants.pooling import assert_session_pooling as a; a()",
        ):
            command = [sys.executable, "-c", code]
            if code.startswith("from"):
                command = [sys.executable, "manage.py", "shell", "-c", code]
            started = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
            assert started.returncode != 0, code
            assert "ImproperlyConfigured" in started.stderr, started.stderr[-2000:]
            assert "pool_mode=session" in started.stderr, started.stderr[-2000:]
        check = subprocess.run(
            [sys.executable, "manage.py", "check", "--database", "default"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert check.returncode != 0
        assert "tenants.E001" in check.stderr, check.stderr[-2000:]
