"""A private PostgreSQL cluster for the reliability tests: one the test may stop, kill and restore.

Never the machine's shared server: the cluster is made with Debian's own
binaries (``/usr/lib/postgresql/<version>/bin``) in a new folder, listens on a
free loopback port, trusts local connections, and is removed afterwards.
``initdb`` refuses to run as root, so as root the commands run as the
``postgres`` user (``runuser``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2

from tests.ports import free_port


def pg_bin_dir() -> Path | None:
    """The newest Debian PostgreSQL's bin folder, or None."""
    root = Path("/usr/lib/postgresql")
    versions = sorted(
        (p for p in root.glob("*/bin") if (p / "initdb").exists()), key=lambda p: int(p.parent.name)
    )
    return versions[-1] if versions else None


def _as_owner(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@dataclass
class PgCluster:
    """One PostgreSQL server: ``start()``, ``stop()``, ``kill()``, ``restart()``; ``url(dbname)``."""

    bin_dir: Path
    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def run(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
        """Run a command as the cluster's owner."""
        done = subprocess.run(_as_owner(list(args)), capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        return done

    @classmethod
    def create(cls, **settings: str) -> PgCluster:
        bin_dir = pg_bin_dir()
        if bin_dir is None:
            raise RuntimeError(
                "no PostgreSQL server binaries in /usr/lib/postgresql (apt-get install postgresql)"
            )
        root = Path(tempfile.mkdtemp(prefix="kp-pg-"))
        root.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        cluster = cls(bin_dir=bin_dir, root=root, settings=settings)
        cluster.run(
            str(bin_dir / "initdb"), "-D", str(cluster.data_dir), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        return cluster

    def start(self) -> None:
        options = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.root),
            "fsync": "off",  # a test cluster: speed over durability against power loss
            "max_connections": "200",
            **self.settings,
        }
        args = [str(self.bin_dir / "postgres"), "-D", str(self.data_dir)]
        for name, value in options.items():
            args += ["-c", f"{name}={value}"]
        log = self.log.open("ab")
        self.process = subprocess.Popen(_as_owner(args), stdout=log, stderr=subprocess.STDOUT)
        self.wait_ready()

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"postgres exited:\n{self.log.read_text()[-3000:]}")
            try:
                psycopg2.connect(
                    self.url().replace("postgres://", "postgresql://", 1), connect_timeout=2
                ).close()
                return
            except psycopg2.OperationalError:
                time.sleep(0.1)
        raise RuntimeError(f"postgres did not start:\n{self.log.read_text()[-3000:]}")

    def postmaster_pid(self) -> int | None:
        pid_file = self.data_dir / "postmaster.pid"
        try:
            return int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self, mode: str = "fast") -> None:
        """Shut down (``fast``: roll back and disconnect everyone, as a restart in production does)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.run(
            str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop", check=False
        )
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def psql(self, dbname: str, statement: str) -> list[tuple]:
        with psycopg2.connect(self.url(dbname).replace("postgres://", "postgresql://", 1)) as conn:
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(statement)
                return cursor.fetchall() if cursor.description else []

    def create_database(self, name: str) -> None:
        conn = psycopg2.connect(self.url().replace("postgres://", "postgresql://", 1))
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        conn.close()

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
