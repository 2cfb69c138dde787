# Klachtpunt: `make demo` runs the platform, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= 2

.PHONY: install system-deps demo test test-clusters bench-clusters test-slow test-fast bench bench-scale mutation lint format clean-data

$(STAMP): pyproject.toml constraints.txt
	@bash deploy/dev/ensure-python.sh "$(PYTHON)" "$(VENV)"
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	@# Put the project and its platform/ source folder on every venv process's path.
	@$(BIN)/python -c "import site,pathlib; p=pathlib.Path(site.getsitepackages()[0])/'klachtpunt.pth'; p.write_text('$(CURDIR)\n$(CURDIR)/platform\n')"
	@touch $(STAMP)

install: $(STAMP)

system-deps:
	@bash deploy/dev/ensure-system-deps.sh

demo: install
	$(BIN)/python deploy/dev/demo.py

test: install system-deps
	KLACHTPUNT_TESTING=1 $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --ignore=tests/bench -m "not slow"
	$(MAKE) test-clusters

# Providers on several PostgreSQL clusters: two servers of the tests' own (tests/clusters/servers.py).
test-clusters: install system-deps
	KLACHTPUNT_TESTING=1 KLACHTPUNT_TEST_DB_SUFFIX=_clusters $(BIN)/python -m pytest -p tests.clusters.servers -p no:xdist tests/clusters

# Tests that start external processes or servers, load, faults, backups (CI runs both targets).
test-slow: install system-deps
	KLACHTPUNT_TESTING=1 $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --ignore=tests/bench -m slow

test-fast: install
	KLACHTPUNT_TESTING=1 $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --ignore=tests/bench -m "not browser and not slow"

# Mutation testing of the rule modules (mutmut; hours on two cores): MODULES="deadline_rules decision".
mutation: install
	$(BIN)/python deploy/dev/mutation.py $(MODULES)

bench: install system-deps
	KLACHTPUNT_TESTING=1 $(BIN)/python -m pytest tests/bench -p no:xdist -s -q

# Thousands of tenants on one database (BENCH_SCALE_TENANTS, default 5000; hours at 5000).
bench-scale: install system-deps
	KLACHTPUNT_TESTING=1 $(BIN)/python -m pytest tests/bench/bench_scale.py -p no:xdist -s -q

# Providers on two extra PostgreSQL clusters: intake, the index relay, a move.
bench-clusters: install system-deps
	KLACHTPUNT_TESTING=1 KLACHTPUNT_TEST_DB_SUFFIX=_bench_clusters $(BIN)/python -m pytest -p tests.clusters.servers tests/bench/bench_clusters.py -p no:xdist -s -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=.:platform $(BIN)/lint-imports --no-cache
	$(BIN)/python deploy/dev/mypy_ratchet.py
	@# Security lint; reviewed false positives carry "# nosec BXXX  # reason" where they are.
	$(BIN)/bandit -q -r casework billing tenants platform

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
