"""Where a ``set`` shock writes: a scenario path turned into the kernel's arrays.

``format.settable`` lists the paths a ``set`` shock may change; this module maps each
onto the kernel's state, parameters or dynamics (a test holds the two to the same
entries).
"""

from __future__ import annotations

import math
from typing import get_args

from influence_sim.engine.schedule import Setter
from influence_sim.errors import ScenarioError
from influence_sim.format.calendar import Timeline
from influence_sim.format.fields import SecurityTool
from influence_sim.format.parameters import Dynamics, scaling
from influence_sim.format.paths import parse_path
from influence_sim.format.settable import MESSAGE
from influence_sim.format.shocks import SetShock

TOOLS: tuple[str, ...] = get_args(SecurityTool)

SCALING = {name: scaling(name) for name in Dynamics.model_fields}
"""How each behavioural parameter scales with the step, in the order of ``Dynamics``."""


def scale(name: str, value: float, step_days: int) -> float:
    """A behavioural parameter in the kernel's per-step units."""
    weeks = step_days / 7.0
    kind = SCALING.get(name)
    if weeks == 1.0 and kind != "yearly":
        return value  # exactly as given, not 1 - (1 - r) ** 1
    if kind == "rate":
        return 1.0 - (1.0 - min(value, 1.0)) ** weeks
    if kind == "sqrt":
        return value * math.sqrt(weeks)
    if kind == "linear":
        return value * weeks
    if kind == "yearly":
        return (1.0 + value) ** (step_days / 365.25) - 1.0
    return value


# Where ``set`` shocks write (format.settable lists the paths; a test keeps them equal).
STATE_TARGETS: dict[str, tuple[str, str]] = {
    "unrest": ("state", "unrest"),
    "external_threat": ("state", "threat"),
    "unrest_threshold": ("params", "unrest_threshold"),
    "security_capacity": ("params", "domestic_capacity"),
    "security_salience": ("params", "salience0"),
    "gdp": ("params", "gdp"),
    "exports": ("params", "exports"),
    "imports": ("params", "imports"),
}
POWER_STATE_TARGETS: dict[str, list[tuple[str, str]]] = {
    "reach": [("params", "reach")],
    # The share now, its volume and its base (at host-economy index 1) all take the value.
    "trade": [("state", "trade"), ("state", "trade_volume"), ("params", "trade_base")],
    "remittances": [("params", "remittance_base")],
    "posture": [("state", "posture")],
    "investment": [("state", "investment")],
    "routes": [("params", "routes")],
    "debt": [("state", "debt")],
}


def setters(
    shock: SetShock,
    timeline: Timeline,
    si: dict[str, int],
    pi: dict[str, int],
    ai: dict[str, int],
    index: int = 0,
) -> list[Setter]:
    """Where a ``set`` shock writes, in the kernel's units.

    Raises:
        ScenarioError: If the model cannot change that parameter mid-run.
    """
    path = parse_path(shock.path)
    v = shock.value
    head, rest = path[0], path[1:]
    name = str(rest[0]) if rest else ""
    field = str(rest[1]) if len(rest) > 1 else ""
    key = str(rest[2]) if len(rest) > 2 else ""
    if head == "dynamics" and len(rest) == 1 and name in Dynamics.model_fields:
        return [Setter("dyn", name, (), scale(name, v, timeline.step_days))]
    found = None
    if head == "states" and name in si:
        found = _state_setters(si[name], field, key, len(rest), pi, v)
    elif head == "powers" and name in pi:
        found = _power_setters(pi[name], field, key, len(rest), si, v)
    elif head == "alliances" and name in ai and len(rest) == 2 and field == "commitment":
        found = [Setter("params", "alliance_commitment", (ai[name],), v)]
    if found:
        return found
    raise ScenarioError.single(MESSAGE.format(path=shock.path), path=f"shocks[{index}].path")


def _state_setters(
    s: int, field: str, key: str, depth: int, pi: dict[str, int], v: float
) -> list[Setter] | None:
    """Setters for ``states.<state>.<field>[.<power>]``, or None if not settable."""
    if depth == 2 and field in STATE_TARGETS:
        target, attr = STATE_TARGETS[field]
        return [Setter(target, attr, (s,), v)]  # type: ignore[arg-type]
    if depth == 3 and key in pi and field == "opinion":
        return [
            Setter("state", "opinion", (s, pi[key]), v),
            Setter("state", "opinion_base", (s, pi[key]), v),
        ]
    if depth == 3 and key in pi and field == "elite_affinity":
        return [Setter("params", "elite", (s, pi[key]), v)]
    return None


def _power_setters(
    p: int, field: str, key: str, depth: int, si: dict[str, int], v: float
) -> list[Setter] | None:
    """Setters for ``powers.<power>.<field>[.<state or tool>]``, or None if not settable."""
    if depth == 2 and field == "security_capacity":
        return [Setter("state", "capacity", (p,), v)]
    if depth == 2 and field == "economic_capacity":
        return [Setter("state", "econ", (p,), v)]
    if depth == 2 and field == "host_economy":
        return [Setter("state", "host", (p,), v), Setter("params", "host_trend", (p,), v)]
    if depth == 2 and field == "credibility":
        return [
            Setter("state", "credibility", (p, slice(None)), v),
            Setter("params", "credibility0", (p,), v),
        ]
    if depth == 3 and field == "security_tools" and key in TOOLS:
        return [Setter("params", "tools", (p, TOOLS.index(key)), v)]
    if depth == 3 and field in POWER_STATE_TARGETS and key in si:
        return [
            Setter(target, attr, (p, si[key]), v)  # type: ignore[arg-type]
            for target, attr in POWER_STATE_TARGETS[field]
        ]
    return None
