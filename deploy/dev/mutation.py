"""``make mutation``: mutation testing (mutmut) over the rule modules, one module at a time.

Each module is mutated in a scratch copy of the project (the working tree is
never touched), against only the test files that are about it, and the score
is written to ``.data/mutation/<module>.json`` and printed; docs/MUTATION.md
records the scores and why each surviving mutant is harmless or what test
killed it.

    python deploy/dev/mutation.py                 # every module (hours on two cores)
    python deploy/dev/mutation.py deadline_rules  # one

Modules under ``platform/`` are imported by their own name (``reference...``),
which mutmut only maps for a ``src/`` folder: the scratch copy gets a ``src``
link to ``platform`` for them. Tests that need the database create their own
test database per run (``KLACHTPUNT_TEST_DB_SUFFIX=_mutation``): slow, hence
the narrow test selections.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# name: (file, the tests that are about it)
MODULES: dict[str, tuple[str, list[str]]] = {
    "deadline_rules": (
        "platform/reference/deadline_rules.py",
        [
            f"tests/casework/test_deadlines.py::{name}"
            for name in (
                "test_wkkgz_decision_within_6_weeks_of_the_formal_written_complaint",
                "test_wzd_committee_decides_within_2_weeks",
                "test_wzd_allows_no_extension_without_consent",
                "test_wkkgz_one_extension_of_at_most_4_weeks",
                "test_wkkgz_extension_notice_only_before_the_6_weeks_run_out",
                "test_disputes_body_window_is_1_year_from_filing_with_the_provider",
                "test_disputes_body_window_ending_on_a_weekend_runs_to_monday",
                "test_atw_term_ending_on_saturday_or_sunday_runs_to_monday",
                "test_atw_easter_is_computed_for_the_gregorian_calendar",
                "test_atw_holidays_are_those_of_the_act",
                "test_atw_term_ending_on_a_holiday_runs_to_the_next_working_day",
                "test_reminders_before_on_and_after_the_deadline",
                "test_days_left_filter_counts_in_amsterdam_days",
                "test_atw_easter_matches_the_gregorian_computus_in_every_year",
                "test_atw_kings_day_is_27_april_or_26_april_when_the_27th_is_a_sunday",
                "test_complaint_deadline_is_the_extended_or_the_statutory_one_or_none_before_a_formal_one",
                "test_days_left_is_none_without_a_deadline_and_counts_whole_days",
            )
        ],
    ),
    "decision": ("casework/decision/services.py", ["tests/casework/test_decision.py"]),
    "consent": ("casework/consent/services.py", ["tests/casework/test_consent_gating.py"]),
    "accounts_permissions": ("platform/accounts/permissions.py", ["tests/test_accounts.py"]),
    "tenants_permissions": (
        "tenants/permissions.py",
        ["tests/test_tenant_routing.py", "tests/casework/test_access_log.py"],
    ),
    "intake_guard": ("casework/intake/guard.py", ["tests/casework/test_widget.py"]),
    "intake_services": (
        "casework/intake/services.py",
        ["tests/casework/test_intake.py", "tests/casework/test_api_intake.py"],
    ),
    "webhooks": ("billing/webhooks.py", ["tests/billing/test_webhooks.py"]),
    "invoicing": ("billing/invoicing.py", ["tests/billing/test_invoicing.py"]),
}

COPY = ["platform", "casework", "billing", "tenants", "templates", "locale", "static", "tests", "conftest.py",
        "manage.py", "pyproject.toml"]  # fmt: skip


def run(name: str, workers: int) -> dict:
    source, tests = MODULES[name]
    scratch = Path(tempfile.mkdtemp(prefix=f"mutation-{name}-"))
    try:
        for item in COPY:
            path = ROOT / item
            if path.is_dir():
                shutil.copytree(path, scratch / item, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            elif path.exists():
                shutil.copy2(path, scratch / item)
        if source.startswith("platform/"):
            # Imported as e.g. ``reference.deadline_rules``: mutate it under src/, and keep the
            # unmutated package out of the copied platform/ folder that pytest puts on the path.
            package = Path(source).relative_to("platform").parts[0]
            (scratch / "src").mkdir()
            shutil.move(str(scratch / "platform" / package), scratch / "src" / package)
            source = str(Path("src") / Path(source).relative_to("platform"))
            also_copy = [f"platform/{p.name}" for p in (scratch / "platform").iterdir()]
        else:
            also_copy = ["platform/"]
        also_copy += [item for item in COPY if item not in ("platform", "tests", "pyproject.toml")]
        folder = str(Path(source).parent)
        lines = [
            "[mutmut]",
            f"source_paths={folder}",
            f"only_mutate={source}",
            "also_copy=",
            *[f"    {item}" for item in also_copy],
            "pytest_add_cli_args=",
            "    -p",
            "    no:xdist",
            "    -q",
            "pytest_add_cli_args_test_selection=",
            *[f"    {test}" for test in tests],
        ]
        (scratch / "setup.cfg").write_text("\n".join(lines) + "\n")
        # pyproject's [tool.pytest] stays (pythonpath, markers); mutmut reads setup.cfg
        # because pyproject has no [tool.mutmut].
        env = dict(os.environ, KLACHTPUNT_TESTING="1", KLACHTPUNT_TEST_DB_SUFFIX="_mutation")
        subprocess.run(
            [sys.executable, "-m", "mutmut", "run", "--max-children", str(workers)], cwd=scratch, env=env
        )
        results = subprocess.run(
            [sys.executable, "-m", "mutmut", "results", "--all", "true"],
            cwd=scratch, env=env, capture_output=True, text=True,
        )  # fmt: skip
        status: dict[str, list[str]] = {}
        for line in results.stdout.splitlines():
            if ":" in line:
                mutant, state = line.rsplit(":", 1)
                status.setdefault(state.strip(), []).append(mutant.strip())
        killed = len(status.get("killed", []))
        judged = killed + len(status.get("survived", [])) + len(status.get("no tests", []))
        diffs = {
            mutant: subprocess.run(
                [sys.executable, "-m", "mutmut", "show", mutant],
                cwd=scratch,
                env=env,
                capture_output=True,
                text=True,
            ).stdout
            for mutant in status.get("survived", []) + status.get("no tests", [])
        }
        record = {
            "module": MODULES[name][0],
            "tests": tests,
            "counts": {state: len(mutants) for state, mutants in status.items()},
            "killed_share": round(killed / judged, 3) if judged else None,
            "not_killed": diffs,
        }
        out = ROOT / ".data" / "mutation"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{name}.json").write_text(json.dumps(record, indent=2))
        return record
    finally:
        if not os.environ.get("MUTATION_KEEP"):  # MUTATION_KEEP=1 leaves the scratch copy to look into
            shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    names = sys.argv[1:] or list(MODULES)
    workers = int(os.environ.get("MUTATION_WORKERS", "2"))
    for name in names:
        record = run(name, workers)
        print(f"{name}: {record['counts']} -> {record['killed_share']} killed")


if __name__ == "__main__":
    main()
