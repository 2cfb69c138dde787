"""Settings for the benchmarks' subprocesses: the product's, plus the bench-only tenant app.

tests/bench/bench_migrations.py runs ``manage.py`` with these settings against
a database of its own; nothing in the product loads this module.
"""

from klachtpunt.settings import *  # noqa: F403
from klachtpunt.settings import INSTALLED_APPS, TENANT_APPS

TENANT_APPS = [*TENANT_APPS, "tests.bench.benchapp"]
INSTALLED_APPS = [*INSTALLED_APPS, "tests.bench.benchapp"]
