"""Complaints per second through ``POST /api/v1/complaints`` against a bare Django insert.

The production server (gunicorn with deploy/gunicorn.conf.py, production
profile: persistent database connections, no debug) serves both endpoints from
the same processes, behind the same middleware, on a free loopback port:

- bare:    a view that parses the JSON body and inserts one row (tests/bench/intake_site.py);
- intake:  the real thing: origin, form token, rate-limit counters, form validation, then one
           transaction for dossier, consent record, timeline, follow link, case index, access
           log and two outbox rows. As deployed (``OUTBOX_HANDOFF=notify``) the relay process
           (``relay_outbox --follow``, started here too) hands them to the broker (a private
           Redis; no worker, so the messages wait there as they would for a busy one);
           ``BENCH_INTAKE_HANDOFF=commit`` measures the hand-off inside the request instead.

Proof of work is off for the run (``WIDGET_POW=0``); the rate limits stay on but
are set high, so their counters are paid without refusing anyone. Clients are
threads with ``http.client`` over loopback, a fresh connection per request (the
sync workers close it anyway); a clean error (connection refused, 429, 5xx) is
retried with the same Idempotency-Key. The two endpoints take turns in rounds.

Lost submissions: every 201 must be in the database at the end (dossier and
case index, both outbox rows), and every bare 201 must be a row. Target
(DESIGN.md section 7): intake within 2x of the bare insert, zero lost.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection

from casework.index.models import CaseIndex
from casework.models import Complaint
from outbox.models import OutboxMessage
from tenants.clusters import schema_context
from tests.bench.intake_site import TABLE, TABLE_DDL
from tests.bench.reporting import environment, print_table, summarize, write_artifact
from tests.conftest import ROOT, RedisServer, _spawn_redis, subprocess_env
from tests.support import World, free_port

SECONDS = float(os.environ.get("BENCH_INTAKE_SECONDS", "8"))  # per round and endpoint
ROUNDS = int(os.environ.get("BENCH_INTAKE_ROUNDS", "3"))
CLIENTS = int(os.environ.get("BENCH_INTAKE_CLIENTS", "8"))
WORKERS = os.environ.get("BENCH_INTAKE_WORKERS", "")  # default: the gunicorn config's own
HANDOFF = os.environ.get("BENCH_INTAKE_HANDOFF", "notify")  # as deployed; "commit" hands off in the request
TARGET_RATIO = 2.0
MAX_TRIES = 8
INTAKE_PATH = "/api/v1/complaints"
BARE_PATH = "/bench/bare-insert"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"

WHAT_HAPPENED = (
    "Mijn moeder kreeg drie avonden achter elkaar haar medicijnen ruim twee uur te laat. "
    "Toen ik het aan de avonddienst vroeg, kreeg ik te horen dat er te weinig mensen waren. "
    "Ik wil weten hoe dit kan gebeuren en wat er wordt gedaan om het te voorkomen. "
) * 3


@dataclass
class Server:
    port: int
    host: str
    process: subprocess.Popen
    log: Path


@dataclass
class Tally:
    """What the clients of one round saw."""

    ok: int = 0
    retries: int = 0
    failures: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    made: list[str] = field(default_factory=list)  # references (intake) or row ids (bare)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds: app workers, db backends, client
    lock: threading.Lock = field(default_factory=threading.Lock)


def _wait_until_serving(server: Server) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{server.log.read_text()[-4000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=2)
            conn.request("GET", "/healthz", headers={"Host": "localhost"})
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within 60 s:\n{server.log.read_text()[-4000:]}")


@pytest.fixture
def bench_redis() -> Iterator[RedisServer]:
    port = free_port()
    server = RedisServer(port=port, process=_spawn_redis(port))
    yield server
    server.stop()


@pytest.fixture
def bare_table(committed_db: World) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(TABLE_DDL)
        cursor.execute(f"TRUNCATE public.{TABLE}")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS public.{TABLE}")


@pytest.fixture
def production_server(
    committed_db: World,
    bare_table: None,
    bench_redis: RedisServer,
    test_database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    assert connection.settings_dict["NAME"].startswith("test_"), "never the developer's database"
    port = free_port()
    log = tmp_path_factory.mktemp("bench-intake") / "gunicorn.log"
    env = subprocess_env(
        KLACHTPUNT_PROFILE="production",
        SECRET_KEY=uuid.uuid4().hex * 2,
        ALLOWED_HOSTS=".localhost,localhost,127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=test_database_url,
        CELERY_BROKER_URL=bench_redis.url,
        EMAIL_URL="memory://",
        WIDGET_POW="0",
        WIDGET_RATE_LIMIT_IP="100000000/1m",
        WIDGET_RATE_LIMIT_PROVIDER="100000000/1m",
        WIDGET_RATE_LIMIT_GLOBAL="100000000/1m",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        # Production hand-off: requests only write outbox rows; the relay process sends them.
        OUTBOX_HANDOFF=HANDOFF,
        GUNICORN_ACCESS_LOG="0",
        LOG_LEVEL="WARNING",
    )
    for name in ("KLACHTPUNT_TESTING", "CELERY_RESULT_BACKEND", "CACHE_URL", "SENTRY_DSN", "PLATFORM_PORT"):
        env.pop(name, None)
    if WORKERS:
        env["WEB_CONCURRENCY"] = WORKERS
    command = [sys.executable, "-m", "gunicorn"]
    if GUNICORN_CONF.exists():
        command += ["-c", str(GUNICORN_CONF)]
    else:
        command += ["--workers", WORKERS or "2", "--bind", f"127.0.0.1:{port}"]
    # On the command line it wins over the config file's raw_env.
    command += ["-e", "DJANGO_SETTINGS_MODULE=tests.bench.intake_settings", "klachtpunt.wsgi:application"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        relay = (
            subprocess.Popen(
                [sys.executable, "manage.py", "relay_outbox", "--follow"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            if HANDOFF == "notify"
            else None
        )
    server = Server(port=port, host=f"{committed_db.alpha_host}:{port}", process=process, log=log)
    try:
        _wait_until_serving(server)
        yield server
    finally:
        if relay is not None:
            relay.terminate()
            relay.wait(20)
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _post(server: Server, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _form_token(server: Server) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("GET", f"{INTAKE_PATH}/challenge", headers={"Host": server.host})
        response = conn.getresponse()
        body = json.loads(response.read())
    finally:
        conn.close()
    assert response.status == 200, body
    assert body["challenge"] is None, "proof of work should be off for the benchmark"
    return body["token"]


class Client:
    """One simulated complainant's browser, submitting again and again."""

    def __init__(self, server: Server, endpoint: str) -> None:
        self.server = server
        self.endpoint = endpoint
        self.token = _form_token(server) if endpoint == "intake" else ""

    def one(self, tally: Tally) -> None:
        key = uuid.uuid4().hex
        fields = {
            "complainant_kind": "client",
            "complainant_name": "Bench Klager",
            "complainant_email": f"bench-{key[:12]}@example.nl",
            "what_happened": WHAT_HAPPENED,
            "category": "treatment",
            "law": "wlz",
            "goal": "explanation",
            "track": "informal",
            "consent": "given",
            "token": self.token,
        }
        headers = {
            "Host": self.server.host,
            "Content-Type": "application/json",
            "Origin": f"http://{self.server.host}",
            "Idempotency-Key": key,
        }
        path = INTAKE_PATH if self.endpoint == "intake" else BARE_PATH
        body = json.dumps(fields).encode()
        started = time.perf_counter()
        for attempt in range(MAX_TRIES):
            try:
                status, answer = _post(self.server, path, body, headers)
            except OSError:
                status, answer = 0, b""
            if status in (200, 201):
                data = json.loads(answer)
                made = data["reference"] if self.endpoint == "intake" else str(data["id"])
                with tally.lock:
                    tally.ok += 1
                    tally.retries += attempt
                    tally.latencies_ms.append((time.perf_counter() - started) * 1000)
                    tally.made.append(made)
                return
            if status and status < 500 and status != 429:
                raise AssertionError(f"{path} refused a valid submission: {status} {answer[:500]!r}")
            time.sleep(0.05 * (attempt + 1))
        with tally.lock:
            tally.failures += 1


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of one process so far (0 if it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _server_pids(server: Server) -> dict[str, list[int]]:
    """The gunicorn workers, and the PostgreSQL backends serving this database (not ours)."""
    workers = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == server.process.pid:
                workers.append(int(entry.name))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        backends = [row[0] for row in cursor.fetchall()]
    return {"app": workers, "db": backends}


def _cpu_snapshot(server: Server) -> dict[str, dict[int, float]]:
    return {kind: {pid: _cpu_seconds(pid) for pid in pids} for kind, pids in _server_pids(server).items()}


def _cpu_used(before: dict[str, dict[int, float]], server: Server) -> dict[str, float]:
    after = _cpu_snapshot(server)
    return {
        kind: sum(max(0.0, cpu - before[kind].get(pid, 0.0)) for pid, cpu in after[kind].items())
        for kind in after
    }


def _round(server: Server, endpoint: str, seconds: float) -> tuple[Tally, float]:
    tally = Tally()
    clients = [Client(server, endpoint) for _ in range(CLIENTS)]
    stop = time.perf_counter() + seconds

    def work(client: Client) -> None:
        while time.perf_counter() < stop:
            client.one(tally)

    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    cpu_before = _cpu_snapshot(server)
    client_cpu = time.process_time()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    tally.cpu = {**_cpu_used(cpu_before, server), "client": time.process_time() - client_cpu}
    return tally, elapsed


def _lost(world: World, references: list[str], bare_ids: list[str]) -> dict[str, int]:
    with schema_context(world.alpha.schema_name):
        dossiers = Complaint.objects.filter(reference__in=references)
        dossier_ids = list(dossiers.values_list("pk", flat=True))
    indexed = CaseIndex.objects.filter(reference__in=references).count()
    outbox = OutboxMessage.objects.filter(
        schema_name=world.alpha.schema_name, kwargs__complaint_id__in=dossier_ids
    ).count()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM public.{TABLE} WHERE id = ANY(%s)", [[int(i) for i in bare_ids]]
        )
        bare_rows = cursor.fetchone()[0]
    return {
        "intake_dossiers": len(set(references)) - len(dossier_ids),
        "intake_case_index": len(set(references)) - indexed,
        "intake_outbox_rows": 2 * len(dossier_ids) - outbox,
        "bare_rows": len(set(bare_ids)) - bare_rows,
    }


