# The two commands of the README: `make run` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SCENARIO ?= scenarios/kazakhstan-2022.yaml
OUT    ?= results

.PHONY: run test setup lint docs posteriors figures bench browser clean

# Set up the virtual environment (again whenever pyproject.toml changes).
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "influence-sim needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

setup: $(STAMP)

# The main job: run the bundled Kazakhstan 2022 scenario into results/ (tables, plots, manifest).
run: $(STAMP)
	$(BIN)/influence-sim run $(SCENARIO) --out $(OUT)

# The whole test suite, with the linters, the type checker and the layers' contracts, the tests spread over
# the cores (at most four processes). The dashboard's browser test drives Debian's chromium; where it is
# missing and apt-get may be used, install it.
test: $(STAMP) browser
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n auto --maxprocesses 4

browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium for the dashboard's browser test"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
			|| echo "could not install chromium: the browser test will skip"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/lint-imports

# Regenerate what is generated from the code: the JSON Schema and docs/parameters.md.
docs: $(STAMP)
	$(BIN)/influence-sim schema --out scenarios/schema.json
	$(BIN)/influence-sim schema --partial --out scenarios/schema-partial.json
	$(BIN)/influence-sim schema --sweep --out scenarios/sweep-schema.json
	$(BIN)/influence-sim schema --targets --out scenarios/targets/schema.json
	$(BIN)/influence-sim schema --calibration --out scenarios/calibrations/schema.json
	$(BIN)/python -m influence_sim.cli.docs parameters > docs/parameters.md
	$(BIN)/python -m influence_sim.cli.docs format > docs/scenario-format.md
	$(BIN)/python -m influence_sim.cli.docs history > docs/history.md
	$(BIN)/python -m influence_sim.cli.docs validation > docs/validation.md
	$(BIN)/python -m influence_sim.cli.docs targets-format > docs/targets-format.md
	$(BIN)/python -m influence_sim.cli.docs history-figure docs/images/history.png
	$(BIN)/python -m influence_sim.cli.docs decision-figure docs/images/decision.png

# The posteriors of the bundled calibrations (scenarios/posteriors/; minutes), then the
# docs that quote them.
posteriors: $(STAMP)
	$(BIN)/python -m influence_sim.cli.docs posteriors
	$(BIN)/python -m influence_sim.cli.docs parameters > docs/parameters.md

# The README's figure (a run of Kazakhstan 2022).
figures: $(STAMP)
	$(BIN)/python -m influence_sim.cli.docs figure docs/images/kazakhstan-2022.png

# Benchmarks print ratios measured in one run; BENCH_ARGS=--quick for a smoke test.
# (bench_recovery.py, the coverage of calibrations, runs apart: it runs whole calibrations.)
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_drivers.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/bench_startup.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/bench_sweep.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/bench_citizens.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
