"""``make mutation``: mutation testing (mutmut) over the rule modules, one module at a time.

Each module is mutated in a scratch copy of the project (the working tree is
never touched); mutmut writes every mutant of the module into that one file,
behind trampolines that pick the active mutant at call time. The tests about the
module then run in ONE pytest session (deploy/dev/mutation_session.py): the test
database and test world are created once, the unmutated baseline records which
tests call which function, and every mutant runs in a forked child against only
those tests, with a timeout. The score is written to
``.data/mutation/<module>.json`` and printed; docs/MUTATION.md records the scores
and why each surviving mutant is harmless or what test killed it.

    python deploy/dev/mutation.py                 # every module
    python deploy/dev/mutation.py deadline_rules  # one
    MUTATION_BUDGET=1800 python deploy/dev/mutation.py decision  # at most 30 minutes of mutants
    MUTATION_ONLY='x_f__mutmut_3,x_g__*' MUTATION_TESTS='tests/x.py::test_y' \
        python deploy/dev/mutation.py decision  # chosen mutants against chosen tests
    MUTATION_AT_IMPORT=1 MUTATION_ONLY='x_add_rule__mutmut_2' \
        python deploy/dev/mutation.py tenants_permissions  # mutants of code run at import

Each module gets its own test database (``KLACHTPUNT_TEST_DB_SUFFIX=_mutation_<module>``),
so two modules can run side by side.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mutmut.mutation.file_mutation import mutate_file_contents

ROOT = Path(__file__).resolve().parents[2]

# name: (file, the tests that are about it)
MODULES: dict[str, tuple[str, list[str]]] = {
    # The whole files now that the test database is made once per module (the first runs
    # named 17 database-free tests one by one, and missed the rules added since).
    "deadline_rules": (
        "platform/reference/deadline_rules.py",
        [
            "tests/casework/test_deadlines.py",
            "tests/casework/test_calendar_watch.py",
            "tests/casework/test_reminders.py",
            # The mutated module imports mutmut's trampolines: this import rule cannot hold for it.
            "--deselect=tests/casework/test_calendar_watch.py::test_the_rules_module_imports_nothing_of_ours",
        ],
    ),
    "decision": (
        "casework/decision/services.py",
        ["tests/casework/test_decision.py", "tests/casework/test_decision_status.py"],
    ),
    "consent": (
        "casework/consent/services.py",
        [
            "tests/casework/test_consent_gating.py",
            "tests/casework/test_receipt_date.py",
            "tests/casework/test_intake.py",
        ],
    ),
    "accounts_permissions": ("platform/accounts/permissions.py", ["tests/test_accounts.py"]),
    "tenants_permissions": (
        "tenants/permissions.py",
        [
            "tests/casework/test_provider_roles.py",
            "tests/test_tenant_routing.py",
            "tests/casework/test_access_log.py",
        ],
    ),
    "intake_guard": ("casework/intake/guard.py", ["tests/casework/test_widget.py"]),
    "intake_services": (
        "casework/intake/services.py",
        [
            "tests/casework/test_intake.py",
            "tests/casework/test_api_intake.py",
            "tests/casework/test_intake_idempotency.py",
        ],
    ),
    "webhooks": ("billing/webhooks.py", ["tests/billing/test_webhooks.py", "tests/billing/test_signup.py"]),
    "invoicing": (
        "billing/invoicing.py",
        ["tests/billing/test_invoicing.py", "tests/billing/test_subscription.py"],
    ),
}

COPY = ["platform", "casework", "billing", "tenants", "templates", "locale", "static", "tests", "conftest.py",
        "manage.py", "pyproject.toml"]  # fmt: skip


def import_name(source: str) -> str:
    """``platform/reference/x.py`` is imported as ``reference.x`` (pythonpath), the rest by their path."""
    path = Path(source).with_suffix("")
    parts = path.parts[1:] if path.parts[0] == "platform" else path.parts
    return ".".join(parts)


def function_sources(code: str) -> dict[str, str]:
    """Every function in the mutated file by name (mutants and the ``__mutmut_orig`` copies)."""
    lines = code.splitlines(keepends=True)
    return {
        node.name: "".join(lines[node.lineno - 1 : node.end_lineno])
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and "__mutmut_" in node.name
    }


def mutant_diff(sources: dict[str, str], mutant: str, source: str) -> str:
    function = mutant.partition("__mutmut_")[0]
    original = sources[f"{function}__mutmut_orig"].replace(f"{function}__mutmut_orig", function)
    mutated = sources[mutant].replace(mutant, function)
    return "".join(
        difflib.unified_diff(
            original.splitlines(keepends=True),
            mutated.splitlines(keepends=True),
            source,
            f"{source} ({mutant})",
        )
    )


def build_record(name: str, mutants: list[str], code: str, outcome: dict) -> dict:
    """The score and the diff of every mutant not killed, from the session's ``result.json``."""
    source, tests = MODULES[name]
    status: dict[str, list[str]] = {}
    for mutant, state in outcome["status"].items():
        status.setdefault(state, []).append(mutant)
    killed = len(status.get("killed", [])) + len(status.get("timeout", []))
    ran = len(mutants) - len(status.get("not run", []))
    sources = function_sources(code)
    return {
        "module": source,
        "tests": tests,
        "mutants": len(mutants),
        "ran": ran,
        "finished": outcome["finished"],
        "counts": {state: len(names) for state, names in status.items()},
        "killed_share": round(killed / ran, 3) if ran else None,
        "baseline_seconds": outcome["baseline_seconds"],
        "not_killed": {
            mutant: mutant_diff(sources, mutant, source)
            for mutant in status.get("survived", []) + status.get("no tests", [])
        },
        "timeouts": status.get("timeout", []),
        "status": outcome["status"],
    }


