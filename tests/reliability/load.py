"""Locust against a Stack, and the check that nothing accepted was lost (for the load and fault tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT
from tests.reliability.stack import Stack, wait_for
from tests.reliability.support import query

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
USERS = int(os.environ.get("LOAD_USERS", "100"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
SPAWN_RATE = int(os.environ.get("LOAD_SPAWN_RATE", "20"))
DRAIN_SECONDS = int(os.environ.get("LOAD_DRAIN_SECONDS", "300"))
ACK_SUBJECT = "Uw klacht is ontvangen"  # casework/email/acknowledgement_subject.txt (Dutch)


@dataclass
class LoadRun:
    accepted: list[dict[str, str]]
    statuses: Counter[str]
    gave_up: list[str]
    requests: int
    p50_ms: float
    p99_ms: float
    seconds: float

    def count(self, predicate: Callable[[int], bool]) -> int:
        return sum(n for code, n in self.statuses.items() if code.isdigit() and predicate(int(code)))

    def summary(self) -> dict:
        return {
            "users": USERS,
            "seconds": round(self.seconds, 1),
            "requests": self.requests,
            "accepted": len(self.accepted),
            "2xx": self.count(lambda c: 200 <= c < 300),
            "429": self.count(lambda c: c == 429),
            "5xx": self.count(lambda c: c >= 500),
            "503": self.count(lambda c: c == 503),
            "connection_errors": self.statuses.get("0", 0),
            "other_4xx": self.count(lambda c: 400 <= c < 500 and c != 429),
            "gave_up": len(self.gave_up),
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
        }


def run_locust(stack: Stack, host: str, during: Callable[[], None] | None = None) -> LoadRun:
    """``USERS`` submitters for ``SECONDS``; ``during`` runs (faults) while they do."""
    result = stack.folder / "locust.json"
    prefix = stack.folder / "locust"
    env = dict(os.environ, LOAD_PROVIDER_HOST=host, LOAD_RESULT=str(result), PYTHONPATH=str(ROOT))
    started = time.monotonic()
    with (stack.folder / "locust.log").open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
                "-u", str(USERS), "-r", str(SPAWN_RATE), "-t", f"{SECONDS}s", "--stop-timeout", "120",
                "--csv", str(prefix), "--host", f"http://127.0.0.1:{stack.web_port}", "--only-summary",
                "--exit-code-on-error", "0",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            if during is not None:
                during()
            process.wait(SECONDS + 300)
        finally:
            if process.poll() is None:
                process.kill()
    elapsed = time.monotonic() - started
    assert process.returncode == 0, (stack.folder / "locust.log").read_text()[-4000:]
    data = json.loads(result.read_text())
    # locust's own figures are in locust_stats.csv; these are computed from every POST the users sent.
    latencies = sorted(data["latencies_ms"])
    return LoadRun(
        accepted=data["accepted"],
        statuses=Counter(data["statuses"]),
        gave_up=data["gave_up"],
        requests=len(latencies),
        p50_ms=round(_percentile(latencies, 0.50), 1),
        p99_ms=round(_percentile(latencies, 0.99), 1),
        seconds=elapsed,
    )


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(len(values) * share))]


def _query(stack: Stack, statement: str, params: list | None = None) -> list[tuple]:
    return query(stack.database_url, statement, params)


def drain(stack: Stack, schema: str, expected_acks: int) -> None:
    """Wait until every outbox row is sent, the broker is idle and the acknowledgements are in."""

    def done() -> bool:
        (pending,) = _query(stack, "SELECT count(*) FROM public.outbox_outboxmessage WHERE sent_at IS NULL")[
            0
        ]
        if pending:
            return False
        (unacknowledged,) = _query(
            stack, f'SELECT count(*) FROM "{schema}".casework_complaint WHERE acknowledged_at IS NULL'
        )[0]
        return unacknowledged == 0 and stack.broker_idle()

    wait_for(done, DRAIN_SECONDS, "side effects did not drain", stack.log("worker.log"))


def verify(stack: Stack, schema: str, run: LoadRun) -> dict:
    """Every accepted reference once, with dossier, index row and two outbox rows; one e-mail each."""
    references = [item["reference"] for item in run.accepted]
    assert len(references) == len(set(references)), "a reference was handed out twice"
    dossiers = dict(
        _query(
            stack,
            f'SELECT reference, count(*) FROM "{schema}".casework_complaint '
            "WHERE reference = ANY(%s) GROUP BY 1",
            [references],
        )
    )
    ids = [
        row[0]
        for row in _query(
            stack, f'SELECT id FROM "{schema}".casework_complaint WHERE reference = ANY(%s)', [references]
        )
    ]
    indexed = dict(
        _query(
            stack,
            "SELECT reference, count(*) FROM public.caseindex_caseindex WHERE reference = ANY(%s) GROUP BY 1",
            [references],
        )
    )
    outbox = _query(
        stack,
        "SELECT (kwargs->>'complaint_id')::bigint, count(*), count(sent_at) FROM public.outbox_outboxmessage "
        "WHERE schema_name = %s AND (kwargs->>'complaint_id')::bigint = ANY(%s) GROUP BY 1",
        [schema, ids],
    )
    (duplicates,) = _query(
        stack,
        f'SELECT count(*) FROM (SELECT idempotency_key FROM "{schema}".casework_complaint '
        "WHERE idempotency_key IS NOT NULL GROUP BY 1 HAVING count(*) > 1) AS d",
    )[0]
    (stored,) = _query(stack, f'SELECT count(*) FROM "{schema}".casework_complaint')[0]
    acks = Counter(
        message["To"] for message in stack.messages() if str(message["Subject"]).startswith(ACK_SUBJECT)
    )
    wanted = {item["email"] for item in run.accepted}
    figures = {
        "accepted": len(references),
        "lost_dossiers": sum(1 for ref in references if dossiers.get(ref, 0) == 0),
        "duplicated_dossiers": sum(1 for ref in references if dossiers.get(ref, 0) > 1) + duplicates,
        "lost_index_rows": sum(1 for ref in references if indexed.get(ref, 0) == 0),
        "duplicated_index_rows": sum(1 for ref in references if indexed.get(ref, 0) > 1),
        "complaints_with_wrong_outbox_rows": len(ids) - sum(1 for _, rows, _ in outbox if rows == 2),
        "unsent_outbox_rows": sum(rows - sent for _, rows, sent in outbox),
        "stored_complaints": stored,
        "acknowledgements_missing": sum(1 for email in wanted if acks[email] == 0),
        "acknowledgements_duplicated": sum(acks[email] - 1 for email in wanted if acks[email] > 1),
        "acknowledgements_delivered": sum(acks[email] for email in wanted),
    }
    return figures
