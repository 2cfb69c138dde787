"""Many tenants on one database: ``make bench-scale`` (``BENCH_SCALE_TENANTS``, default 5,000).

Works in a database of its own (``<test database>_bench_scale``), created here
and dropped at the end, with tests/bench/settings.py (the product plus
``benchapp``, whose ``0002_note_priority`` is the "one new migration"):

1. the public schema migrated; ``BENCH_SCALE_PROVISION`` (100) tenants made by
   ``provider_provision`` with the spare pool refilled after each (the rate a
   sign-up sees); the rest made by replaying the same script, one schema per
   transaction (``manage.py bench_scale fill``: fast, not the product path);
2. the catalogue: ``pg_class`` rows and database size, per tenant;
3. 0002 taken out of every schema with SQL, then
   ``manage.py migrate_schemas --tenant --executor=parallel`` timed (and
   django-tenants' own ``multiprocessing`` executor, for comparison, up to
   1,000 tenants: it grows with the square of the count);
4. ``manage.py bench_scale probe``: a tenant host's first and warm request,
   the deadline-reminder run over ``BENCH_SCALE_CASES`` (100,000) case-index
   rows, the invoicing run, a PostgreSQL backend's memory after one connection
   touched every schema, without and with the product's recycling;
5. ``pg_dump`` of one tenant and of everything;
6. the coordinator queue's first page over ``BENCH_SCALE_CASES`` cases of all
   the providers, and the monthly invoicing run for all the providers with 20
   entries each: tests/bench/bench_queue.py and bench_invoicing.py run as
   they are, with their knobs set to this scale (both read only the public
   schema, so they run in the ordinary test database).

One table at the end; figures in tests/artifacts/bench-scale.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.bench.bench_migrations import (
    _bench_schemas,
    _connect,
    _database_url,
    _server,
    _state,
    _take_out_migration,
)
from tests.bench.reporting import ARTIFACTS_DIR, ROOT, environment, print_table, summarize, write_artifact

TENANTS = int(os.environ.get("BENCH_SCALE_TENANTS", "5000"))
PROVISION = min(TENANTS, int(os.environ.get("BENCH_SCALE_PROVISION", "100")))
CASES = int(os.environ.get("BENCH_SCALE_CASES", "100000"))
COMPARE_UP_TO = 1000  # django-tenants' multiprocessing executor only up to this many tenants
PROCESSES = 2
MIGRATION_TARGET_S = 300.0
QUEUE_TARGET_MS = 50.0
BACKEND_TARGET_MB = 200.0


# What is measured so far; written to the artifact at every step, so a run cut short keeps it.
FIGURES: dict[str, Any] = {}


def _step(message: str) -> None:
    if FIGURES:
        write_artifact("scale", FIGURES)
    print(f"[bench_scale] {time.strftime('%H:%M:%S')} {message}", flush=True)


def _database_name() -> str:
    from django.conf import settings

    return settings.DATABASES["default"]["TEST"]["NAME"] + "_bench_scale"


def _run(command: list[str], env: dict[str, str], timeout: float = 7200) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return elapsed, result.stdout


def _manage(env: dict[str, str], *args: str) -> tuple[float, str]:
    return _run([sys.executable, "manage.py", *args], env)


def _json_tail(output: str) -> dict[str, Any]:
    return json.loads(output.strip().splitlines()[-1])


def _catalogue(cursor: Any) -> dict[str, float]:
    cursor.execute("SELECT count(*) FROM pg_class")
    rows = cursor.fetchone()[0]
    cursor.execute("SELECT pg_database_size(current_database())")
    size = cursor.fetchone()[0]
    return {"pg_class_rows": rows, "database_bytes": size}


def _pg_dump(name: str, *extra: str) -> dict[str, float]:
    server = _server()
    command = ["pg_dump", "-Fc", "-d", name, *extra]
    for flag, key in (("-h", "host"), ("-p", "port"), ("-U", "user")):
        if server[key]:
            command += [flag, str(server[key])]
    env = {**os.environ, **({"PGPASSWORD": server["password"]} if server["password"] else {})}
    with tempfile.NamedTemporaryFile(suffix=".dump") as target:
        started = time.perf_counter()
        done = subprocess.run(
            [*command, "-f", target.name], env=env, capture_output=True, text=True, timeout=7200
        )
        seconds = time.perf_counter() - started
        if done.returncode:
            # pg_dump locks every table it dumps in one transaction: with thousands of
            # schemas that exceeds the lock table (max_locks_per_transaction). A finding.
            return {"seconds": seconds, "bytes": 0, "error": done.stderr.strip().splitlines()[0]}
        return {"seconds": seconds, "bytes": Path(target.name).stat().st_size}


def _other_bench(module: str, artifact: str, **knobs: str) -> dict[str, Any]:
    # A test database of its own: this session's name may be in use.
    suffix = os.environ.get("KLACHTPUNT_TEST_DB_SUFFIX", "") + "_scalesub"
    env = {**os.environ, **knobs, "KLACHTPUNT_TESTING": "1", "KLACHTPUNT_TEST_DB_SUFFIX": suffix}
    _run([sys.executable, "-m", "pytest", f"tests/bench/{module}", "-p", "no:xdist", "-q", "-s"], env)
    return json.loads((ARTIFACTS_DIR / f"bench-{artifact}.json").read_text())


def test_scale_many_tenants_on_one_database() -> None:
    from tests.conftest import subprocess_env

    name = _database_name()
    figures = FIGURES
    figures |= {
        "benchmark": "scale",
        "tenants": TENANTS,
        "cases": CASES,
        "processes": PROCESSES,
    }
    print()
    with _connect("postgres") as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        env = subprocess_env(
            DATABASE_URL=_database_url(name),
            DJANGO_SETTINGS_MODULE="tests.bench.settings",
            KLACHTPUNT_TESTING="1",
            TENANT_MIGRATION_PROCESSES=str(PROCESSES),
            LOG_LEVEL="WARNING",
            EMAIL_URL="dummy://",
            OUTBOX_HANDOFF="commit",
        )
        seconds, _ = _manage(env, "migrate_schemas", "--shared", "--noinput", "-v", "0")
        _step(f"public schema migrated in {seconds:.1f} s")
        with _connect(name) as cursor:
            empty = _catalogue(cursor)

        seconds, output = _manage(env, "bench_scale", "provision", str(PROVISION))
        provisioned = _json_tail(output)
        per = summarize(provisioned["ms"])
        figures["provisioning"] = {
            "tenants": PROVISION,
            "command_s": seconds,
            "per_tenant_ms": per,
            "rate_per_s": PROVISION / (sum(provisioned["ms"]) / 1000),
            "spares_left": provisioned["spares_left"],
        }
        _step(
            f"{PROVISION} tenants provisioned, median {per['median']:.0f} ms (spare pool refilled after each)"
        )
        if TENANTS > PROVISION:
            # In two processes, over two halves.
            half = (TENANTS - PROVISION) // 2
            ranges = [(PROVISION, half), (PROVISION + half, TENANTS - PROVISION - half)]
            started = time.perf_counter()
            processes = [
                subprocess.Popen(
                    [sys.executable, "manage.py", "bench_scale", "fill", str(start), str(count)],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for start, count in ranges
                if count
            ]
            for process in processes:
                _, err = process.communicate(timeout=7200)
                assert process.returncode == 0, err[-3000:]
            figures["fill"] = {"tenants": TENANTS - PROVISION, "seconds": time.perf_counter() - started}
            _step(
                f"{TENANTS - PROVISION} more tenants by script replay in {figures['fill']['seconds']:.0f} s"
            )

        with _connect(name) as cursor:
            cursor.execute("VACUUM ANALYZE pg_catalog.pg_class")
            full = _catalogue(cursor)
            schemas = _bench_schemas(cursor)
            assert len(schemas) == TENANTS
            full_state = {"recorded": TENANTS, "columns": TENANTS, "indexes": TENANTS}
            assert _state(cursor, schemas) == full_state
            figures["catalogue"] = {
                "empty": empty,
                "full": full,
                "pg_class_rows_per_tenant": (full["pg_class_rows"] - empty["pg_class_rows"]) / TENANTS,
                "bytes_per_tenant": (full["database_bytes"] - empty["database_bytes"]) / TENANTS,
            }
            _step(f"catalogue: {full['pg_class_rows']} pg_class rows, {full['database_bytes'] / 1e9:.2f} GB")

            runs: dict[str, dict[str, float]] = {}
            executors = [("parallel", "product: --executor=parallel")]
            if TENANTS <= COMPARE_UP_TO:
                executors.append(("multiprocessing", "django-tenants multiprocessing (before)"))
            for executor, label in executors:
                _take_out_migration(cursor, schemas)
                assert _state(cursor, schemas) == {"recorded": 0, "columns": 0, "indexes": 0}
                command = ["migrate_schemas", "--tenant", f"--executor={executor}", "--noinput"]
                seconds, output = _manage(env, *command)
                assert _state(cursor, schemas) == full_state, f"{label} applied 0002 everywhere"
                runs[label] = {"wall_s": seconds, "ms_per_tenant": seconds / TENANTS * 1000}
                _step(f"one migration over {TENANTS} tenants, {label}: {seconds:.1f} s")
            figures["migration"] = runs
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0]

        seconds, output = _manage(env, "bench_scale", "probe", str(TENANTS), str(CASES))
        figures["probe"] = _json_tail(output)
        _step(f"probe done in {seconds:.0f} s")

        with _connect(name) as cursor:
            cursor.execute("SELECT schema_name FROM tenants_provider WHERE slug = 'bench-0001'")
            one_schema = cursor.fetchone()[0]
        figures["pg_dump_one"] = _pg_dump(name, "-n", one_schema)
        figures["pg_dump_all"] = _pg_dump(name)
        _step(f"pg_dump: one tenant {figures['pg_dump_one']}, all {figures['pg_dump_all']}")
    finally:
        with _connect("postgres") as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    queue = _other_bench(
        "bench_queue.py", "queue", BENCH_QUEUE_CASES=str(CASES), BENCH_QUEUE_PROVIDERS=str(TENANTS)
    )
    figures["queue"] = queue
    _step(f"queue first page: {_first_page_ms(queue):.1f} ms")
    invoicing = _other_bench(
        "bench_invoicing.py",
        "invoicing",
        BENCH_INVOICING_PROVIDERS=str(TENANTS),
        BENCH_INVOICING_ENTRIES=str(TENANTS * int(os.environ.get("BENCH_SCALE_ENTRIES_PER_PROVIDER", "20"))),
    )
    figures["invoicing"] = invoicing
    figures["environment"] = environment(pg_version)
    write_artifact("scale", figures)
    _print(figures)


def _first_page_ms(queue: dict[str, Any]) -> float:
    return float(queue["scenarios"]["first page"]["server_ms"]["median"])


def _print(figures: dict[str, Any]) -> None:
    p, c, probe = figures["provisioning"], figures["catalogue"], figures["probe"]
    migration = figures["migration"]["product: --executor=parallel"]
    without_kb = probe["backend_after_all_schemas_no_recycling_kb"]
    peak_kb = probe["backend_peak_with_recycling_kb"] or {"VmRSS": 0, "RssAnon": 0}
    without, with_recycling = without_kb["VmRSS"] / 1024, peak_kb["VmRSS"] / 1024
    queue_ms = _first_page_ms(figures["queue"])
    invoicing = figures["invoicing"]
    rows = [
        [
            "provisioning (spare pool refilled after each)",
            f"{p['per_tenant_ms']['median']:.0f} ms median, {p['rate_per_s']:.1f}/s over {p['tenants']}",
            "",
        ],
        [
            "one new migration, all tenants (--executor=parallel, 2 processes)",
            f"{migration['wall_s']:.0f} s ({migration['ms_per_tenant']:.1f} ms/tenant)",
            f"< {MIGRATION_TARGET_S:.0f} s at 5,000 ({MIGRATION_TARGET_S / 5:.0f} ms/tenant): "
            + ("on course" if migration["ms_per_tenant"] < MIGRATION_TARGET_S / 5 else "missed"),
        ],
    ]
    for label, run in figures["migration"].items():
        if label.startswith("django-tenants"):
            rows.append(
                [f"  the same, {label}", f"{run['wall_s']:.0f} s ({run['ms_per_tenant']:.1f} ms/tenant)", ""]
            )
    rows += [
        [
            f"coordinator queue, first page over {figures['cases']:,} cases",
            f"{queue_ms:.1f} ms median",
            f"< {QUEUE_TARGET_MS:.0f} ms: " + ("met" if queue_ms < QUEUE_TARGET_MS else "missed"),
        ],
        [
            "tenant host: first request / warm",
            f"{probe['first_request_ms']:.0f} ms / "
            f"{probe['warm_request_ms']:.1f} ms "
            f"(another tenant's first: {probe['other_tenant_first_request_ms']:.0f} ms)",
            "",
        ],
        [
            f"deadline-reminder run ({probe['cases_seeded']:,} index rows)",
            f"{probe['reminders_run_s']:.2f} s, {probe['reminders_queued']} queued",
            "",
        ],
        [f"monthly invoicing ({invoicing['providers']:,} providers)", _invoicing_cell(invoicing), ""],
        ["retention sweep, every tenant schema", f"{probe['retention_sweep_s']:.0f} s", ""],
        [
            "catalogue: pg_class rows",
            f"{c['full']['pg_class_rows']:,} ({c['pg_class_rows_per_tenant']:.0f}/tenant)",
            "",
        ],
        [
            "catalogue: database size",
            f"{c['full']['database_bytes'] / 1e9:.2f} GB ({c['bytes_per_tenant'] / 1e6:.2f} MB/tenant)",
            "",
        ],
        [
            "PostgreSQL backend after touching every schema: RSS (private part)",
            f"{without:.0f} MB ({without_kb['RssAnon'] / 1024:.0f} MB) without recycling; "
            f"{with_recycling:.0f} MB ({peak_kb['RssAnon'] / 1024:.0f} MB) peak, recycling every "
            f"{probe['recycle_every']}",
            f"< {BACKEND_TARGET_MB:.0f} MB: " + ("met" if with_recycling < BACKEND_TARGET_MB else "missed"),
        ],
        ["Python worker process (probe) max RSS", f"{probe['probe_process_max_rss_kb'] / 1024:.0f} MB", ""],
        [
            "pg_dump, one tenant",
            f"{figures['pg_dump_one']['seconds']:.1f} s, {figures['pg_dump_one']['bytes'] / 1e3:.0f} kB",
            "",
        ],
        [
            "pg_dump, everything (-Fc)",
            f"{figures['pg_dump_all']['seconds']:.0f} s, {figures['pg_dump_all']['bytes'] / 1e6:.1f} MB"
            if "error" not in figures["pg_dump_all"]
            else f"failed after {figures['pg_dump_all']['seconds']:.0f} s: {figures['pg_dump_all']['error']}",
            "",
        ],
    ]
    print_table(
        f"{figures['tenants']:,} tenants on one database, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.1f} at the end",
        ["measure", "figure", "target"],
        rows,
    )


def _invoicing_cell(invoicing: dict[str, Any]) -> str:
    first, second = invoicing["first_run"], invoicing["second_run"]
    return (
        f"{first['seconds']:.1f} s ({invoicing['time_entries']:,} entries, "
        f"{first['invoices']} invoices to fake Stripe); again: {second['seconds']:.1f} s"
    )
