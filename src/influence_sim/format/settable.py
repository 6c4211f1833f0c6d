"""The parameters a ``set`` shock may change during a run, in the scenario's terms.

One table, read by the format (to refuse a ``set`` shock on anything else, with the
file's line) and by the engine's compiler (which maps each entry onto the kernel's
arrays; a test holds the two to the same entries).
"""

from __future__ import annotations

from collections.abc import Collection

from influence_sim.format.paths import Path

STATE_FIELDS = (
    "unrest",
    "external_threat",
    "unrest_threshold",
    "security_capacity",
    "security_salience",
    "gdp",
    "exports",
    "imports",
)
"""``states.<state>.<field>``."""
STATE_BY_POWER = ("opinion", "elite_affinity")
"""``states.<state>.<field>.<power>``."""
POWER_FIELDS = ("security_capacity", "economic_capacity", "credibility", "host_economy")
"""``powers.<power>.<field>``."""
POWER_BY_STATE = ("reach", "trade", "remittances", "posture", "investment", "routes", "debt")
"""``powers.<power>.<field>.<state>``."""
POWER_BY_TOOL = ("security_tools",)
"""``powers.<power>.security_tools.<tool>``."""
ALLIANCE_FIELDS = ("commitment",)
"""``alliances.<alliance>.<field>``."""
MESSAGE = (
    "a 'set' shock cannot change '{path}' during a run; see docs/ODD.md for the parameters "
    "that can change"
)
"""The refusal, the same wherever it is given."""


def settable(
    path: Path,
    *,
    states: Collection[str],
    powers: Collection[str],
    alliances: Collection[str],
    tools: Collection[str],
    dynamics: Collection[str],
) -> bool:
    """Whether a ``set`` shock may write at ``path`` (a parsed parameter path)."""
    head, rest = (path[0], path[1:]) if path else ("", ())
    size = len(rest)
    name = str(rest[0]) if rest else ""
    field = str(rest[1]) if size > 1 else ""
    key = str(rest[2]) if size > 2 else ""
    if head == "dynamics":
        return size == 1 and name in dynamics
    if head == "states" and name in states:
        return (size == 2 and field in STATE_FIELDS) or (
            size == 3 and field in STATE_BY_POWER and key in powers
        )
    if head == "powers" and name in powers:
        return (
            (size == 2 and field in POWER_FIELDS)
            or (size == 3 and field in POWER_BY_STATE and key in states)
            or (size == 3 and field in POWER_BY_TOOL and key in tools)
        )
    if head == "alliances" and name in alliances:
        return size == 2 and field in ALLIANCE_FIELDS
    return False
