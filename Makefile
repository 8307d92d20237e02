# The two commands of the contract: `make demo` and `make test`. Both create/refresh .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STORE ?= udc-data

AXE := .cache/npm/node_modules/axe-core/axe.min.js
AXE_VERSION := 4.10.3
PORT ?= 8000

.PHONY: demo test bench bench-smoke lint clean venv system

# Bytecode caches are written (and pytest's rewritten test modules kept) even where the environment says not to:
# without them every process — each test worker, every `python -m udc` a test starts, the demo's background build —
# compiled udc and the tests again (3.5 s before the first test of each worker).
unexport PYTHONDONTWRITEBYTECODE

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==25.2"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

# Debian's postgresql and chromium (started for real by the tests), installed when missing.
system:
	./scripts/system-deps

# axe-core for the accessibility checks in the browser tests, from the npm registry (pinned).
$(AXE):
	npm install --prefix .cache/npm --no-audit --no-fund --silent axe-core@$(AXE_VERSION)

demo: $(STAMP)
	$(BIN)/udc --store $(STORE) demo
	$(BIN)/udc --store $(STORE) info
	$(BIN)/udc --store $(STORE) serve --port $(PORT)

# Lint and formatting (ruff), the test suite (on both cores), the slow system tests (real processes: kill -9, udc serve beside the CLI, a whole demo, the API fuzzer; every
# real file), then every benchmark once at a tiny size (so a benchmark that no longer runs fails CI).
test: $(STAMP) system $(AXE)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/python -m compileall -q src
	$(BIN)/python -m pytest -q -n 2 -m "not slow"
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup -m slow
	$(MAKE) bench-smoke

BENCHMARKS := $(sort $(wildcard benchmarks/bench_*.py))

# Every benchmark at its full size (minutes to an hour; each prints its figures and ratios against a baseline).
bench: $(STAMP)
	set -e; for b in $(BENCHMARKS); do echo "== $$b"; $(BIN)/python $$b; done

# Every benchmark at a tiny size: seconds, for CI. Two at a time (most are one process on one core), each one's
# output printed whole when it ends; any failure fails the target. (Not .PHONY: make searches no pattern rule for those.)
SMOKES := $(BENCHMARKS:benchmarks/%.py=smoke-%)

bench-smoke: $(STAMP)
	$(MAKE) --no-print-directory -j2 --output-sync=target $(SMOKES)

smoke-%:
	@echo "== benchmarks/$*.py --smoke"
	@$(BIN)/python benchmarks/$*.py --smoke

clean:
	rm -rf $(VENV) $(STORE) .pytest_cache .cache
