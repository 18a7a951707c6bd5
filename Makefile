# Two commands on a fresh machine: `make demo` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO   := .demo

.PHONY: install demo test bench eval clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Parse and ingest the samples, then show what the archive holds.
demo: install
	@bash scripts/demo

## The whole test suite, with a throw-away PostgreSQL server when the machine has PostgreSQL
## (scripts/test; .ci/run starts its own and sets REFERAT_TEST_PG_URL).
test: install
	@PYTHON=$(BIN)/python bash scripts/test

## Benchmarks with their targets (not part of `make test`).
bench: install
	$(BIN)/python -m bench

## Parse accuracy per field on the layout corpus and the samples (tests/corpus, bench/accuracy.py).
eval: install
	$(BIN)/python -m bench.accuracy --families

clean:
	rm -rf $(VENV) $(DEMO) .bench build *.egg-info .pytest_cache .hypothesis
