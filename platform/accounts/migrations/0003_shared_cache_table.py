"""The database cache's table, in the public schema, for when there is no Redis.

Security counters (rate limits, login lockout, proof-of-work replay
protection, used TOTP codes) must be shared by every process; without
``CACHE_URL`` they live here. ``createcachetable`` cannot make it under
django-tenants (its router refuses the cache's pseudo-app), so the same DDL
runs here, once, in the public schema (accounts is a shared app).
"""

from django.db import migrations

# settings.CACHE_TABLE; spelled out so this migration never changes after the fact.
TABLE = "klachtpunt_cache"


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_professional_active_professional_capacity_and_more")]

    operations = [
        migrations.RunSQL(
            sql=[
                f'CREATE TABLE IF NOT EXISTS "{TABLE}" ('
                '"cache_key" varchar(255) NOT NULL PRIMARY KEY, '
                '"value" text NOT NULL, '
                '"expires" timestamp with time zone NOT NULL)',
                f'CREATE INDEX IF NOT EXISTS "{TABLE}_expires" ON "{TABLE}" ("expires")',
            ],
            reverse_sql=[f'DROP TABLE IF EXISTS "{TABLE}"'],
        )
    ]
