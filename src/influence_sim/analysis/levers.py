"""The security-versus-economy trade-off, measured: each power's lever and its cross effect.

Two levers, each moved from low to high with the same seeds (common random numbers,
as in :mod:`influence_sim.analysis.comparison`): China's economic capacity and
Russia's security capacity. For each, the paired difference high - low of a state's
reliance on the power by domain and of its overall alignment, at 1, 3 and 10 years.

- The **own effects**: China's economic capacity on economic reliance on China, Russia's
  security capacity on security reliance on Russia.
- The **cross effects**: China's economic capacity on security reliance on China (the
  model's couplings: security follows investment), Russia's security capacity on
  economic reliance on Russia (a security patron's leverage, and flows that follow
  political ties). Without the couplings (``docs/ODD.md``), both would be 0 but for
  the noise.
- The **ratio** of the economic lever to the security lever: the effect of China's
  economic capacity on alignment with China over that of Russia's security capacity on
  alignment with Russia.

Each effect is the mean of the per-replication differences, with their standard
deviation; the ratio's spread is a bootstrap over replications.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from influence_sim.drivers.runner import run
from influence_sim.format.loading import load_scenario

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Lever:
    """One power's capacity moved from ``low`` to ``high``."""

    name: str
    power: str
    path: str
    low: float
    high: float
    own: str  # the domain the lever is about
    cross: str  # the other domain

    def overrides(self, level: float) -> list[str]:
        """The ``--set`` override that puts the lever at ``level``."""
        return [f"powers.{self.power}.{self.path}={level}"]


ECONOMIC = Lever("economic", "china", "economic_capacity", 0.1, 1.0, "economy", "security")
SECURITY = Lever("security", "russia", "security_capacity", 0.4, 1.0, "security", "economy")
LEVERS = (ECONOMIC, SECURITY)
BOOTSTRAP = 2000
COUPLINGS_OFF = (
    "dynamics.asset_protection=0",
    "dynamics.patron_leverage=0",
    "dynamics.fiscal_drain=0",
    "dynamics.trade_alignment_elasticity=0",
    "dynamics.investment_alignment_elasticity=0",
    "dynamics.credit_alignment_elasticity=0",
)
"""Every coupling between the domains switched off: the cross effects' null."""
CHANNELS_OFF = (
    "dynamics.benefit_trade=0",
    "dynamics.benefit_remittances=0",
    "dynamics.benefit_investment=0",
    "dynamics.benefit_credit=0",
    "dynamics.exposure_cost=0",
    "dynamics.compliance=0",
    "dynamics.resentment_weight=0",
)
"""The economy's channels switched off: its ties give nothing and cost nothing, and coercion
through them moves nobody (neither compliance nor the resentment it leaves)."""


def _by_replication(result: object, state: str, power: str, steps: list[int]) -> pd.DataFrame:
    """Alignment by domain (columns) at each step, one row per (step, replication)."""
    frame = result.tables["alignment"]  # type: ignore[attr-defined]
    frame = frame[(frame["state"] == state) & (frame["power"] == power)]
    frame = frame[frame["step"].isin(steps)]
    return frame.pivot_table(
        index=["step", "replication"], columns="domain", values="value", aggfunc="first"
    )


def measure(
    scenario: str = "kazakhstan-2022",
    state: str = "kazakhstan",
    replications: int = 100,
    years: Sequence[int] = (1, 3, 10),
    overrides: Sequence[str] = (),
) -> pd.DataFrame:
    """The levers' own and cross effects and their ratio, by horizon.

    Args:
        scenario: Run for ``max(years)`` years from its start (its horizon overridden).
        state: The state whose reliance is measured.
        replications: Pairs of runs per lever.
        years: The horizons, in years from the start.
        overrides: Applied to every run (``--set`` syntax), e.g. to switch a coupling off;
            the world they make is calibrated on its own start.

    Returns:
        One row per lever, outcome and horizon: ``lever``, ``outcome`` (``own``,
        ``cross``, ``alignment``, ``ratio``), ``domain``, ``years``, ``mean``, ``sd``,
        ``replications``.
    """
    longest = max(years)
    # Its own calibrated world: with a coupling switched off, the propensities are those
    # of that world's start (as the preferences-off null's), not the coupled world's.
    base = load_scenario(scenario, [*overrides, f"calendar.horizon={longest} years"])
    base = base.as_calibrated()
    step_days = base.timeline.step_days
    steps = {y: min(base.timeline.n_steps, round(y * DAYS_PER_YEAR / step_days)) for y in years}
    rows: list[dict[str, object]] = []
    alignment: dict[str, pd.Series] = {}
    for lever in LEVERS:
        low, high = (
            _by_replication(
                run(base, replications=replications, overrides=lever.overrides(level)),
                state,
                lever.power,
                list(steps.values()),
            )
            for level in (lever.low, lever.high)
        )
        difference = high - low
        for y, step in steps.items():
            at = difference.loc[step]
            outcomes = (("own", lever.own), ("cross", lever.cross), ("alignment", "overall"))
            for outcome, domain in outcomes:
                values = at[domain].to_numpy()
                rows.append(_row(lever.name, outcome, domain, y, values))
            alignment[f"{lever.name}:{y}"] = at["overall"]
    rng = np.random.default_rng(np.random.SeedSequence(base.seed))
    for y in years:
        economic = alignment[f"economic:{y}"].to_numpy()
        security = alignment[f"security:{y}"].to_numpy()
        picks = rng.integers(0, len(economic), size=(BOOTSTRAP, len(economic)))
        ratios = economic[picks].mean(axis=1) / security[picks].mean(axis=1)
        rows.append(
            {
                "lever": "economic / security",
                "outcome": "ratio",
                "domain": "overall",
                "years": y,
                "mean": float(economic.mean() / security.mean()),
                "sd": float(ratios.std(ddof=1)),
                "replications": len(economic),
            }
        )
    return pd.DataFrame(rows)


