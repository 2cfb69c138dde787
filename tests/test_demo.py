"""`make demo` on a fresh machine: the real runner, end to end.

The runner is started as `make demo` starts it, but with the embedded
PostgreSQL forced (KLACHTPUNT_EMBEDDED_PG=1, no DATABASE_URL) and a temporary
data folder, so this walks the path of a machine without PostgreSQL even
where one is reachable. The first run uses the single-process Celery mode
(filesystem broker, one worker with beat), the second a (private) Redis with a
separate worker and beat, on the data the first run left.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.support import free_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "deploy" / "dev" / "demo.py"
# What the test process has, but a fresh shell running `make demo` would not.
INHERITED_NOT_WANTED = {
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CACHE_URL",
    "EMAIL_URL",
    "EXECUTOR",
    "KLACHTPUNT_TESTING",
    "KLACHTPUNT_TEST_DB_SUFFIX",
    "MEDIA_ROOT",
    "PLATFORM_PORT",
    "PORT",
    "XDG_RUNTIME_DIR",
}


class DemoRun:
    """The demo runner in a subprocess, its merged output collected by a thread."""

    def __init__(self, *, data_dir: Path, port: int, broker: str) -> None:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in INHERITED_NOT_WANTED and not key.startswith("PYTEST")
        }
        env.update(
            KLACHTPUNT_EMBEDDED_PG="1",
            KLACHTPUNT_DATA_DIR=str(data_dir),
            CELERY_BROKER_URL=broker,
            PORT=str(port),
            WEB_CONCURRENCY="2",
            PYTHONUNBUFFERED="1",
        )
        self.env = env
        self.port = port
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, str(DEMO)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def tail(self, n: int = 60) -> str:
        return "".join(self.lines[-n:])

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.output)
            if match:
                return match
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        pytest.fail(f"demo never printed {pattern!r} (exit code {self.process.poll()}):\n{self.tail()}")

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children(recursive=True)

    def interrupt(self, timeout: float = 45) -> int:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout)
        self._reader.join(5)
        return code

    def kill(self) -> None:
        """After a failure: kill the runner and its children (each in its own group)."""
        if self.process.poll() is not None:
            return
        for process in [*self.descendants(), psutil.Process(self.process.pid)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        self.process.wait(10)


def http_get(port: int, host: str, path: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Host": host})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def http_body(port: int, host: str, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Host": host})
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    conn.close()
    return response.status, body


def listening_addresses(run: DemoRun) -> set[str]:
    """The addresses the demo's processes listen on at its web port."""
    addresses = set()
    for process in run.descendants():
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            for conn in process.net_connections(kind="inet"):
                if conn.status == psutil.CONN_LISTEN and conn.laddr.port == run.port:
                    addresses.add(conn.laddr.ip)
    return addresses


def assert_safe_by_default(run: DemoRun, data_dir: Path) -> str:
    """Loopback only, DEBUG off (no route list on a 404), a generated secret kept private; returns it."""
    assert listening_addresses(run) == {"127.0.0.1"}, listening_addresses(run)
    status, body = http_body(run.port, "localhost", "/geen-pagina-hier/")
    assert status == 404
    assert "URLconf" not in body and "tried these URL patterns" not in body
    assert "Debug:     off" in run.output
    secret_file = data_dir / "secret_key"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    secret = secret_file.read_text().strip()
    assert len(secret) >= 50 and "insecure" not in secret
    return secret


def gone(process: psutil.Process) -> bool:
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def postmaster_pid(data_dir: Path) -> int | None:
    pid_file = data_dir / "pg" / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split("\n", 1)[0])
    except (FileNotFoundError, ValueError):
        return None
    return pid if psutil.pid_exists(pid) else None


def stop_postmaster(data_dir: Path) -> None:
    pid = postmaster_pid(data_dir)
    if pid is None:
        return
    os.kill(pid, signal.SIGINT)  # PostgreSQL's fast shutdown
    deadline = time.monotonic() + 20
    while psutil.pid_exists(pid) and time.monotonic() < deadline:
        time.sleep(0.1)


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Short on purpose: the embedded server's socket lives in <data dir>/pg.
    path = Path(tempfile.mkdtemp(prefix="kp-demo-"))
    yield path
    stop_postmaster(path)
    shutil.rmtree(path, ignore_errors=True)


