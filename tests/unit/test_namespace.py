"""The package's public names, pinned (as Mesa's test_import_namespace does), and the
deprecated paths of the first release."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import influence_sim

PUBLIC = {
    "influence_sim": {
        "InfluenceModel",
        "InfluenceSimError",
        "Problem",
        "RunResult",
        "Scenario",
        "ScenarioError",
        "__version__",
        "dump_scenario",
        "load_scenario",
        "parse_scenario",
        "run",
    },
    "influence_sim.drivers": {"InfluenceModel", "PowerAgent", "StateAgent", "run"},
    "influence_sim.experiments": {"SweepResult", "analyze", "load_sweep", "run_sweep", "sample"},
}
LAYERS = ("format", "engine", "results", "drivers", "experiments", "viz")


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_names_are_pinned(name):
    module = importlib.import_module(name)
    assert set(module.__all__) == PUBLIC[name]


@pytest.mark.parametrize("layer", LAYERS)
def test_every_exported_name_resolves(layer):
    module = importlib.import_module(f"influence_sim.{layer}")
    for name in module.__all__:
        assert getattr(module, name) is not None, name
    assert set(dir(module)) >= set(module.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = module.nothing


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("plotting", "viz.plotting"),
        ("docs", "cli.docs"),
        ("bundled", "format.bundled"),
        ("sweep", "experiments.sweep"),
        ("model", "drivers.model"),
        ("sensitivity", "experiments.sensitivity"),
        ("ensemble", "engine.ensemble"),
        ("compile", "engine.compile"),
        ("analysis", "results.metrics"),
        ("runner", "drivers.runner"),
        ("loading", "format.loading"),
    ],
)
def test_old_paths_still_work_and_say_where_things_went(old, new):
    code = (
        "import warnings, importlib\n"
        "warnings.simplefilter('always')\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        f"    old = importlib.import_module('influence_sim.{old}')\n"
        f"new = importlib.import_module('influence_sim.{new}')\n"
        "assert old is new\n"
        "print([str(w.message) for w in caught if w.category is DeprecationWarning])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert f"influence_sim.{old} has moved to influence_sim.{new}" in done.stdout


def test_the_version_is_a_string():
    assert isinstance(influence_sim.__version__, str)
