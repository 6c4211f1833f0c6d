"""The package's public names, pinned (as Mesa's test_import_namespace does), and the
paths of the unreleased first layout gone."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PUBLIC = {
    "influence_sim": {
        "Calibration",
        "calibrate",
        "check",
        "Comparison",
        "SweepResult",
        "compare",
        "load_sweep",
        "resume_sweep",
        "run_sweep",
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
    "influence_sim.sweeps": {"SweepResult", "load_sweep", "resume_sweep", "run_sweep", "sample"},
    "influence_sim.calibration": {
        "Calibration",
        "CheckResult",
        "calibrate",
        "check",
        "predict",
        "resume_calibration",
    },
    "influence_sim.analysis": {"Comparison", "Discovery", "analyze", "compare", "discover"},
}
LAYERS = ("format", "engine", "results", "drivers", "sweeps", "calibration", "analysis", "viz")


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_names_are_pinned(name):
    module = importlib.import_module(name)
    assert set(module.__all__) == PUBLIC[name]


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_no_exported_name_is_shadowed_by_a_module_of_the_same_name(name):
    """A package whose function shares its name with one of its modules hands out the
    module once that module is imported (``from influence_sim.calibration import check``
    gave a module, not the function)."""
    import pkgutil
    import types

    package = importlib.import_module(name)
    for found in pkgutil.iter_modules(package.__path__):
        if not found.name.startswith("_") and found.name != "dashboard":  # not __main__
            importlib.import_module(f"{name}.{found.name}")
    for public in package.__all__:
        assert not isinstance(getattr(package, public), types.ModuleType), public


@pytest.mark.parametrize("layer", LAYERS)
def test_every_exported_name_resolves(layer):
    module = importlib.import_module(f"influence_sim.{layer}")
    for name in module.__all__:
        assert getattr(module, name) is not None, name
    assert set(dir(module)) >= set(module.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = module.nothing


@pytest.mark.parametrize(
    "old",
    ["plotting", "docs", "bundled", "sweep", "model", "sensitivity", "ensemble", "compile",
     "runner", "loading", "ema", "experiments"],
)  # fmt: skip
def test_the_paths_before_the_first_release_are_gone(old):
    """Never released, so moved without shims (STYLE: before the first release, no shims);
    ``influence_sim.analysis``, once an alias of ``results.metrics``, is now the analysis
    layer."""
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(f"influence_sim.{old}")


def test_the_settable_table_and_the_compiler_agree():
    """format.settable says what a set shock may change; the compiler maps every entry."""
    from influence_sim.engine import setters as compiler
    from influence_sim.format import settable
    from influence_sim.format.loading import load_scenario
    from influence_sim.format.shocks import SetShock
    from tests.conftest import SCENARIOS

    assert set(compiler.STATE_TARGETS) == set(settable.STATE_FIELDS)
    assert set(compiler.POWER_STATE_TARGETS) == set(settable.POWER_BY_STATE)
    scenario = load_scenario(SCENARIOS / "kazakhstan-2022.yaml")
    si = {n: i for i, n in enumerate(scenario.states)}
    pi = {n: i for i, n in enumerate(scenario.powers)}
    ai = {n: i for i, n in enumerate(scenario.alliances)}
    paths = [f"states.kazakhstan.{f}" for f in settable.STATE_FIELDS]
    paths += [f"states.kazakhstan.{f}.china" for f in settable.STATE_BY_POWER]
    paths += [f"powers.russia.{f}" for f in settable.POWER_FIELDS]
    paths += [f"powers.russia.{f}.kazakhstan" for f in settable.POWER_BY_STATE]
    paths += ["powers.china.security_tools.surveillance", "alliances.csto.commitment"]
    paths += ["dynamics.unrest_decay"]
    for path in paths:
        shock = SetShock(type="set", path=path, value=0.5, at=scenario.calendar.start)
        assert compiler.setters(shock, scenario.timeline, si, pi, ai), path


def _modules_after(code: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return {name.split(".")[0] for name in done.stdout.split()}


def test_the_engine_loads_neither_mesa_pandas_nor_matplotlib():
    loaded = _modules_after("import influence_sim.engine.kernel, influence_sim.engine.compile")
    assert not loaded & {"mesa", "pandas", "matplotlib"}


def test_the_ensemble_driver_and_a_sweep_chunk_do_not_import_mesa(tmp_path):
    from tests.integration.test_sweeps import sweep_file

    path = sweep_file(tmp_path)
    code = (
        "from concurrent.futures import ThreadPoolExecutor\n"
        "from influence_sim.drivers.runner import run\n"
        "from influence_sim.sweeps.sweep import run_sweep\n"
        "run('kazakhstan-2022', replications=2)\n"
        f"run_sweep({str(path)!r}, out={str(tmp_path / 'out')!r}, "
        "executor=ThreadPoolExecutor(1))\n"
    )
    assert "mesa" not in _modules_after(code)


def test_validate_and_help_import_neither_pandas_nor_numpy():
    from tests.conftest import SCENARIOS

    code = (
        "from influence_sim.cli import main\n"
        f"assert main(['validate', {str(SCENARIOS / 'kazakhstan-2022.yaml')!r}]) == 0\n"
    )
    assert not _modules_after(code) & {"pandas", "numpy", "mesa", "matplotlib"}


def test_a_bundled_name_works_wherever_a_file_does(tmp_path):
    from influence_sim import load_scenario, run
    from influence_sim.format.bundled import scenario_dir
    from influence_sim.sweeps import load_sweep

    by_file = load_scenario(scenario_dir() / "kazakhstan-2022.yaml")
    assert load_scenario("kazakhstan-2022") == by_file
    spec, _ = load_sweep("security-vs-economy")
    assert spec.name == "security-vs-economy"
    (tmp_path / "mine.yaml").write_text("name: mine\nextends: kazakhstan-2022\nreplications: 2\n")
    mine = load_scenario(tmp_path / "mine.yaml")
    assert mine.replications == 2
    assert mine.shocks == load_scenario("kazakhstan-2022").shocks
    assert run(tmp_path / "mine.yaml").replications == 2
    # A file beside the extending one wins over a bundled scenario of the same name.
    (tmp_path / "kazakhstan-2022.yaml").write_text(
        (scenario_dir() / "central-asia-2021.yaml").read_text()
    )
    assert load_scenario(tmp_path / "mine.yaml").shocks == []


def test_compare_returns_a_comparison_that_saves_itself(tmp_path):
    from influence_sim import Comparison, compare

    pair = compare("kazakhstan-2022", "no-csto-response", replications=3)
    assert isinstance(pair, Comparison)
    assert pair.a.seed == pair.b.seed
    assert pair.state == "kazakhstan"
    assert set(pair.differences["power"]) == {"russia", "china"}
    (line, *_) = pair.summary()
    assert "no-csto-response minus kazakhstan-2022" in line
    folder = pair.save(tmp_path, plots=False)
    assert pair.folder == folder
    assert folder.name.startswith("compare-kazakhstan-2022-vs-no-csto-response-")
    assert len(folder.name.rsplit("-", 1)[-1]) == 8  # a hash: two comparisons never collide
    assert (folder / "differences.parquet").is_file()
