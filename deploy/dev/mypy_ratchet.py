"""mypy with a baseline that may only shrink.

Runs mypy over the product's packages and compares its errors with
``mypy-baseline.txt`` (one line per error: path, message and code, without the
line number, so moving code does not churn the file). A new error fails; an
error that is gone from the code but still in the baseline fails too, so the
baseline shrinks as debt is paid (``--update`` rewrites it). Strict modules are
set in pyproject.toml ([tool.mypy.overrides]).

    python deploy/dev/mypy_ratchet.py [--update]
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "mypy-baseline.txt"
PATHS = [
    "casework",
    "billing",
    "tenants",
    "platform/klachtpunt",
    "platform/reference",
    "platform/accounts",
    "platform/professionals",
    "platform/outbox",
]
ERROR = re.compile(r"^(?P<path>[^:]+):\d+: error: (?P<message>.*)$")


def current_errors() -> Counter[str]:
    # This checkout's code first, whatever the virtualenv's path file names.
    env = {**os.environ, "KLACHTPUNT_TESTING": "1", "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'platform'}"}
    result = subprocess.run(
        [sys.executable, "-m", "mypy", *PATHS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1):
        sys.exit(f"mypy did not run:\n{result.stdout}{result.stderr}")
    errors: Counter[str] = Counter()
    for line in result.stdout.splitlines():
        match = ERROR.match(line)
        if match:
            errors[f"{match['path']}: {match['message']}"] += 1
    return errors


def read_baseline() -> Counter[str]:
    if not BASELINE.exists():
        return Counter()
    return Counter(line for line in BASELINE.read_text().splitlines() if line and not line.startswith("#"))


def main() -> int:
    errors = current_errors()
    if "--update" in sys.argv:
        header = "# Known mypy errors (deploy/dev/mypy_ratchet.py): this list may only shrink.\n"
        BASELINE.write_text(header + "".join(f"{line}\n" for line in sorted(errors.elements())))
        print(f"mypy baseline: {sum(errors.values())} errors recorded")
        return 0
    baseline = read_baseline()
    new, fixed = errors - baseline, baseline - errors
    for line in sorted(new.elements()):
        print(f"new: {line}")
    for line in sorted(fixed.elements()):
        print(f"fixed (remove from mypy-baseline.txt, or run with --update): {line}")
    print(f"mypy: {sum(errors.values())} known errors, {sum(new.values())} new, {sum(fixed.values())} fixed")
    return 1 if new or fixed else 0


if __name__ == "__main__":
    sys.exit(main())
