# Two set-up commands, each working on a fresh machine with only python3 and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install lint test test-airflow demo bench soak meltano airflow clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The whole suite: sandbox, shared HTTP client, tap, target, Meltano pipeline, Airflow DAG.
test: lint
	$(BIN)/pytest -q

test-airflow: install
	$(BIN)/pytest -q tests/pipeline/test_pipeline_airflow.py tests/pipeline/test_pipeline_accounts.py \
		tests/pipeline/test_pipeline_accounts_postgres.py

demo: install
	$(BIN)/python scripts/demo.py

bench: install
	$(BIN)/python -m benchmarks.bench $(BENCH_ARGS)

soak: install
	$(BIN)/python -m benchmarks.soak $(SOAK_ARGS)

# Pipeline virtualenvs, created on first use and reused afterwards.
meltano:
	$(PYTHON) orchestrate/bootstrap.py meltano

airflow:
	$(PYTHON) orchestrate/bootstrap.py airflow

clean:
	rm -rf $(VENV) .venv-meltano .venv-airflow .meltano output .pytest_cache .ruff_cache *.egg-info