def assert_serves_the_platform(run: DemoRun) -> None:
    port = run.port
    for host in ("localhost", "demo.localhost"):
        response = http_get(port, host, "/")
        assert response.status == 200, f"/ on {host}: {response.status}\n{run.tail()}"
    health = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    health.request("GET", "/healthz", headers={"Host": "localhost"})
    reply = health.getresponse()
    body = json.loads(reply.read())
    assert reply.status == 200, body
    assert body == {"status": "ok", "database": "ok", "broker": "ok"}
    assert http_get(port, "localhost", "/accounts/login/").status == 200
    admin = http_get(port, "localhost", "/admin/")
    assert admin.status == 302
    assert "login" in admin.getheader("Location", "")


def stop_and_assert_everything_stopped(run: DemoRun, data_dir: Path) -> None:
    children = run.descendants()
    assert children, "the demo runs no child processes?"
    assert run.interrupt() == 0, run.tail()
    left = [p for p in children if not gone(p)]
    assert not left, f"still running after Ctrl-C: {left}"
    assert postmaster_pid(data_dir) is None, "the embedded PostgreSQL it started still runs"
    assert "==> stopped" in run.output


def new_users(run: DemoRun) -> int:
    return int(run.wait_for(r"Demo data: (\d+) new users", 5).group(1))


def test_demo_starts_from_nothing_stops_cleanly_and_reuses_its_data(data_dir: Path, redis_server) -> None:  # type: ignore[no-untyped-def]
    socket_path = data_dir / "pg" / ".s.PGSQL.5432"
    assert len(str(socket_path).encode()) < 100

    # First run: nothing exists yet; no broker, so the single-process mode.
    run = DemoRun(data_dir=data_dir, port=free_port(), broker="filesystem://")
    try:
        run.wait_for(r"Klachtpunt demo is running", timeout=100)
        assert socket_path.exists()
        assert "embedded PostgreSQL" in run.output
        assert new_users(run) > 0
        assert "Password for every demo login:" in run.output
        for login in ("beheer@klachtpunt.test", "coordinator@klachtpunt.test", "beheer@demo.test"):
            assert login in run.output
        assert run.output.count("otpauth://totp/") >= 9
        assert f"http://demo.localhost:{run.port}/" in run.output
        assert "single-process mode" in run.output
        commands = [" ".join(p.cmdline()) for p in run.descendants()]
        assert any("gunicorn" in c for c in commands), commands
        assert any("celery" in c and "worker" in c and "--beat" in c for c in commands), commands

        assert_serves_the_platform(run)
        secret = assert_safe_by_default(run, data_dir)
        # The one worker process takes tasks off the filesystem broker.
        sent = subprocess.run(
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "shell",
                "--no-imports",
                "-c",
                "from klachtpunt.tasks import runtime_probe; runtime_probe.delay()",
            ],
            cwd=ROOT,
            env=run.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert sent.returncode == 0, sent.stdout + sent.stderr
        run.wait_for(r"Task klachtpunt\.tasks\.runtime_probe\[[^\]]+\] succeeded", timeout=30)

        stop_and_assert_everything_stopped(run, data_dir)
    finally:
        run.kill()

    # Second run on the same data, with a broker: worker and beat as their own processes.
    run = DemoRun(data_dir=data_dir, port=free_port(), broker=redis_server.url)
    try:
        run.wait_for(r"Klachtpunt demo is running", timeout=60)
        assert new_users(run) == 0
        assert "provider_provisioned" not in run.output
        assert "template: current" in run.output
        commands = [" ".join(p.cmdline()) for p in run.descendants()]
        assert any("celery" in c and " beat" in c for c in commands), commands
        assert any("celery" in c and " worker" in c and "--beat" not in c for c in commands), commands
        assert_serves_the_platform(run)
        # The secret made on the first run is kept: links signed then still work.
        assert assert_safe_by_default(run, data_dir) == secret
        stop_and_assert_everything_stopped(run, data_dir)
    finally:
        run.kill()
