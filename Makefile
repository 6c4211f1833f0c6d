# The two commands of the README: `make run` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SCENARIO ?= scenarios/kazakhstan-2022.yaml
OUT    ?= results

# One virtual environment, a stamp per set of extras: the package with its core
# dependencies only (what `make run` needs), with the `dashboard` extra, or with the `dev`
# extra (the tests, linters and every other extra). Each is set up again whenever
# pyproject.toml changes; a larger set counts as the smaller ones, so `make run` after
# `make test` installs nothing, and `make test` after `make run` installs the dev extra.
STAMP_RUN  := $(VENV)/.installed-run
STAMP_DASH := $(VENV)/.installed-dashboard
STAMP_DEV  := $(VENV)/.installed-dev
STAMP_NB   := $(VENV)/.installed-notebooks

.PHONY: run dashboard notebooks test setup setup-run lint docs posteriors figures bench browser clean

define make_venv
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "influence-sim needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
endef

$(STAMP_RUN): pyproject.toml
	$(make_venv)
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(STAMP_DASH): pyproject.toml
	$(make_venv)
	$(BIN)/python -m pip install --quiet -e '.[dashboard]'
	@touch $@ $(STAMP_RUN)

$(STAMP_DEV): pyproject.toml
	$(make_venv)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(STAMP_DASH) $(STAMP_NB) $(STAMP_RUN)

# The package and its core dependencies only.
setup-run: $(STAMP_RUN)

# Everything: the dev extra (tests, linters, the dashboard and the other extras).
setup: $(STAMP_DEV)

# The main job: run the bundled Kazakhstan 2022 scenario into results/ (tables, plots, manifest).
run: $(STAMP_RUN)
	$(BIN)/influence-sim run $(SCENARIO) --out $(OUT)

# JupyterLab on the notebooks (the notebooks extra; Ctrl-C to stop).
$(STAMP_NB): pyproject.toml
	$(make_venv)
	$(BIN)/python -m pip install --quiet -e '.[notebooks]'
	@touch $@ $(STAMP_RUN)

notebooks: $(STAMP_NB)
	$(BIN)/jupyter lab notebooks/

# The dashboard on http://127.0.0.1:8765 (Ctrl-C to stop), with the extra it needs.
dashboard: $(STAMP_DASH)
	$(BIN)/influence-sim dashboard

# The whole test suite, with the linters, the type checker and the layers' contracts, the tests spread over
# the cores (at most four processes). The dashboard's browser test drives Debian's chromium; where it is
# missing and apt-get may be used, install it.
test: $(STAMP_DEV) browser
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

lint: $(STAMP_DEV)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/lint-imports

# Regenerate what is generated from the code: the JSON Schema and docs/parameters.md.
docs: $(STAMP_DEV)
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
	$(BIN)/python -m influence_sim.cli.docs tradeoff > docs/tradeoff.md
	$(BIN)/python -m influence_sim.cli.docs decisions > docs/decisions.md
	$(BIN)/python -m influence_sim.cli.docs history-figure docs/images/history.png
	$(BIN)/python -m influence_sim.cli.docs decision-figure docs/images/decision.png

# The posteriors of the bundled calibrations (scenarios/posteriors/; minutes), then the
# docs that quote them.
posteriors: $(STAMP_DEV)
	$(BIN)/python -m influence_sim.cli.docs posteriors
	$(BIN)/python -m influence_sim.cli.docs parameters > docs/parameters.md

# The README's figure (a run of Kazakhstan 2022).
figures: $(STAMP_DEV)
	$(BIN)/python -m influence_sim.cli.docs figure docs/images/kazakhstan-2022.png

# Benchmarks print ratios measured in one run; BENCH_ARGS=--quick for a smoke test.
# (bench_recovery.py, the coverage of calibrations, runs apart: it runs whole calibrations.)
bench: $(STAMP_DEV)
	$(BIN)/python benchmarks/bench_drivers.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/bench_startup.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/bench_sweep.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/bench_dashboard.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/bench_citizens.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
