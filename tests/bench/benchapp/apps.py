import os

from django.apps import AppConfig


class BenchAppConfig(AppConfig):
    name = "tests.bench.benchapp"
    label = "benchapp"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        if os.environ.get("BENCH_CHEAP_HAS_TABLE") == "1":
            from tests.bench.benchapp.recorder import use_cheap_has_table

            use_cheap_has_table()
