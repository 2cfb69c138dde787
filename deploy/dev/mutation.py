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
        ["tests/casework/test_intake.py", "tests/casework/test_api_intake.py"],
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
        subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "mutation_session", "-p", "no:xdist", "-p", "no:randomly",
             "-q", *tests],
            cwd=scratch, env=env, check=False,
        )  # fmt: skip
        outcome = json.loads((scratch / "result.json").read_text())
        if "baseline_failed" in outcome:
            raise SystemExit(f"{name}: the tests fail without any mutant: {outcome['baseline_failed']}")
        record = build_record(name, mutants, mutated.code, outcome)
        out = ROOT / ".data" / "mutation"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{name}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False))
        return record
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
