"""The production processes on one machine, for the load and fault tests.

gunicorn with deploy/gunicorn.conf.py (production profile), the outbox relay
(``relay_outbox --follow``, ``OUTBOX_HANDOFF=notify``) and a Celery worker
(prefork, acks_late) writing e-mail to files, all against a private PostgreSQL
cluster (tests/reliability/pgcluster.py) and a private Redis, as
tests/bench/bench_intake.py runs them. Every process can be stopped, killed and
started again on the same ports.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from email import message_from_string, policy
from email.message import EmailMessage
from pathlib import Path

import psutil
import redis

from tests.conftest import ROOT, RedisServer, subprocess_env
from tests.reliability.pgcluster import PgCluster
from tests.support import free_port

GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
# Django's file backend separates the messages it writes into one file with this line.
MESSAGE_SEPARATOR = "\n" + "-" * 79 + "\n"


def wait_for(condition, seconds: float, failure: str, log: Path | None = None) -> None:  # type: ignore[no-untyped-def]
    """Poll ``condition`` until it is true; fail with ``failure`` (and the log's tail) after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"{failure}\n{log_excerpt(log) if log else ''}")


def log_excerpt(log: Path, tail_chars: int = 4000) -> str:
    """The lines that say why a process gave up (CRITICAL, exit, supervisor) and the log's tail."""
    if not log.exists():
        return ""
    text = log.read_text(errors="replace")
    marks = ("CRITICAL", "Unrecoverable", "supervisor:", "Frequent restarts")
    causes = [line for line in text.splitlines() if any(mark in line for mark in marks)]
    return "\n".join(["-- why --", *causes[-20:], "-- tail --", text[-tail_chars:]])


@dataclass
class Broker:
    """A private Redis that persists (append-only file, as deploy/compose.yaml runs it), so
    killing it loses no message it acknowledged; it comes back on the same port."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is missing: `make test` installs it (deploy/dev/ensure-system-deps.sh)"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--appendonly", "yes", "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self._answers, 30, "redis-server did not start")

    def _answers(self) -> bool:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@dataclass
class Stack:
    cluster: PgCluster
    redis: Broker | RedisServer
    folder: Path
    dbname: str = "klachtpunt"
    web_port: int = field(default_factory=free_port)
    web: subprocess.Popen | None = None
    relay: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None
    worker_concurrency: int = 2
    # Like deploy/compose.yaml (restart: unless-stopped) and the Kubernetes Deployment, a
    # worker process that exits is started again; every restart is counted and logged.
    worker_restarts: int = 0
    _supervising: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def mail_dir(self) -> Path:
        return self.folder / "mail"

    @property
    def media_dir(self) -> Path:
        return self.folder / "media"

    @property
    def database_url(self) -> str:
        return self.cluster.url(self.dbname)

    def env(self, **extra: str) -> dict[str, str]:
        env = subprocess_env(
            KLACHTPUNT_PROFILE="production",
            SECRET_KEY="reliability-" + "k" * 60,
            ALLOWED_HOSTS=".localhost,localhost,127.0.0.1",
            SECURE_SSL_REDIRECT="0",
            DATABASE_URL=self.database_url,
            CELERY_BROKER_URL=self.redis.url,
            # Rate-limit counters shared by every web worker, as deployed.
            CACHE_URL=self.redis.url.rsplit("/", 1)[0] + "/1",
            EMAIL_URL=f"file://{self.mail_dir}",
            MEDIA_ROOT=str(self.media_dir),
            OUTBOX_HANDOFF="notify",
            GUNICORN_BIND=f"127.0.0.1:{self.web_port}",
            GUNICORN_ACCESS_LOG="0",
            LOG_LEVEL="WARNING",
            EXECUTOR="standard",
            PYTHONUNBUFFERED="1",
            DJANGO_SETTINGS_MODULE="klachtpunt.settings",
            **{**self.extra_env, **extra},
        )
        for name in ("KLACHTPUNT_TESTING", "CELERY_RESULT_BACKEND", "SENTRY_DSN", "PLATFORM_PORT"):
            env.pop(name, None)
        return env

    def manage(self, *args: str, timeout: float = 900) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, (
            f"manage.py {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
        return done.stdout

    def prepare(self, slug: str) -> str:
        """A migrated database with one provider; returns the provider's host name."""
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        self.media_dir.mkdir(parents=True, exist_ok=True)
        self.cluster.create_database(self.dbname)
        self.manage("migrate_schemas", "--shared", "--noinput")
        self.manage("provision_provider", slug, f"Zorg {slug}")
        return f"{slug}.localhost"

    def _spawn(self, args: list[str], log_name: str, **extra: str) -> subprocess.Popen:
        log = (self.folder / log_name).open("ab")
        return subprocess.Popen(args, cwd=ROOT, env=self.env(**extra), stdout=log, stderr=subprocess.STDOUT)

    def log(self, name: str) -> Path:
        return self.folder / name

    # -- web ------------------------------------------------------------------------

    def start_web(self, **extra: str) -> None:
        self.web = self._spawn(
            [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "klachtpunt.wsgi:application"],
            "web.log",
            **extra,
        )
        wait_for(self._web_answers, 90, "gunicorn did not answer", self.log("web.log"))

    def _web_answers(self) -> bool:
        assert self.web is not None and self.web.poll() is None, self.log("web.log").read_text()[-3000:]
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=5)
            conn.request("GET", "/healthz", headers={"Host": "localhost"})
            conn.getresponse().read()
            conn.close()
            return True
        except OSError:
            return False

    # -- relay and worker -----------------------------------------------------------

    def start_relay(self) -> None:
        self.relay = self._spawn([sys.executable, "manage.py", "relay_outbox", "--follow"], "relay.log")

    def start_worker(self) -> None:
        self.worker = self._spawn_worker()
        wait_for(lambda: " ready." in self.log("worker.log").read_text(errors="replace"), 90,
                 "the worker did not start", self.log("worker.log"))  # fmt: skip
        if not self._supervising:
            self._supervising = True
            threading.Thread(target=self._supervise_worker, name="worker-supervisor", daemon=True).start()

    def _spawn_worker(self) -> subprocess.Popen:
        return self._spawn(
            [
                sys.executable, "-m", "celery", "-A", "klachtpunt", "worker", "--pool=prefork",
                f"--concurrency={self.worker_concurrency}", "-l", "info", "-n", f"w{uuid.uuid4().hex[:6]}@%h",
            ],
            "worker.log",
        )  # fmt: skip

    def _supervise_worker(self) -> None:
        while self._supervising:
            worker = self.worker
            if worker is not None and worker.poll() is not None and self._supervising:
                with self.log("worker.log").open("a") as log:
                    log.write(f"supervisor: the worker exited with {worker.returncode}; starting it again\n")
                self.worker_restarts += 1
                self.worker = self._spawn_worker()
            time.sleep(0.5)

    def worker_children(self) -> list[psutil.Process]:
        if self.worker is None:
            return []
        try:
            return psutil.Process(self.worker.pid).children()
        except psutil.NoSuchProcess:
            return []

    def kill_busy_worker_child(self, seconds: float = 30) -> int:
        """SIGKILL a worker child while it runs a task (its CPU time moves); returns its pid."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for child in self.worker_children():
                try:
                    before = child.cpu_times()
                    time.sleep(0.05)
                    after = child.cpu_times()
                except psutil.NoSuchProcess:
                    continue
                if after.user + after.system > before.user + before.system:
                    os.kill(child.pid, signal.SIGKILL)
                    return child.pid
        raise AssertionError("no worker child was busy")

    def stop(self) -> None:
        self._supervising = False
        time.sleep(0.6)  # the supervisor's last look has passed
        for process in (self.web, self.relay, self.worker):
            if process is not None and process.poll() is None:
                process.terminate()
        for process in (self.web, self.relay, self.worker):
            if process is not None:
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)

    # -- what happened --------------------------------------------------------------

    def messages(self) -> list[EmailMessage]:
        found = []
        for path in sorted(self.mail_dir.iterdir()):
            for chunk in path.read_text(errors="replace").split(MESSAGE_SEPARATOR):
                if chunk.strip():
                    found.append(message_from_string(chunk.lstrip("\n"), policy=policy.default))
        return found

    def broker_idle(self) -> bool:
        """No task message queued and none delivered but unacknowledged (acks_late)."""
        client = redis.Redis.from_url(self.redis.url)
        try:
            queued = sum(client.llen(k) for k in client.scan_iter("celery*") if client.type(k) == b"list")
            return queued == 0 and client.hlen("unacked") == 0
        except redis.RedisError:
            return False
        finally:
            client.close()
