"""Summary metrics, one row per replication, computed as the run goes.

:class:`Summary` watches every step, so metrics that depend on the whole path
(peaks, the time to calm or to return) need no stored trajectory: a sweep of a
million replications keeps a few numbers per replication, not the path.

Column names are ``metric.state.power`` (or ``metric.state``, ``metric.power``):
``final_alignment.kazakhstan.russia`` is Kazakhstan's overall alignment with Russia
at the end of the run. Metrics: final and peak overall alignment, final security and
economic reliance, final trade share, remittances and debt (shares of GDP) with each
power, steps for alignment to return within 0.02 of its start after its largest
departure, peak unrest and steps for unrest to calm below half the threshold after its
peak, final regional alignment, each power's final mean credibility and posture, and,
for each state that starts in an alliance, whether it is still a member in good standing
at the end (``final_member.kyrgyzstan.csto``: 1, or 0 if it froze its membership or
left; over replications its mean is the share that stayed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from influence_sim.engine.compile import Compiled
from influence_sim.engine.kernel import Params, State, alignment_of
from influence_sim.engine.state import MEMBER

RETURN_TOLERANCE = 0.02
"""How close to its starting value alignment must come to count as returned."""


def weighted_quantile(values: ArrayLike, weights: ArrayLike, q: float) -> float:
    """A weighted quantile: the value where the weights' running sum reaches ``q``."""
    v, w = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    order = np.argsort(v)
    cumulative = np.cumsum(w[order])
    return float(v[order][np.searchsorted(cumulative, q * cumulative[-1])])


def weighted_interval(values: ArrayLike, weights: ArrayLike) -> tuple[float, float, float]:
    """A weighted sample's 5th percentile, median and 95th percentile (a 90% interval)."""
    low, mid, high = (weighted_quantile(values, weights, q) for q in (0.05, 0.5, 0.95))
    return low, mid, high


def overall_alignment(state: State, weight: NDArray[np.float64]) -> NDArray[np.float64]:
    """Overall alignment, ``(R, S, K)``: reliance at security's fixed weight, ``(B, S)``."""
    return alignment_of(state.reliance, weight)


