"""Security counters are shared by every process; the client is the one behind our proxies.

Two separate Django processes stand for two gunicorn workers: a proof-of-work
solution accepted by one is refused by the other, and a rate-limit counter
counts on from where the other left off, with Redis and with the database
cache that serves when there is no Redis.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml
from allauth.account.adapter import get_adapter
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation

from casework.intake.guard import pow_challenge_create
from casework.models import AccessLogEntry, Complaint
from tenants.clusters import schema_context
from tests.casework.widget_support import VALID_FIELDS, origin_of, solve
from tests.conftest import subprocess_env
from tests.support import World

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent

# One "worker": check a proof-of-work solution and count one hit, then say what happened.
WORKER = """
import json, sys, time
import django
django.setup()
from django.conf import settings
from casework.intake.guard import IntakeRefused, _count, pow_check
from tenants.models import Provider

provider = Provider.objects.get(schema_name=sys.argv[1])
try:
    pow_check(provider, sys.argv[2], sys.argv[3])
    outcome = "accepted"
except IntakeRefused as refusal:
    outcome = refusal.code
count, _remaining = _count(sys.argv[4], 3600, time.time())
print(json.dumps({"pow": outcome, "count": count, "backend": settings.CACHES["default"]["BACKEND"]}))
"""


def _worker(env: dict[str, str], schema: str, payload: str, key: str, counter: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", WORKER, schema, payload, key, counter],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=os.fspath(ROOT),
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("store", ["database", "redis"])
def test_security_counters_are_shared_by_every_process(
    world: World, test_database_url: str, request: pytest.FixtureRequest, settings, store: str
) -> None:  # type: ignore[no-untyped-def]
    settings.WIDGET_POW_MAX_NUMBER = 2000
    # Outside the test profile (KLACHTPUNT_TESTING=0) to get the default store, with this process's key.
    env = subprocess_env(
        DATABASE_URL=test_database_url,
        KLACHTPUNT_TESTING="0",
        DEBUG="0",
        SECRET_KEY=django_settings.SECRET_KEY,
    )
    env.pop("CACHE_URL", None)
    if store == "redis":
        env["CACHE_URL"] = request.getfixturevalue("redis_server").url
    payload = solve(pow_challenge_create(world.alpha))
    counter = f"test:{uuid.uuid4().hex}"
    first = _worker(env, world.alpha.schema_name, payload, "key-of-the-first-post", counter)
    second = _worker(env, world.alpha.schema_name, payload, "key-of-another-post", counter)
    assert first["backend"].endswith("RedisCache" if store == "redis" else "DatabaseCache")
    # The second process knows the solution was used and counts on from the first's hit.
    assert (first["pow"], second["pow"]) == ("accepted", "pow_replayed")
    assert (first["count"], second["count"]) == (1, 2)


def _production_env(**extra: str) -> dict[str, str]:
    env = subprocess_env(
        KLACHTPUNT_PROFILE="production",
        KLACHTPUNT_TESTING="0",
        SECRET_KEY="x" * 24 + "-production-secret-for-the-check-only-0123456789",
        ALLOWED_HOSTS=".klachtpunt.nl",
        PLATFORM_DOMAIN="klachtpunt.nl",
        DJANGO_SETTINGS_MODULE="klachtpunt.settings",
        **extra,
    )
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


def _settings_in(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'])"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=os.fspath(ROOT),
    )


def test_production_profile_refuses_a_per_process_cache() -> None:
    result = _settings_in(_production_env(CACHE_URL="locmem://"))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "CACHE_URL" in result.stderr


def test_production_profile_without_redis_uses_the_database_cache() -> None:
    env = _production_env()
    env.pop("CACHE_URL", None)
    result = _settings_in(env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("DatabaseCache")


# Proxies


def test_proxy_count_is_set_once_and_by_the_deployments(settings) -> None:  # type: ignore[no-untyped-def]
    assert django_settings.ALLAUTH_TRUSTED_PROXY_COUNT == django_settings.TRUSTED_PROXY_COUNT
    configmap = yaml.safe_load((ROOT / "deploy" / "k8s" / "configmap.yaml").read_text())
    assert int(configmap["data"]["TRUSTED_PROXY_COUNT"]) >= 1
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    assert "TRUSTED_PROXY_COUNT" in compose["x-app"]["environment"]


def behind_proxy(host: str, client_address: str) -> Client:
    """A client whose requests reach us through one proxy at 10.0.0.2, as through the ingress."""
    return Client(
        HTTP_HOST=host,
        REMOTE_ADDR="10.0.0.2",
        # The client wrote the first entry itself (a lie); the proxy appended the real address.
        HTTP_X_FORWARDED_FOR=f"198.18.0.1, {client_address}",
    )


def test_login_lockout_counts_the_client_behind_the_proxy_not_the_proxy(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXY_COUNT = 1
    with translation.override("nl"):
        too_many = str(get_adapter().error_messages["too_many_login_attempts"])
    attacker = behind_proxy("localhost", "203.0.113.7")
    for _attempt in range(6):
        response = attacker.post(
            "/accounts/login/", {"login": "nobody@example.nl", "password": "fout-wachtwoord"}
        )
    assert too_many in response.content.decode()
    # Someone else behind the same ingress is not locked out with the attacker.
    other = behind_proxy("localhost", "198.51.100.9")
    response = other.post(
        "/accounts/login/", {"login": world.complainant.email, "password": "fout-wachtwoord"}
    )
    assert response.status_code == 200 and too_many not in response.content.decode()


def test_intake_rate_limit_and_access_log_use_the_client_behind_the_proxy(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXY_COUNT = 1
    settings.WIDGET_POW_ENABLED = False
    settings.WIDGET_RATE_LIMITS = {"ip": "1/10m", "provider": "off", "global": "off"}

    def post(client: Client):  # type: ignore[no-untyped-def]
        token = client.get("/api/v1/complaints/challenge").json()["token"]
        return client.post(
            "/api/v1/complaints",
            json.dumps({**VALID_FIELDS, "token": token}),
            content_type="application/json",
            HTTP_ORIGIN=origin_of(client),
        )

    first = post(behind_proxy(world.alpha_host, "203.0.113.7"))
    assert first.status_code == 201, first.content
    assert post(behind_proxy(world.alpha_host, "203.0.113.7")).status_code == 429
    # Another client behind the same proxy has its own allowance.
    assert post(behind_proxy(world.alpha_host, "198.51.100.9")).status_code == 201
    with schema_context(world.alpha.schema_name):
        complaint = Complaint.objects.get(reference=first.json()["reference"])
        entry = AccessLogEntry.objects.get(case_id=complaint.pk, event=AccessLogEntry.Event.CREATE)
    # NEN 7513: the row names the client, not the ingress.
    assert entry.ip_address == "203.0.113.7"
