"""A tenant app that only the benchmarks install (tests/bench/settings.py).

Its migration 0002 plays "one new migration" in tests/bench/bench_migrations.py,
so that benchmark never has to fake or revert a product migration.
"""