class _FirstAfterPeak:
    """Tracks a series' first maximum and the first step after it where a condition holds."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.peak = np.full(shape, -np.inf)
        self.peak_step = np.zeros(shape, dtype=np.int64)
        self.found = np.full(shape, -1, dtype=np.int64)

    def update(self, step: int, value: NDArray[np.float64], condition: NDArray[np.bool_]) -> None:
        higher = value > self.peak
        np.copyto(self.peak, value, where=higher)
        np.copyto(self.peak_step, step, where=higher)
        np.copyto(self.found, -1, where=higher)
        new = self.found < 0
        new &= condition
        new &= step > self.peak_step
        np.copyto(self.found, step, where=new)

    def elapsed(self, last_step: int) -> NDArray[np.float64]:
        """Steps from the peak to the first step meeting the condition (or the end)."""
        end = np.where(self.found >= 0, self.found, last_step)
        return (end - self.peak_step).astype(float)


class Summary:
    """Summary metrics of a batch of replications, updated step by step.

    Args:
        compiled: The compiled scenario (for names).
        params: The parameters the batch runs with (thresholds and regional weights).
        initial: The batch's state before the first step.
    """

    def __init__(self, compiled: Compiled, params: Params, initial: State) -> None:
        self.compiled = compiled
        self.started = params.alliance_members
        self.threshold = params.unrest_threshold
        self.weights = params.weights
        self.alignment_weight = params.alignment_weight
        align = overall_alignment(initial, self.alignment_weight)
        r, s, k = align.shape
        self.start = align.copy()
        self.peak_alignment = align.copy()
        self.final: NDArray[np.float64] = align.copy()
        self.unrest = _FirstAfterPeak((r, s))
        self.departure = _FirstAfterPeak((r, s, k))
        self.update(0, initial)

    def update(self, step: int, state: State) -> None:
        """Take in the state after ``step`` steps."""
        self.last = state
        self.last_step = step
        align = overall_alignment(state, self.alignment_weight)
        np.maximum(self.peak_alignment, align, out=self.peak_alignment)
        self.unrest.update(step, state.unrest, state.unrest < self.threshold / 2)
        gap = np.abs(align - self.start)
        self.departure.update(step, gap, gap <= RETURN_TOLERANCE)
        self.final = align

    def frame(self) -> pd.DataFrame:
        """The metrics, one row per replication (without identifying columns)."""
        c = self.compiled
        state = self.last
        columns: dict[str, NDArray[np.float64]] = {}
        for s, name in enumerate(c.states):
            for k, option in enumerate(c.options):
                columns[f"final_alignment.{name}.{option}"] = self.final[:, s, k]
            returned = self.departure.elapsed(self.last_step)
            returned[self.departure.peak <= RETURN_TOLERANCE] = np.nan
            for k, power in enumerate(c.powers):
                columns[f"peak_alignment.{name}.{power}"] = self.peak_alignment[:, s, k]
                columns[f"steps_to_return.{name}.{power}"] = returned[:, s, k]
                columns[f"final_security_reliance.{name}.{power}"] = state.reliance[:, 0, s, k]
                columns[f"final_economic_reliance.{name}.{power}"] = state.reliance[:, 1, s, k]
                columns[f"final_trade.{name}.{power}"] = state.trade[:, k, s]
                columns[f"final_remittances.{name}.{power}"] = state.remittances[:, k, s]
                columns[f"final_debt.{name}.{power}"] = state.debt[:, k, s]
        calm = self.unrest.elapsed(self.last_step)
        calm[~(self.unrest.peak > self.threshold)] = np.nan
        for s, name in enumerate(c.states):
            columns[f"peak_unrest.{name}"] = self.unrest.peak[:, s]
            columns[f"steps_to_calm.{name}"] = calm[:, s]
        regional = np.einsum(
            "rsk,rs->rk", self.final, np.broadcast_to(self.weights, self.final.shape[:2])
        )
        for k, option in enumerate(c.options):
            columns[f"final_regional.{option}"] = regional[:, k]
        for p, power in enumerate(c.powers):
            columns[f"final_credibility.{power}"] = state.credibility[:, p].mean(axis=1)
            columns[f"final_posture.{power}"] = state.posture[:, p].mean(axis=1)
        for a, s in zip(*np.nonzero(self.started), strict=True):
            member = state.membership[:, a, s] == MEMBER
            columns[f"final_member.{c.states[s]}.{c.alliances[a]}"] = member.astype(float)
        return pd.DataFrame(columns)


METRIC_WORDS: dict[str, tuple[str, str]] = {
    "final_alignment": ("{state}'s overall alignment with {power} at the end", "share, 0-1"),
    "peak_alignment": ("{state}'s peak overall alignment with {power}", "share, 0-1"),
    "final_security_reliance": ("{state}'s security reliance on {power} at the end", "0-1"),
    "final_economic_reliance": ("{state}'s economic reliance on {power} at the end", "0-1"),
    "final_trade": ("{state}'s trade share with {power} at the end", "share of trade"),
    "final_remittances": ("{state}'s remittances from {power} at the end", "share of GDP"),
    "final_debt": ("{state}'s debt to {power} at the end", "share of GDP"),
    "steps_to_return": ("steps until {state}'s alignment with {power} returns", "steps"),
    "peak_unrest": ("{state}'s peak unrest", "share active, 0-1"),
    "steps_to_calm": ("steps until {state}'s unrest calms", "steps"),
    "final_regional": ("the region's overall alignment with {state} at the end", "share, 0-1"),
    "final_credibility": ("{state}'s mean credibility at the end", "0-1"),
    "final_posture": ("{state}'s mean posture at the end", "0-1"),
    "final_member": ("{state} still a member of {power} at the end", "1 yes, 0 no"),
}
"""Each summary metric in words, with its unit: ``{state}`` and ``{power}`` are its names."""


def metric_words(name: str, titles: dict[str, str] | None = None) -> str:
    """A summary metric's name in words with its unit, for titles and axis labels.

    ``final_alignment.kazakhstan.russia`` is "Kazakhstan's overall alignment with Russia
    at the end (share, 0-1)"; ``titles`` maps ids to titles (default: the ids,
    capitalised). A name that is no summary metric is returned as given.
    """
    kind, _, rest = name.partition(".")
    if kind not in METRIC_WORDS or not rest:
        return name
    parts = rest.split(".")
    names = titles or {}

    def title(key: str) -> str:
        return names.get(key, key.replace("_", " ").capitalize())

    text, unit = METRIC_WORDS[kind]
    state = title(parts[0])
    power = title(parts[1]) if len(parts) > 1 else ""
    return f"{text.format(state=state, power=power)} ({unit})"
