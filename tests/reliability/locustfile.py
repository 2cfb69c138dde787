"""Locust: complainants submitting through the widget's API, as fast as they can.

Run by tests/reliability/test_load.py (``locust --headless``). Each user loads
the form token once (``GET /api/v1/complaints/challenge``; proof of work is off
for the run), then submits complaints one after another. A submission that
meets 429, 5xx or a broken connection is sent again with the same
``Idempotency-Key`` (after ``Retry-After`` when given), as the widget does; it
counts as accepted only on 201/200 with a reference. At the end the outcome is
written as JSON to ``LOAD_RESULT``: every accepted reference with its e-mail
address, and the count of every status seen.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections import Counter

from locust import HttpUser, constant, events, task

HOST_HEADER = os.environ["LOAD_PROVIDER_HOST"]
RESULT = os.environ["LOAD_RESULT"]
MAX_TRIES = int(os.environ.get("LOAD_MAX_TRIES", "30"))
PATH = "/api/v1/complaints"

WHAT_HAPPENED = (
    "Mijn vader kreeg drie avonden achter elkaar zijn medicijnen ruim twee uur te laat. "
    "Ik wil weten hoe dit kan gebeuren en wat er wordt gedaan om het te voorkomen. "
) * 3

accepted: list[dict[str, str]] = []
statuses: Counter[str] = Counter()
gave_up: list[str] = []
latencies_ms: list[float] = []  # every POST, whatever its answer


class Complainant(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.token = ""
        while not self.token:
            with self.client.get(
                f"{PATH}/challenge", headers={"Host": HOST_HEADER}, name="GET challenge", catch_response=True
            ) as response:
                statuses[f"challenge {response.status_code}"] += 1
                if response.status_code == 200:
                    body = response.json()
                    assert body["challenge"] is None, "proof of work must be off for the load run"
                    self.token = body["token"]
                    response.success()
                else:
                    response.failure(f"challenge {response.status_code}")
                    time.sleep(1)

    @task
    def submit(self) -> None:
        key = uuid.uuid4().hex
        email = f"last-{key[:16]}@example.nl"
        body = json.dumps(
            {
                "complainant_kind": "client",
                "complainant_name": "Last Klager",
                "complainant_email": email,
                "what_happened": WHAT_HAPPENED,
                "category": "treatment",
                "law": "wlz",
                "goal": "explanation",
                "track": "informal",
                "consent": "given",
                "token": self.token,
            }
        )
        headers = {
            "Host": HOST_HEADER,
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Origin": f"http://{HOST_HEADER}",
            "Idempotency-Key": key,
        }
        for _attempt in range(MAX_TRIES):
            with self.client.post(
                PATH, data=body, headers=headers, name="POST complaint", catch_response=True
            ) as r:
                code = r.status_code
                statuses[str(code)] += 1
                latencies_ms.append(r.request_meta["response_time"])
                if code in (200, 201):
                    r.success()
                    accepted.append({"reference": r.json()["reference"], "email": email, "key": key})
                    return
                if code == 429 or code >= 500 or code == 0:
                    r.failure(f"{code}: retried")
                    retry_after = r.headers.get("Retry-After") if code else None
                    time.sleep(min(float(retry_after), 10) if retry_after else 0.5)
                    continue
                r.failure(f"refused: {code} {r.text[:200]}")
                raise AssertionError(f"a valid submission was refused: {code} {r.text[:300]}")
        gave_up.append(key)


@events.quitting.add_listener
def _write_result(environment, **kwargs) -> None:  # type: ignore[no-untyped-def]
    with open(RESULT, "w") as out:
        json.dump(
            {
                "accepted": accepted,
                "statuses": dict(statuses),
                "gave_up": gave_up,
                "latencies_ms": latencies_ms,
            },
            out,
        )
