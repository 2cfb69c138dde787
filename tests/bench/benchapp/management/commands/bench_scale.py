"""``manage.py bench_scale STEP``: the steps of tests/bench/bench_scale.py that run inside Django.

Run only with tests/bench/settings.py, in the database bench_scale.py creates
and drops. Each step prints one JSON line with its figures.

- ``provision COUNT``: the product path, ``provider_provision``, with the spare
  pool refilled after each sign-up (the outbox task, run in-process).
- ``fill START COUNT``: more tenants, fast: each schema made by replaying the
  same script ``provider_provision`` replays, one schema per transaction, and
  the provider and domain rows in bulk. Not a product path; it only saves the
  sign-up overhead so thousands of schemas exist in minutes.
- ``probe``: with every schema in place: a tenant host's first and warm
  request, the deadline-reminder run over CASES index rows, the invoicing run,
  a PostgreSQL backend's memory after one connection touched every schema
  (without and with the product's connection recycling), and this process's.
"""

from __future__ import annotations

import datetime
import json
import os
import resource
import statistics
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from tenants.models import Domain, Provider
from tenants.provisioning import (
    current_template,
    provider_domain_name,
    provider_provision,
    schema_replay,
    spare_schemas_refill,
    template_prepare,
)


def slug_of(number: int) -> str:
    return f"bench-{number:04d}"


def backend_memory_kb() -> dict[str, int]:
    """Resident memory of this connection's PostgreSQL backend (same host), from /proc."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                fields[key] = int(value.split()[0])
    return fields


def own_memory_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class Command(BaseCommand):
    help = "Steps of the scale benchmark (tests/bench/bench_scale.py)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("step", choices=["provision", "fill", "probe"])
        parser.add_argument("numbers", nargs="*", type=int)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        figures = getattr(self, f"step_{options['step']}")(*options["numbers"])
        self.stdout.write(json.dumps(figures))

    def step_provision(self, count: int) -> dict[str, Any]:
        template = template_prepare()
        spare_schemas_refill()
        timings = []
        for number in range(count):
            started = time.perf_counter()
            provider_provision(name=f"Bench {number}", slug=slug_of(number))
            timings.append((time.perf_counter() - started) * 1000)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'kp\\_spare\\_%%'")
            spares_left = cursor.fetchone()[0]
        return {"ms": timings, "statements": len(template.statements), "spares_left": spares_left}

    def step_fill(self, start: int, count: int) -> dict[str, Any]:
        template = current_template()
        assert template is not None
        started = time.perf_counter()
        providers = []
        for number in range(start, start + count):
            slug = slug_of(number)
            schema = Provider.schema_name_for(slug)
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(f'CREATE SCHEMA "{schema}"')
                schema_replay(schema, template.statements)
            providers.append(Provider(name=f"Bench {number}", slug=slug, schema_name=schema))
            if len(providers) == 500 or number == start + count - 1:
                made = Provider.objects.bulk_create(providers)
                Domain.objects.bulk_create(
                    Domain(domain=provider_domain_name(p.slug), tenant=p, is_primary=True) for p in made
                )
                providers = []
        return {"seconds": time.perf_counter() - started, "count": count}

    def step_probe(self, tenants: int, cases: int) -> dict[str, Any]:
        figures: dict[str, Any] = {}
        # A tenant host's first request in this process (URL, template and tenant caches
        # cold), then warm ones.
        host = provider_domain_name(slug_of(tenants - 1))
        client = Client(HTTP_HOST=host)
        started = time.perf_counter()
        response = client.get("/")
        figures["first_request_ms"] = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        warm = []
        for _ in range(20):
            started = time.perf_counter()
            assert client.get("/").status_code == 200
            warm.append((time.perf_counter() - started) * 1000)
        figures["warm_request_ms"] = statistics.median(warm)
        second = Client(HTTP_HOST=provider_domain_name(slug_of(tenants // 2)))
        started = time.perf_counter()
        assert second.get("/").status_code == 200
        figures["other_tenant_first_request_ms"] = (time.perf_counter() - started) * 1000

        figures.update(self._reminders(tenants, cases))
        figures.update(self._invoicing())
        figures.update(self._memory(tenants))
        figures["probe_process_max_rss_kb"] = own_memory_kb()
        return figures

    def _reminders(self, tenants: int, cases: int) -> dict[str, Any]:
        from accounts.models import PlatformRole, User
        from casework.deadlines.reminders import deadline_reminders_run
        from tests.bench.bench_queue import _seed_cases

        providers = list(Provider.objects.filter(slug__startswith="bench-").order_by("pk"))
        professionals = User.objects.bulk_create(
            User(email=f"scale{i}@bench.test", display_name=f"Scale {i}", roles=[PlatformRole.PROFESSIONAL])
            for i in range(10)
        )
        started = time.perf_counter()
        _seed_cases(providers, professionals, 0, cases)
        seeded_s = time.perf_counter() - started
        started = time.perf_counter()
        queued = deadline_reminders_run()
        return {
            "cases_seeded": cases,
            "cases_seed_s": seeded_s,
            "reminders_run_s": time.perf_counter() - started,
            "reminders_queued": queued,
        }

    def _invoicing(self) -> dict[str, Any]:
        from billing.invoicing import invoicing_run, previous_month

        started = time.perf_counter()
        result = invoicing_run(month=previous_month())
        return {
            "invoicing_run_s": time.perf_counter() - started,
            "invoicing_providers_planned": result.providers_planned,
        }

    def _memory(self, tenants: int) -> dict[str, Any]:
        """One connection that works in every schema, as a worker sweeping all providers does."""
        from casework.closing.retention import retention_reduce_provider
        from tenants.connections import connection_recycle_after, recycle_every

        schemas = list(
            Provider.objects.filter(slug__startswith="bench-")
            .order_by("pk")
            .values_list("schema_name", flat=True)
        )
        connection.close()
        start_kb = backend_memory_kb()
        for schema in schemas:
            connection.set_schema(schema)
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM casework_complaint")
        connection.set_schema_to_public()
        without = backend_memory_kb()
        connection.close()

        # The product's sweep (retention, one provider at a time) with its recycling.
        now = timezone.now() + datetime.timedelta(days=1)
        peak: dict[str, int] = {}
        recycled = 0
        started = time.perf_counter()
        providers = list(Provider.objects.filter(slug__startswith="bench-").order_by("pk"))
        for index, provider in enumerate(providers):
            retention_reduce_provider(provider=provider, now=now)
            if (index + 1) % 25 == 0:  # includes the moment just before each recycle
                current = backend_memory_kb()
                if current["VmRSS"] > peak.get("VmRSS", 0):
                    peak = current
            recycled += connection_recycle_after(provider.schema_name)
        sweep_s = time.perf_counter() - started
        return {
            "backend_start_kb": start_kb,
            "backend_after_all_schemas_no_recycling_kb": without,
            "backend_peak_with_recycling_kb": peak,
            "recycle_every": recycle_every(),
            "connections_recycled": recycled,
            "retention_sweep_s": sweep_s,
            "retention_sweep_tenants": len(schemas),
            "pid": os.getpid(),
        }
