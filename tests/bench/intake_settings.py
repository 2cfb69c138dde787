"""Settings for the intake benchmark's server: the product's, plus one bare view.

tests/bench/bench_intake.py starts gunicorn with these settings, so the bare
insert and ``POST /api/v1/complaints`` run in the same processes, behind the
same middleware; nothing in the product loads this module.
"""

from klachtpunt.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.intake_site"
