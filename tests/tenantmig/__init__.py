"""A tenant app for tests/test_migrate_tenants.py: one table, then one new migration.

Only tests/tenantmig/settings.py installs it, for ``manage.py`` subprocesses
against a database of the test's own.
"""
