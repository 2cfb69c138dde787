"""A broker outage delays the acknowledgement e-mail; it never loses it, nor sends it twice.

Real processes throughout: a private Redis on a free loopback port (never the
machine's own), a Celery worker that writes e-mail to files, a separate
process that submits the complaint and commits it while Redis is down, and
``manage.py relay_outbox`` once Redis is back on the same port.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from email import message_from_string, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import redis
from django.utils import timezone

from casework.index.models import CaseIndex
from casework.models import Complaint
from outbox.models import OutboxMessage
from tenants.clusters import schema_context
from tests.casework.factories import WHAT_HAPPENED, submission
from tests.conftest import ROOT, RedisServer, _spawn_redis, subprocess_env
from tests.support import World, free_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("outage"), pytest.mark.django_db]

ACK_TASK = "casework.tasks.send_acknowledgement"
# Django's file backend separates the messages it writes into one file with this line.
MESSAGE_SEPARATOR = "\n" + "-" * 79 + "\n"


@pytest.fixture
def private_redis() -> Iterator[RedisServer]:
    """Redis for this test alone: it is stopped and started again on the same port."""
    port = free_port()
    server = RedisServer(port=port, process=_spawn_redis(port))
    yield server
    server.stop()


@pytest.fixture
def mail_dir(tmp_path: Path) -> Path:
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def process_env(private_redis: RedisServer, test_database_url: str, mail_dir: Path) -> dict[str, str]:
    """The environment of every process in this test: the test database, the private broker."""
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="klachtpunt.settings",
        DATABASE_URL=test_database_url,
        CELERY_BROKER_URL=private_redis.url,
        EMAIL_URL=f"file://{mail_dir}",
        PYTHONUNBUFFERED="1",
    )
    env.pop("CELERY_RESULT_BACKEND", None)
    env.pop("CACHE_URL", None)
    return env


@pytest.fixture
def celery_worker(process_env: dict[str, str], tmp_path: Path) -> Iterator[subprocess.Popen]:
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "klachtpunt", "worker", "--pool=solo", "-l", "info"],
            env=process_env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    _wait_for(lambda: "ready" in log.read_text(), 60, "the worker did not start", log)
    process.log = log  # type: ignore[attr-defined]
    yield process
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def _wait_for(condition, seconds: float, failure: str, log: Path | None = None) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    tail = log.read_text()[-4000:] if log and log.exists() else ""
    raise AssertionError(f"{failure}\n{tail}")


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-4000:]
    return result


def _committed(env: dict[str, str], *args: str) -> dict:
    result = _run(env, sys.executable, "-m", "tests.casework.committed_ops", *args)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _messages(mail_dir: Path) -> list[EmailMessage]:
    messages = []
    for path in sorted(mail_dir.iterdir()):
        for chunk in path.read_text().split(MESSAGE_SEPARATOR):
            if chunk.strip():
                messages.append(message_from_string(chunk.lstrip("\n"), policy=policy.default))
    return messages


def _broker_idle(server: RedisServer) -> bool:
    """No task message waiting in a queue, and none delivered but not yet acknowledged."""
    client = redis.Redis.from_url(server.url)
    try:
        queued = sum(client.llen(key) for key in client.scan_iter("celery*") if client.type(key) == b"list")
        return queued == 0 and client.hlen("unacked") == 0
    finally:
        client.close()


def _acknowledgements(mail_dir: Path, address: str) -> list[EmailMessage]:
    return [message for message in _messages(mail_dir) if message["To"] == address]


def test_complaint_submitted_during_broker_outage_is_acknowledged_once_the_broker_is_back(
    world: World,
    private_redis: RedisServer,
    celery_worker: subprocess.Popen,
    process_env: dict[str, str],
    mail_dir: Path,
) -> None:
    address = f"outage-{uuid.uuid4().hex[:12]}@example.nl"
    fields = json.dumps(asdict(submission(complainant_email=address)), default=str)
    private_redis.stop()

    # The web process commits the complaint; its hand-off to the broker fails fast.
    submitted = _committed(process_env, "submit", "alpha", fields, uuid.uuid4().hex)
    reference, complaint_id = submitted["reference"], submitted["id"]
    try:
        assert submitted["created"]
        assert submitted["seconds"] < 10, submitted

        with schema_context(world.alpha.schema_name):
            assert Complaint.objects.get(pk=complaint_id).reference == reference
        assert CaseIndex.objects.get(reference=reference).case_id == complaint_id
        rows = OutboxMessage.objects.filter(
            schema_name=world.alpha.schema_name, kwargs__complaint_id=complaint_id
        )
        ack = rows.get(task_name=ACK_TASK)
        assert ack.sent_at is None and ack.attempts == 1 and ack.last_error, ack.__dict__
        assert rows.filter(sent_at__isnull=True).count() == 2

        # The row above is the signal: its one hand-off failed (attempts 1, an error), so nothing
        # reached a broker and nothing can have been sent.
        assert _acknowledgements(mail_dir, address) == []

        # Redis comes back on the same port; the relay hands the row over.
        private_redis.start()
        _wait_for(lambda: OutboxMessage.objects.get(pk=ack.pk).available_at <= timezone.now(), 30, "backoff")
        relayed = _run(process_env, sys.executable, "manage.py", "relay_outbox")
        assert relayed.stdout.startswith("sent "), relayed.stdout
        ack.refresh_from_db()
        assert ack.sent_at is not None and ack.attempts == 2
        assert not rows.filter(sent_at__isnull=True).exists()

        # The worker reconnects and sends it: exactly one e-mail, however long we wait.
        _wait_for(
            lambda: _acknowledgements(mail_dir, address),
            90,
            "the acknowledgement did not arrive",
            celery_worker.log,  # type: ignore[attr-defined]
        )
        again = _run(process_env, sys.executable, "manage.py", "relay_outbox")
        assert again.stdout.startswith("sent 0,"), again.stdout  # the relay hands nothing over twice
        # Nothing queued and nothing held by the worker (acks_late: a task is unacked until done),
        # so no second e-mail can still be on its way.
        _wait_for(lambda: _broker_idle(private_redis), 60, "the broker never drained", celery_worker.log)  # type: ignore[attr-defined]
        (message,) = _acknowledgements(mail_dir, address)
        assert reference in message["Subject"]
        body = message.get_content()
        assert reference in body and WHAT_HAPPENED not in body
        with schema_context(world.alpha.schema_name):
            assert Complaint.objects.get(pk=complaint_id).acknowledged_at is not None
    finally:
        _committed(process_env, "remove", "alpha", str(complaint_id))
    assert not CaseIndex.objects.filter(reference=reference).exists()
