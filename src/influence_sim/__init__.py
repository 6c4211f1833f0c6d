"""influence-sim: agent-based simulation of great-power influence.

Small states choose how far to rely on each great power for security and for the
economy; shocks such as an uprising or a request for foreign troops shift those
choices. The reference case is Central Asia between Russia and China.

Typical use::

    from influence_sim import load_scenario
    scenario = load_scenario("scenarios/kazakhstan-2022.yaml")
"""

from influence_sim.errors import InfluenceSimError, Problem, ScenarioError
from influence_sim.loading import dump_scenario, load_scenario, parse_scenario
from influence_sim.scenario import AllianceSpec, PowerSpec, Scenario, StateSpec

__version__ = "0.1.0"

__all__ = [
    "AllianceSpec",
    "InfluenceSimError",
    "PowerSpec",
    "Problem",
    "Scenario",
    "ScenarioError",
    "StateSpec",
    "__version__",
    "dump_scenario",
    "load_scenario",
    "parse_scenario",
]
