"""Standing rules about apps, schemas, settings and caches."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, models

from klachtpunt.cache import make_key
from tests.conftest import subprocess_env

# Field names that would hold complaint content or complainant identity.
DOSSIER_FIELD_WORDS = ("complaint", "description", "what_happened", "health", "diagnos", "bsn", "note")


def test_every_app_is_shared_or_tenant_not_both() -> None:
    both_allowed = {"django_tenants", "django.contrib.contenttypes"}
    overlap = set(settings.SHARED_APPS) & set(settings.TENANT_APPS)
    assert overlap <= both_allowed
    for config in apps.get_app_configs():
        assert config.name in settings.SHARED_APPS or config.name in settings.TENANT_APPS, config.name


def test_no_shared_model_has_a_field_for_dossier_content() -> None:
    shared_labels = {c.label for c in apps.get_app_configs() if c.name in settings.SHARED_APPS}
    offenders = []
    for model in apps.get_models():
        if model._meta.app_label not in shared_labels:
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.TextField) and model._meta.app_label in {
                "tenants",
                "accounts",
                "billing",
            }:
                offenders.append(f"{model.__name__}.{field.name} (free text)")
            if any(word in field.name for word in DOSSIER_FIELD_WORDS):
                offenders.append(f"{model.__name__}.{field.name}")
    assert offenders == []


def test_cache_keys_carry_the_schema_except_security_counters() -> None:
    connection.set_schema("p_alpha")
    try:
        assert make_key("dashboard", "kp", 1) == "kp:1:p_alpha:dashboard"
        assert make_key("allauth:rl:login_failed:ip:1.2.3.4", "kp", 1).startswith("kp:1:global:")
    finally:
        connection.set_schema_to_public()
    assert make_key("dashboard", "kp", 1) == "kp:1:public:dashboard"


def test_production_profile_passes_check_deploy() -> None:
    env = subprocess_env(
        KLACHTPUNT_PROFILE="production",
        KLACHTPUNT_TESTING="0",
        SECRET_KEY="x" * 24 + "-production-secret-for-the-check-only-0123456789",
        ALLOWED_HOSTS=".klachtpunt.nl",
        PLATFORM_DOMAIN="klachtpunt.nl",
        DJANGO_SETTINGS_MODULE="klachtpunt.settings",
    )
    env.pop("PYTEST_CURRENT_TEST", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=os.fspath(settings.BASE_DIR),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_debug_404_never_lists_the_routes(client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    response = client.get("/geen-pagina-hier/", HTTP_HOST="localhost")
    assert response.status_code == 404
    body = response.content.decode()
    assert "URLconf" not in body and "tried these URL patterns" not in body and "api/v1/" not in body
