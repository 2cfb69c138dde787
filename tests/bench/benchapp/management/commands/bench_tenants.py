"""``manage.py bench_tenants COUNT``: provision COUNT bench tenants with ``provider_provision``.

Prints one JSON line: the time each provisioning took, in ms. Used by
tests/bench/bench_migrations.py with tests/bench/settings.py, in a database
the benchmark creates and drops.
"""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand

from tenants.provisioning import provider_provision, template_prepare


class Command(BaseCommand):
    help = "Provision bench tenants (slugs bench-0000, bench-0001, ...) with provider_provision."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("count", type=int)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        template = template_prepare()  # as `manage.py prepare_tenant_template` after a deploy
        timings = []
        for number in range(options["count"]):
            started = time.perf_counter()
            provider = provider_provision(name=f"Bench {number}", slug=f"bench-{number:04d}")
            timings.append((time.perf_counter() - started) * 1000)
            assert provider.schema_name == f"p_bench_{number:04d}"
        self.stdout.write(json.dumps({"script_statements": len(template.statements), "ms": timings}))
