"""influence-sim: agent-based simulation of great-power influence.

Small states choose how far to rely on each great power for security and for the
economy; shocks such as an uprising or a request for foreign troops shift those
choices. The reference case is Central Asia between Russia and China.

Typical use::

    from influence_sim import run
    result = run("kazakhstan-2022", replications=50)
    result.tables["alignment"]      # tidy pandas frames
    result.save("results")          # a results folder (figures: draw=viz.save_standard_plots)

The simulation entry points (``run``, ``RunResult``, ``InfluenceModel``, ``compare``,
``load_sweep``, ``run_sweep``, ``resume_sweep``, ``SweepResult``, ``check``, ``calibrate``,
``Calibration``) are imported on first use, so that importing the package to read a
scenario stays light. The layers below are ``format`` (the files), ``engine`` (the
model), ``results``, ``drivers``, ``viz``, ``sweeps``, ``calibration``, ``analysis``
and ``integrations``.
"""

from typing import TYPE_CHECKING, Any

from influence_sim.errors import InfluenceSimError, Problem, ScenarioError
from influence_sim.format.loading import dump_scenario, load_scenario, parse_scenario
from influence_sim.format.scenario import Scenario

if TYPE_CHECKING:
    from influence_sim.analysis.comparison import Comparison, compare
    from influence_sim.calibration.checks import check
    from influence_sim.calibration.fitting import calibrate
    from influence_sim.calibration.folder import Calibration
    from influence_sim.drivers.model import InfluenceModel
    from influence_sim.drivers.runner import run
    from influence_sim.results.runs import RunResult
    from influence_sim.sweeps.sweep import SweepResult, load_sweep, resume_sweep, run_sweep

__version__ = "0.1.0"

__all__ = [
    "Calibration",
    "Comparison",
    "InfluenceModel",
    "InfluenceSimError",
    "Problem",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SweepResult",
    "__version__",
    "calibrate",
    "check",
    "compare",
    "dump_scenario",
    "load_scenario",
    "load_sweep",
    "parse_scenario",
    "resume_sweep",
    "run",
    "run_sweep",
]

_LAZY = {
    "run": "influence_sim.drivers.runner",
    "RunResult": "influence_sim.results.runs",
    "InfluenceModel": "influence_sim.drivers.model",
    "compare": "influence_sim.analysis.comparison",
    "Comparison": "influence_sim.analysis.comparison",
    "load_sweep": "influence_sim.sweeps.sweep",
    "run_sweep": "influence_sim.sweeps.sweep",
    "resume_sweep": "influence_sim.sweeps.sweep",
    "SweepResult": "influence_sim.sweeps.sweep",
    "check": "influence_sim.calibration.checks",
    "calibrate": "influence_sim.calibration.fitting",
    "Calibration": "influence_sim.calibration.folder",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'influence_sim' has no attribute {name!r}")
