"""pytest plugin for ``deploy/dev/mutation.py``: every mutant of one module in one pytest session.

The test database and the test world (tests/conftest.py) are set up once, by the
unmutated baseline run. Each mutant then runs in a forked child of that session:
the child switches mutmut's trampolines to the mutant (``MUTANT_UNDER_TEST``) and
runs only the tests that called the mutated function in the baseline, fastest
first, stopping at the first failure. The parent waits for the child with a
timeout and kills it when it runs over. Each test rolls its transaction back, and
a child's open transaction dies with its connection, so nothing of one mutant
reaches the next.

Driven by environment variables set by mutation.py:
``MUTATION_MODULE`` (the module's import name), ``MUTATION_MUTANTS`` (a JSON file
with the mutant names), ``MUTATION_RESULT`` (where the JSON result goes),
``MUTATION_TIMEOUT_FACTOR`` and ``MUTATION_TIMEOUT_CONSTANT`` (seconds), and
``MUTATION_BUDGET``: seconds to spend on mutants, after which the rest is left
"not run" (the mutants then run in a fixed shuffled order, so the part that ran
is a sample of the whole module); ``MUTATION_ONLY``: comma-separated name
patterns (fnmatch) of the mutants to run, the others are left "not run".
"""

from __future__ import annotations

import fnmatch
import json
import os
import random
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from _pytest.runner import runtestprotocol


class _KeepSession:
    """A stand-in ``nextitem`` that makes pytest tear down everything but the session."""

    def __init__(self, session: pytest.Session) -> None:
        self._session = session

    def listchain(self) -> list[Any]:
        return [self._session]


def _run(items: list[pytest.Item], anchor: _KeepSession, *, stop_at_failure: bool) -> list[str]:
    """Run ``items`` in order; the node ids of those that failed (setup, call or teardown)."""
    failed: list[str] = []
    for index, item in enumerate(items):
        nextitem = items[index + 1] if index + 1 < len(items) else anchor
        reports = runtestprotocol(item, nextitem=nextitem, log=False)  # type: ignore[arg-type]
        if os.environ.get("MUTATION_DEBUG"):
            print(f"    {item.nodeid}: {[(r.when, r.outcome) for r in reports]}", flush=True)
            for report in reports:
                if report.failed:  # why, in short: the last lines of the failure
                    print("      " + "\n      ".join(report.longreprtext.splitlines()[-8:]), flush=True)
        if any(report.failed for report in reports):
            failed.append(item.nodeid)
            if stop_at_failure:
                break
    return failed


def _wait(pid: int, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            if os.WIFEXITED(status):
                code = os.WEXITSTATUS(status)
                return {0: "survived", 1: "killed"}.get(code, "killed")  # 3: an error in the run
            return "killed"  # the mutant crashed the interpreter
        if time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout"
        time.sleep(0.02)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> bool:
    from django.db import connections
    from mutmut.mutation.trampoline import set_mutant_under_test
    from mutmut.state import state
    from mutmut.utils.format_utils import mangled_name_from_mutant_name

    module = os.environ["MUTATION_MODULE"]
    mutants: list[str] = json.loads(Path(os.environ["MUTATION_MUTANTS"]).read_text())
    result_path = Path(os.environ["MUTATION_RESULT"])
    factor = float(os.environ.get("MUTATION_TIMEOUT_FACTOR", "10"))
    constant = float(os.environ.get("MUTATION_TIMEOUT_CONSTANT", "30"))
    budget = float(os.environ.get("MUTATION_BUDGET", "0"))  # seconds for the mutants; 0: no limit
    items = list(session.items)
    anchor = _KeepSession(session)

    # Baseline: the unmutated code, recording which tests call which function of the module.
    set_mutant_under_test("stats")
    covers: dict[str, list[str]] = {}
    duration: dict[str, float] = {}
    failed: list[str] = []
    started = time.monotonic()
    for index, item in enumerate(items):
        state()._stats.clear()
        began = time.monotonic()
        nextitem = items[index + 1] if index + 1 < len(items) else anchor
        reports = runtestprotocol(item, nextitem=nextitem, log=False)  # type: ignore[arg-type]
        duration[item.nodeid] = time.monotonic() - began
        if any(report.failed for report in reports):
            failed.append(item.nodeid)
        for function in state()._stats:
            covers.setdefault(function, []).append(item.nodeid)
    baseline_seconds = time.monotonic() - started
    set_mutant_under_test(None)
    os.environ.pop("MUTANT_UNDER_TEST", None)
    if failed:
        result_path.write_text(json.dumps({"baseline_failed": failed}, indent=2))
        print(f"\nmutation: the unmutated tests fail: {failed}", file=sys.stderr)
        session.shouldfail = "baseline failed"
        return True

    # A child must open its own connections: never share the parent's socket.
    connections.close_all()
    by_id = {item.nodeid: item for item in items}

    def in_child(mutant: str, tests: list[str], timeout: float) -> str:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 3
            try:
                os.setpgid(0, 0)
                set_mutant_under_test(mutant)
                code = 1 if _run([by_id[t] for t in tests], anchor, stop_at_failure=True) else 0
            finally:
                os._exit(code)
        return _wait(pid, timeout)

    # The check of the check: with every function of the module made to raise, a test must fail.
    covering = sorted({t for tests in covers.values() for t in tests}, key=lambda nodeid: duration[nodeid])
    if covering and in_child("fail", covering[:1], factor * duration[covering[0]] + constant) != "killed":
        raise RuntimeError(
            "mutation: a forced failure of the module did not fail its tests; the set-up is wrong"
        )
    status: dict[str, str] = {}
    seconds: dict[str, float] = {}

    def write(finished: bool) -> None:
        result_path.write_text(
            json.dumps(
                {
                    "baseline_seconds": round(baseline_seconds, 1),
                    "tests": len(items),
                    "finished": finished,
                    "status": {mutant: status.get(mutant, "not run") for mutant in mutants},
                    "seconds": seconds,
                    "covers": {f: len(t) for f, t in covers.items()},
                },
                indent=2,
            )
        )

    order = list(mutants)
    if budget:  # a partial run is then a fair sample of the module, not its first functions
        random.Random(13).shuffle(order)  # noqa: S311 (a fixed order, not a secret)
    only = [pattern for pattern in os.environ.get("MUTATION_ONLY", "").split(",") if pattern]
    if only:  # re-check chosen mutants (e.g. the survivors after adding a test)
        order = [mutant for mutant in order if any(fnmatch.fnmatch(mutant, pattern) for pattern in only)]
    loop_started = time.monotonic()
    for number, mutant in enumerate(order, 1):
        if budget and time.monotonic() - loop_started > budget:
            print(
                f"mutation: the budget of {budget:.0f} s is spent; {len(order) - number + 1} not run",
                flush=True,
            )
            break
        function = f"{module}.{mangled_name_from_mutant_name(mutant)}"
        tests = sorted(covers.get(function, []), key=lambda nodeid: duration[nodeid])
        if not tests:
            status[mutant] = "no tests"
            continue
        began = time.monotonic()
        status[mutant] = in_child(
            f"{module}.{mutant}", tests, factor * sum(duration[t] for t in tests) + constant
        )
        seconds[mutant] = round(time.monotonic() - began, 2)
        print(
            f"mutation: [{number}/{len(order)}] {mutant}: {status[mutant]} ({seconds[mutant]} s)", flush=True
        )
        write(finished=False)
    write(finished=all(mutant in status for mutant in mutants))
    return True