def test_intake_throughput_against_a_bare_insert(production_server: Server, committed_db: World) -> None:
    server = production_server
    # Warm up both endpoints in every worker: imports, connections, the tenant cache.
    for endpoint in ("bare", "intake"):
        _round(server, endpoint, 1.5)

    tallies: dict[str, list[tuple[Tally, float]]] = {"bare": [], "intake": []}
    for index in range(ROUNDS):
        order = ("bare", "intake") if index % 2 == 0 else ("intake", "bare")
        for endpoint in order:
            tallies[endpoint].append(_round(server, endpoint, SECONDS))

    figures: dict[str, dict] = {}
    for endpoint, runs in tallies.items():
        ok = sum(t.ok for t, _ in runs)
        elapsed = sum(seconds for _, seconds in runs)
        latencies = [ms for t, _ in runs for ms in t.latencies_ms]
        cpu = {kind: sum(t.cpu[kind] for t, _ in runs) for kind in ("app", "db", "client")}
        figures[endpoint] = {
            "submissions": ok,
            "seconds": elapsed,
            "per_second": ok / elapsed,
            "per_second_by_round": [t.ok / seconds for t, seconds in runs],
            "retries": sum(t.retries for t, _ in runs),
            "failures": sum(t.failures for t, _ in runs),
            "latency_ms": summarize(latencies),
            "latency_ms_p99": sorted(latencies)[int(len(latencies) * 0.99) - 1] if latencies else None,
            # CPU per submission is steadier than the rate on a shared machine.
            "cpu_ms_per_submission": {kind: 1000 * used / max(ok, 1) for kind, used in cpu.items()},
            "client_cpu_share_of_one_core": cpu["client"] / elapsed,
        }
    references = [ref for t, _ in tallies["intake"] for ref in t.made]
    bare_ids = [ident for t, _ in tallies["bare"] for ident in t.made]
    lost = _lost(committed_db, references, bare_ids)
    bare, intake = figures["bare"], figures["intake"]
    ratio = bare["per_second"] / intake["per_second"]

    rows = [
        [
            name,
            f["submissions"],
            f["per_second"],
            f["latency_ms"]["median"],
            f["latency_ms"]["p90"],
            f["cpu_ms_per_submission"]["app"],
            f["cpu_ms_per_submission"]["db"],
            f["retries"],
            f["failures"],
        ]
        for name, f in (("bare insert (one row)", bare), ("POST /api/v1/complaints", intake))
    ]
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    workers = os.environ.get("BENCH_INTAKE_WORKERS") or "gunicorn.conf.py default"
    print_table(
        f"Complaint intake over loopback: {CLIENTS} client threads, {ROUNDS} rounds of {SECONDS:.0f} s "
        f"per endpoint, gunicorn workers: {workers}, proof of work off",
        [
            "endpoint",
            "201s",
            "per second",
            "median ms",
            "p90 ms",
            "app CPU ms",
            "db CPU ms",
            "retries",
            "failed",
        ],
        rows,
    )
    cpu_ratio = sum(intake["cpu_ms_per_submission"][k] for k in ("app", "db")) / sum(
        bare["cpu_ms_per_submission"][k] for k in ("app", "db")
    )
    verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
    print(f"ratio bare / intake: {ratio:.2f} (target <= {TARGET_RATIO:.0f}x) -> {verdict}")
    print(f"server CPU (app + db) per submission, intake / bare: {cpu_ratio:.2f}")
    print(
        f"client threads used {bare['client_cpu_share_of_one_core']:.0%} (bare) and "
        f"{intake['client_cpu_share_of_one_core']:.0%} (intake) of one core"
    )
    print(f"lost submissions: {lost}")
    write_artifact(
        "intake",
        {
            "benchmark": "intake",
            "unit": "complaints per second",
            "clients": CLIENTS,
            "rounds": ROUNDS,
            "seconds_per_round": SECONDS,
            "server": {
                "gunicorn_config": "deploy/gunicorn.conf.py" if GUNICORN_CONF.exists() else None,
                "workers": WORKERS or "config default",
                "profile": "production",
                "proof_of_work": False,
                "broker": "redis (private, no worker)",
                "outbox_handoff": HANDOFF,
            },
            "bare": bare,
            "intake": intake,
            "ratio_bare_over_intake": ratio,
            "server_cpu_ratio_intake_over_bare": cpu_ratio,
            "lost": lost,
            "target": {"ratio_at_most": TARGET_RATIO, "met": ratio <= TARGET_RATIO, "lost": 0},
            "environment": environment(pg_version),
        },
    )
    assert intake["submissions"] > 0 and bare["submissions"] > 0
    assert intake["failures"] == 0 and bare["failures"] == 0
    assert all(count == 0 for count in lost.values()), lost