def at_import(name: str, mutants: list[str], scratch: Path, env: dict[str, str], tests: list[str]) -> dict:
    """Mutants of code that runs when the module is imported, each in a test run of its own.

    Module-level calls (``add_rule(...)``) and decorator factories applied when the
    URLconf loads run before the session's forked children switch a mutant on, so
    the one-session runner never exercises their mutants. Here the mutant is
    switched on in the environment before pytest starts, as if the mutated code were
    the product: a fresh test database (suffix ``_imp``), the module's tests, stop
    at the first failure. Slow (minutes per mutant), so only for the mutants named
    in ``MUTATION_ONLY`` (exact names).
    """
    chosen = [mutant for mutant in os.environ.get("MUTATION_ONLY", "").split(",") if mutant in mutants]
    if not chosen:
        raise SystemExit("MUTATION_AT_IMPORT needs the exact mutant names in MUTATION_ONLY")
    timeout = float(os.environ.get("MUTATION_AT_IMPORT_TIMEOUT", "1800"))
    status: dict[str, str] = {}
    seconds: dict[str, float] = {}
    module = import_name(MODULES[name][0])
    logs = ROOT / ".data" / "mutation" / "at_import" / name  # each run's pytest output
    for mutant in chosen:
        began = time.monotonic()
        logs.mkdir(parents=True, exist_ok=True)
        try:
            with (logs / f"{mutant}.log").open("w") as log:
                completed = subprocess.run(
                    [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:randomly", "-qx", *tests],
                    cwd=scratch, timeout=timeout, check=False, stdout=log, stderr=subprocess.STDOUT,
                    env=dict(env, MUTANT_UNDER_TEST=f"{module}.{mutant}",
                             KLACHTPUNT_TEST_DB_SUFFIX=f"{env['KLACHTPUNT_TEST_DB_SUFFIX']}_imp"),
                )  # fmt: skip
            # 0: every test passed; 5: none collected. Anything else (failures, an import error) kills.
            status[mutant] = "survived" if completed.returncode in (0, 5) else "killed"
        except subprocess.TimeoutExpired:
            status[mutant] = "timeout"
        seconds[mutant] = round(time.monotonic() - began, 1)
        print(f"mutation (at import): {mutant}: {status[mutant]} ({seconds[mutant]} s)", flush=True)
    return {
        "baseline_seconds": None,
        "finished": False,
        "status": {mutant: status.get(mutant, "not run") for mutant in mutants},
        "seconds": seconds,
    }


def save(name: str, mutants: list[str], code: str, outcome: dict, tests: list[str], *, how: str) -> dict:
    """Write ``.data/mutation/<name>.json``; a partial re-run updates the last full record.

    A run limited by ``MUTATION_ONLY`` (the survivors after a new test, or the
    mutants of code run at import) changes the status of the mutants it ran in the
    module's record, if that record is of the same mutants, and notes the re-run in
    its ``reruns``; the score is then recomputed over the whole module.
    """
    out = ROOT / ".data" / "mutation"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    ran = {mutant: state for mutant, state in outcome["status"].items() if state != "not run"}
    reruns: list[dict] = []
    if os.environ.get("MUTATION_ONLY") and path.exists():
        earlier = json.loads(path.read_text())
        if sorted(earlier["status"]) == sorted(mutants):
            reruns = earlier.get("reruns", [])
            outcome = dict(outcome, status={**earlier["status"], **ran}, finished=earlier["finished"],
                           baseline_seconds=earlier["baseline_seconds"])  # fmt: skip
    record = build_record(name, mutants, code, outcome)
    record["reruns"] = reruns
    if os.environ.get("MUTATION_ONLY"):
        record["reruns"].append({"how": how, "tests": tests, "status": ran})
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False))
    return record


