"""How robust a decision is to its inputs: every input of a case moved at once, at random.

Each draw multiplies every listed input of the scenario by its own factor, uniform in
[1 - spread, 1 + spread] (kept within the input's valid range), runs the scenario, and
records the share of replications in which the lead accepted the state's first
request. A decision carried by its inputs as a whole moves a little with each; one
carried by a single label or threshold does not move at all, or flips.

The draws come from a generator seeded by the scenario's seed (``SeedSequence``), so a
re-run gives the same table.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from influence_sim.drivers.runner import run
from influence_sim.errors import InfluenceSimError
from influence_sim.format.loading import load_scenario

AMOUNTS = ("gdp", "investment")
"""Inputs in USD billion: any value at or above 0. Opinion and elite affinity lie in
[-1, 1]; every other input of a decision is a share in [0, 1]."""
SIGNED = ("opinion", "elite_affinity")


def decision_inputs(state: str, lead: str = "russia", rival: str = "china") -> list[str]:
    """The fifteen inputs of a request's answer in the model, for ``state`` and its ``lead``."""
    return [
        "alliances.csto.commitment",
        f"powers.{lead}.security_capacity",
        f"powers.{lead}.credibility",
        f"powers.{lead}.reach.{state}",
        f"powers.{lead}.posture.{state}",
        f"powers.{lead}.investment.{state}",
        f"powers.{lead}.trade.{state}",
        f"powers.{rival}.investment.{state}",
        f"states.{state}.gdp",
        f"states.{state}.elite_affinity.{lead}",
        f"states.{state}.opinion.{lead}",
        f"states.{state}.unrest_threshold",
        f"states.{state}.security_capacity",
        f"states.{state}.security_salience",
        f"states.{state}.reliance.security.{lead}",
    ]


def _value(scenario: object, path: str) -> float:
    """The scenario's value at ``path``.

    Raises:
        InfluenceSimError: If the scenario has no value there (a state or power it lacks,
            or a map without that entry).
    """
    node: object = scenario
    for part in path.split("."):
        try:
            node = node[part] if isinstance(node, dict) else getattr(node, part)
        except (KeyError, AttributeError):
            raise InfluenceSimError(
                f"perturb: the scenario has no value at '{path}' (no '{part}'); give inputs "
                "it sets, or set them first with an override"
            ) from None
    return float(node)  # type: ignore[arg-type]


def _bounded(path: str, value: float) -> float:
    """The value kept within its input's valid range."""
    if any(word in path for word in AMOUNTS):
        return max(0.0, value)
    low = -1.0 if any(word in path for word in SIGNED) else 0.0
    return max(low, min(1.0, value))


def accepted_share(result: object, replications: int, state: str) -> float:
    """The share of replications whose first answer to ``state`` was to accept."""
    events = result.tables["events"]  # type: ignore[attr-defined]
    answers = events[events["kind"].isin(["accept", "decline"]) & (events["target"] == state)]
    first = answers.sort_values("step").groupby("replication")["kind"].first()
    return float((first == "accept").sum() / replications)


def perturb(
    scenario: str,
    state: str,
    inputs: Sequence[str] | None = None,
    draws: int = 40,
    replications: int = 40,
    spread: float = 0.2,
    overrides: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per draw: its factors and the share of replications that were accepted.

    ``overrides`` change the scenario before its inputs are perturbed (for
    ``kazakhstan-2022``, ``alliances.csto.responds=auto``: the answer drawn, not the one
    history gave).
    """
    paths = list(inputs) if inputs is not None else decision_inputs(state)
    base = load_scenario(scenario, list(overrides))
    rng = np.random.default_rng(np.random.SeedSequence([base.seed, 20]))
    rows = []
    for draw in range(draws):
        factors = rng.uniform(1.0 - spread, 1.0 + spread, size=len(paths))
        moved = [
            f"{path}={_bounded(path, _value(base, path) * factor):.6g}"
            for path, factor in zip(paths, factors, strict=True)
        ]
        result = run(base, replications=replications, overrides=moved)
        row = {"draw": draw, "accepted": accepted_share(result, replications, state)}
        row.update({path: float(f) for path, f in zip(paths, factors, strict=True)})
        rows.append(row)
    return pd.DataFrame(rows)
