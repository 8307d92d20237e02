# The two commands of the contract: `make demo` and `make test`. Both create/refresh .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STORE ?= udc-data

.PHONY: demo test bench lint clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==25.2"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/udc --store $(STORE) demo
	$(BIN)/udc --store $(STORE) info

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_harmonise.py
	$(BIN)/python benchmarks/bench_synth.py
	$(BIN)/python benchmarks/bench_statline.py
	$(BIN)/python benchmarks/bench_gate.py
	$(BIN)/python benchmarks/bench_flows.py

clean:
	rm -rf $(VENV) $(STORE) .pytest_cache