def run(name: str) -> dict:
    source, tests = MODULES[name]
    if os.environ.get("MUTATION_TESTS"):  # e.g. re-check chosen mutants against one new test
        tests = os.environ["MUTATION_TESTS"].split()
    scratch = Path(tempfile.mkdtemp(prefix=f"mutation-{name}-"))
    try:
        for item in COPY:
            path = ROOT / item
            if path.is_dir():
                shutil.copytree(path, scratch / item, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            elif path.exists():
                shutil.copy2(path, scratch / item)
        shutil.copy2(ROOT / "deploy" / "dev" / "mutation_session.py", scratch / "mutation_session.py")
        # mutmut's trampolines read their settings from here when a test calls them.
        (scratch / "setup.cfg").write_text(f"[mutmut]\nsource_paths={Path(source).parent}\n")
        with contextlib.chdir(scratch):  # mutmut reads its settings from the current folder
            mutated = mutate_file_contents(source, (ROOT / source).read_text())
        (scratch / source).write_text(mutated.code)
        mutants = list(mutated.mutant_names)
        (scratch / "mutants.json").write_text(json.dumps(mutants))
        env = dict(
            os.environ,
            KLACHTPUNT_TESTING="1",
            KLACHTPUNT_TEST_DB_SUFFIX=f"_mutation_{name}",
            MUTATION_MODULE=import_name(source),
            MUTATION_MUTANTS=str(scratch / "mutants.json"),
            MUTATION_RESULT=str(scratch / "result.json"),
        )
        env.pop("MUTANT_UNDER_TEST", None)
        if os.environ.get("MUTATION_AT_IMPORT"):
            outcome = at_import(name, mutants, scratch, env, tests)
            return save(name, mutants, mutated.code, outcome, tests, how="at import")
        subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "mutation_session", "-p", "no:xdist", "-p", "no:randomly",
             "-q", *tests],
            cwd=scratch, env=env, check=False,
        )  # fmt: skip
        outcome = json.loads((scratch / "result.json").read_text())
        if "baseline_failed" in outcome:
            raise SystemExit(f"{name}: the tests fail without any mutant: {outcome['baseline_failed']}")
        return save(name, mutants, mutated.code, outcome, tests, how="session")
    finally:
        if not os.environ.get("MUTATION_KEEP"):  # MUTATION_KEEP=1 leaves the scratch copy to look into
            shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    names = sys.argv[1:] or list(MODULES)
    for name in names:
        record = run(name)
        print(f"{name}: {record['counts']} -> {record['killed_share']} of the {record['ran']} run killed")


if __name__ == "__main__":
    main()
