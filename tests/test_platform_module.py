"""platform/ is a source folder, not a package: the stdlib `platform` module works everywhere."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from celery import Celery

from tenants.models import Provider
from tests.conftest import ROOT, subprocess_env


def test_stdlib_platform_module_in_test_process() -> None:
    import platform
    import uuid

    assert platform.system() == "Linux"
    assert uuid.uuid4().version == 4
    assert not (ROOT / "platform" / "__init__.py").exists()
    assert platform.__file__ is not None and "platform" in platform.__file__
    assert str(ROOT) not in platform.__file__


def test_stdlib_platform_module_in_web_process() -> None:
    code = "import django, platform, uuid; django.setup(); print(platform.system(), uuid.uuid4().version)"
    env = subprocess_env(DJANGO_SETTINGS_MODULE="klachtpunt.settings")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["Linux", "4"]


@pytest.fixture
def celery_worker_process(redis_server, test_database_url):  # type: ignore[no-untyped-def]
    env = subprocess_env(
        CELERY_BROKER_URL=redis_server.url,
        CELERY_RESULT_BACKEND=redis_server.url,
        DATABASE_URL=test_database_url,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "klachtpunt", "worker", "--pool=solo", "-l", "warning"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.slow
@pytest.mark.django_db
def test_celery_worker_process_runs_tasks_with_stdlib_platform(celery_worker_process, redis_server) -> None:  # type: ignore[no-untyped-def]
    client = Celery(broker=redis_server.url, backend=redis_server.url)
    try:
        result = client.send_task("klachtpunt.tasks.runtime_probe").get(timeout=60)
    finally:
        client.close()
    assert result["system"] == "Linux"
    assert len(result["uuid"]) == 36


@pytest.mark.slow
@pytest.mark.django_db
def test_celery_worker_provisions_a_provider(celery_worker_process, redis_server) -> None:  # type: ignore[no-untyped-def]
    slug = f"worker-{int(time.time() * 1000) % 10_000_000}"
    client = Celery(broker=redis_server.url, backend=redis_server.url)
    try:
        pk = client.send_task(
            "tenants.tasks.provider_provision_task", kwargs={"name": "Via worker", "slug": slug}
        ).get(timeout=60)
    finally:
        client.close()
    provider = Provider.objects.get(pk=pk)
    assert provider.slug == slug
    assert provider.get_primary_domain().domain == f"{slug}.localhost"
