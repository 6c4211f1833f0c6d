# The two commands of the README: `make run` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SCENARIO ?= scenarios/kazakhstan-2022.yaml
OUT    ?= results

.PHONY: run test setup lint docs clean

# Set up the virtual environment (again whenever pyproject.toml changes).
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "influence-sim needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

setup: $(STAMP)

# The main job: the bundled Kazakhstan 2022 scenario.
run: $(STAMP)
	@mkdir -p $(OUT)
	$(BIN)/influence-sim validate $(SCENARIO)
	$(BIN)/influence-sim explain $(SCENARIO) --format markdown > $(OUT)/kazakhstan-2022-parameters.md
	@echo "Parameters and their sources written to $(OUT)/kazakhstan-2022-parameters.md"

# The whole test suite, with the linters and the type checker.
test: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

# Regenerate what is generated from the code: the JSON Schema and docs/parameters.md.
docs: $(STAMP)
	$(BIN)/influence-sim schema --out scenarios/schema.json
	$(BIN)/influence-sim schema --partial --out scenarios/schema-partial.json
	$(BIN)/python -m influence_sim.docs parameters > docs/parameters.md
	$(BIN)/python -m influence_sim.docs format > docs/scenario-format.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