def _row(
    lever: str, outcome: str, domain: str, years: int, values: np.ndarray
) -> dict[str, object]:
    return {
        "lever": lever,
        "outcome": outcome,
        "domain": domain,
        "years": years,
        "mean": float(values.mean()),
        "sd": float(values.std(ddof=1)),
        "replications": len(values),
    }


INTRO = """# The trade-off, measured

Generated by `make docs` (`python -m influence_sim.cli.docs tradeoff`) from
`influence_sim.analysis.levers`: `{scenario}` run {longest} years from its start,
{replications} replications of each lever at its low and its high level with the same
seeds, so each difference high - low is paired replication by replication. Mean and
standard deviation (sd) of the paired differences of {state}'s reliance and overall
alignment (the index at its fixed weights); for the ratio, its standard error (se), a
bootstrap over replications. The couplings are in `docs/ODD.md` (*Couplings between
the domains*).

- **Economic lever**: China's economic capacity from 0.1 to 1.0. Own effect: economic
  reliance on China; cross effect: security reliance on China.
- **Security lever**: Russia's security capacity from 0.4 to 1.0. Own effect: security
  reliance on Russia; cross effect: economic reliance on Russia.
- **Ratio**: the economic lever's effect on alignment with China over the security
  lever's on alignment with Russia. It depends on the ranges chosen (0.9 of China's
  economic capacity against 0.6 of Russia's security capacity): per unit of capacity
  it is two thirds of the figure below.
"""


def render_markdown(table: pd.DataFrame, off: pd.DataFrame, **context: object) -> str:
    """``docs/tradeoff.md``: the levers with and without the couplings."""
    years = [int(y) for y in sorted(table["years"].unique())]
    head = "| lever | outcome | " + " | ".join(f"{y} year{'s' if y > 1 else ''}" for y in years)
    rule = "|---|---|" + "---|" * len(years)
    out = [INTRO.format(**context), "## With the couplings (the model)", "", head + " |", rule]
    out += _rows(table, years)
    out += ["", "## With every coupling off (`COUPLINGS_OFF`)", "", head + " |", rule]
    out += _rows(off, years)
    out += ["", *_words(table, off), ""]
    return "\n".join(out)


def _rows(table: pd.DataFrame, years: list[int]) -> list[str]:
    labels = {
        ("economic", "own"): ("economic", "economic reliance on China"),
        ("economic", "cross"): ("economic", "**security reliance on China** (cross)"),
        ("economic", "alignment"): ("economic", "alignment with China"),
        ("security", "own"): ("security", "security reliance on Russia"),
        ("security", "cross"): ("security", "**economic reliance on Russia** (cross)"),
        ("security", "alignment"): ("security", "alignment with Russia"),
        ("economic / security", "ratio"): ("economic / security", "ratio of the alignments"),
    }
    rows = []
    for (lever, outcome), (name, what) in labels.items():
        cells = []
        for y in years:
            chosen = table[(table["lever"] == lever) & (table["outcome"] == outcome)]
            row = chosen[chosen["years"] == y].iloc[0]
            spread = "se" if outcome == "ratio" else "sd"
            cells.append(f"{row['mean']:+.4f} ({spread} {row['sd']:.4f})")
        rows.append(f"| {name} | {what} | " + " | ".join(cells) + " |")
    return rows


def effect(table: pd.DataFrame, lever: str, outcome: str, years: int) -> float:
    """The mean paired effect of ``lever`` on ``outcome`` at ``years``."""
    row = table[
        (table["lever"] == lever) & (table["outcome"] == outcome) & (table["years"] == years)
    ]
    return float(row["mean"].iloc[0])


def _words(table: pd.DataFrame, off: pd.DataFrame) -> list[str]:
    last = int(table["years"].max())
    return [
        f"In words: at {last} years China's economic capacity moves Kazakhstan's security "
        f"reliance on China by {effect(table, 'economic', 'cross', last):+.3f} "
        f"({effect(off, 'economic', 'cross', last):+.3f} without the couplings), and "
        f"Russia's security capacity moves its economic reliance on Russia by "
        f"{effect(table, 'security', 'cross', last):+.3f} "
        f"({effect(off, 'security', 'cross', last):+.3f} without). The economic lever "
        "acts only through the flows it drives, so it is slow: its effect on alignment "
        f"is {effect(table, 'economic / security', 'ratio', 1):.2f} of the security "
        f"lever's after a year and {effect(table, 'economic / security', 'ratio', last):.2f} "
        f"after {last}.",
    ]
