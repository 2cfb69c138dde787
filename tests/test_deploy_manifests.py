"""deploy/: Kubernetes manifests valid against a pinned Kubernetes version; a worker per queue.

Validated offline with kubernetes-validate's bundled schemas (strict: unknown
fields are errors), the kustomize output too when kubectl is installed. The
compose file goes through ``docker compose config`` where the compose plugin
exists; otherwise its structure is checked here (PyYAML resolves the anchors
and merge keys the way compose does).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from django.conf import settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
K8S = DEPLOY / "k8s"
# The oldest Kubernetes minor the manifests promise to work on.
KUBERNETES_VERSION = "1.32.0"
QUEUES = set(settings.CELERY_WORKLOAD_QUEUES)


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _resources() -> list[tuple[str, dict[str, Any]]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = [*kustomization["resources"], "migrate-job.yaml"]
    assert {p.name for p in K8S.glob("*.yaml")} == {*files, "kustomization.yaml"}, (
        "a manifest outside kustomize"
    )
    return [(name, doc) for name in files for doc in _documents(K8S / name)]


def _queue_of(command: list[str]) -> str:
    """The workload queue a worker command consumes (the intake worker also drains ``celery``)."""
    assert command[:4] == ["celery", "-A", "klachtpunt", "worker"], command
    queues = command[command.index("-Q") + 1].split(",")
    assert queues[1:] == ([settings.CELERY_LEGACY_QUEUE] if queues[0] == "intake" else []), command
    return queues[0]


def test_kubernetes_manifests_are_valid_for_the_pinned_version() -> None:
    resources = _resources()
    assert len(resources) >= 10
    for name, doc in resources:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(
                f"{name} {doc.get('kind')}/{doc['metadata']['name']}: {error.message} at {error.path}"
            )


def test_kustomize_output_is_valid_for_the_pinned_version() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: the manifests are still validated file by file")
    rendered = subprocess.run(
        [kubectl, "kustomize", str(K8S)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    docs = [doc for doc in yaml.safe_load_all(rendered) if doc]
    assert len(docs) >= 10
    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_each_queue_has_one_worker_deployment_that_recycles_its_children() -> None:
    workers = [doc for name, doc in _resources() if name == "worker.yaml"]
    queues = []
    for deployment in workers:
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        queue = _queue_of(container["command"])
        queues.append(queue)
        assert deployment["metadata"]["name"] == f"klachtpunt-worker-{queue}"
        assert deployment["spec"]["selector"]["matchLabels"]["klachtpunt/queue"] == queue
        assert (
            "--max-tasks-per-child" in container["command"]
            and "--max-memory-per-child" in container["command"]
        )
    assert sorted(queues) == sorted(QUEUES)


def test_compose_runs_a_worker_per_queue() -> None:
    docker = shutil.which("docker")
    plugin = docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    if plugin:
        # The real parser, when the compose plugin is installed (no daemon needed).
        subprocess.run(
            [docker, "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "-q"],
            env={"SECRET_KEY": "x", "PATH": "/usr/bin:/bin:/usr/local/bin"},
            check=True,
            timeout=60,
        )
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    for name, service in services.items():
        assert "image" in service, name
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
    workers = {name: s for name, s in services.items() if "worker" in s.get("command", [])}
    assert sorted(_queue_of(s["command"]) for s in workers.values()) == sorted(QUEUES)
    for name, service in workers.items():
        assert name == f"worker-{_queue_of(service['command'])}"
        # The anchor merged: the worker has the app's environment and waits for the migration.
        assert service["environment"]["CELERY_BROKER_URL"].startswith("redis://")
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "--max-memory-per-child" in service["command"]
    assert "beat" in services and "--beat" not in " ".join(services["beat"]["command"])
