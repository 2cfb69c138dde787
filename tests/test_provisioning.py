"""Provisioning by replaying the captured script gives the same schema as migrating."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from tenants.models import Provider, TenantSchemaTemplate
from tenants.provisioning import current_template, migrations_fingerprint, provider_provision

pytestmark = pytest.mark.django_db


def _fetch(sql: str, schema: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, {"schema": schema})
        return [tuple(str(v).replace(schema, "<schema>") for v in row) for row in cursor.fetchall()]


def schema_snapshot(schema: str) -> dict[str, list[tuple]]:
    """Everything that makes up a schema, with its own name masked."""
    snapshot = {
        "columns": _fetch(
            """SELECT table_name, column_name, data_type, is_nullable, column_default,
                      character_maximum_length, is_identity, identity_generation
               FROM information_schema.columns WHERE table_schema = %(schema)s
               ORDER BY table_name, column_name""",
            schema,
        ),
        "indexes": _fetch(
            """SELECT tablename, indexname, indexdef FROM pg_indexes
               WHERE schemaname = %(schema)s ORDER BY 1, 2""",
            schema,
        ),
        "constraints": _fetch(
            """SELECT rel.relname, con.conname, con.contype, pg_get_constraintdef(con.oid)
               FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid
               JOIN pg_namespace ns ON ns.oid = rel.relnamespace
               WHERE ns.nspname = %(schema)s ORDER BY 1, 2""",
            schema,
        ),
        "sequences": _fetch(
            """SELECT sequence_name, data_type, start_value, increment, maximum_value
               FROM information_schema.sequences WHERE sequence_schema = %(schema)s ORDER BY 1""",
            schema,
        ),
    }
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations ORDER BY app, name')
        snapshot["migrations"] = cursor.fetchall()
        cursor.execute(
            f'SELECT code, name_nl, name_en, active, position FROM "{schema}".casework_category ORDER BY id'
        )
        snapshot["category_rows"] = cursor.fetchall()
        cursor.execute(f"""SELECT last_value, is_called FROM "{schema}".casework_category_id_seq""")
        snapshot["category_sequence_state"] = cursor.fetchall()
    return snapshot


def test_replayed_schema_equals_migrated_schema(world) -> None:  # type: ignore[no-untyped-def]
    migrated = provider_provision(name="Gemigreerd", slug="migrated", fast=False)
    assert current_template() is not None, "the session world stored a template"
    replayed = provider_provision(name="Afgespeeld", slug="replayed")
    a = schema_snapshot(migrated.schema_name)
    b = schema_snapshot(replayed.schema_name)
    assert a["columns"], "the snapshot must see tables"
    assert ("casework", "0002_seed_categories") in a["migrations"]
    assert len(a["category_rows"]) >= 5, "rows made by the data migration are part of the schema"
    for part in a:
        assert a[part] == b[part], part


def test_stale_template_falls_back_to_migrating_and_captures_a_new_one(world) -> None:  # type: ignore[no-untyped-def]
    TenantSchemaTemplate.objects.update(fingerprint="stale")
    assert current_template() is None
    provider = provider_provision(name="Na wijziging", slug="after-change")
    fresh = current_template()
    assert fresh is not None and fresh.fingerprint == migrations_fingerprint()
    assert ("casework", "0002_seed_categories") in schema_snapshot(provider.schema_name)["migrations"]


def test_provisioning_is_idempotent_by_slug(world) -> None:  # type: ignore[no-untyped-def]
    first = provider_provision(name="Eenmalig", slug="once")
    second = provider_provision(name="Eenmalig", slug="once")
    assert first.pk == second.pk
    assert Provider.objects.filter(slug="once").count() == 1
    assert first.get_primary_domain().domain == "once.localhost"


def test_invalid_slug_is_refused_without_creating_a_schema(world) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        provider_provision(name="Fout", slug="Bad Slug; DROP")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname ILIKE %s", ["%bad%"])
        assert cursor.fetchone()[0] == 0


def test_provision_command_creates_a_ready_tenant(world, client) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    call_command("provision_provider", "via-command", "Via Commando", "--sector", "youth")
    provider = Provider.objects.get(slug="via-command")
    response = client.get("/", HTTP_HOST="via-command.localhost")
    assert response.status_code == 200
    assert "Via Commando" in response.content.decode()
    assert provider.sector == "youth"


def test_spare_schema_is_renamed_for_a_new_provider_and_equals_a_migrated_one(world) -> None:  # type: ignore[no-untyped-def]
    from tenants.provisioning import SPARE_PREFIX, spare_schemas_refill

    assert spare_schemas_refill(size=2) == 2
    assert spare_schemas_refill(size=2) == 0, "the pool is full"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", [SPARE_PREFIX + "%"])
        assert cursor.fetchone()[0] == 2
    from_spare = provider_provision(name="Uit de voorraad", slug="from-spare")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", [SPARE_PREFIX + "%"])
        assert cursor.fetchone()[0] == 1, "one spare was used"
    migrated = provider_provision(name="Gemigreerd", slug="migrated-too", fast=False)
    a = schema_snapshot(migrated.schema_name)
    b = schema_snapshot(from_spare.schema_name)
    for part in a:
        assert a[part] == b[part], part
    assert Client(HTTP_HOST="from-spare.localhost").get("/").status_code == 200


def test_spares_of_older_migrations_are_never_used_and_are_dropped(world) -> None:  # type: ignore[no-untyped-def]
    from tenants.provisioning import SPARE_PREFIX, _create_schema, spare_schemas_refill

    stale = f"{SPARE_PREFIX}000000000000_deadbeef"
    _create_schema(stale)  # an empty schema, as if built from other migrations
    provider = provider_provision(name="Niet oud", slug="not-stale")
    assert ("casework", "0002_seed_categories") in schema_snapshot(provider.schema_name)["migrations"]
    spare_schemas_refill(size=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", [stale])
        assert cursor.fetchone()[0] == 0
