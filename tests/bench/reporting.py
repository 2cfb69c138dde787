"""Figures for the benchmarks: summaries, a printed table, and a JSON artifact.

Each benchmark prints its table (run with ``-s``, as ``make bench`` does) and
writes the same figures to ``tests/artifacts/bench-<name>.json``. Targets are
reported next to the figures, never asserted: timings on a shared 2-core
machine are noisy (FIELD-NOTES.md reads them as ±30%).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ARTIFACTS_DIR = Path(__file__).resolve().parent.parent / "artifacts"
ROOT = Path(__file__).resolve().parent.parent.parent


def percentile(values: Sequence[float], fraction: float) -> float:
    """Linear-interpolated percentile (``fraction`` in 0..1) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(values: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p90": percentile(values, 0.9),
        "mean": statistics.fmean(values),
        "min": min(values),
        "max": max(values),
    }


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            value.ljust(width) if i == 0 else value.rjust(width)
            for i, (value, width) in enumerate(zip(row, widths, strict=True))
        )

    rule = "-" * len(line(cells[0]))
    print(f"\n{title}\n{rule}\n{line(cells[0])}\n{rule}")
    for row in cells[1:]:
        print(line(row))
    print(rule)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def environment(database_version: str = "") -> dict[str, Any]:
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "postgresql": database_version,
        "commit": _git_commit(),
    }


def _git_commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=5
        )
    except OSError:
        return ""
    return result.stdout.strip()


def write_artifact(name: str, figures: dict[str, Any]) -> Path:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS_DIR / f"bench-{name}.json"
    path.write_text(json.dumps(figures, indent=2, sort_keys=False, default=str) + "\n")
    print(f"figures written to {path.relative_to(ROOT)}")
    return path
