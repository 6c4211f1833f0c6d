"""Summary metrics: one row per replication, from a recorded trajectory.

Column names are ``metric.state.power`` (or ``metric.state``, ``metric.power``):
``final_alignment.kazakhstan.russia`` is Kazakhstan's overall alignment with Russia
at the end of the run. Metrics: final and peak overall alignment, final security and
economic reliance, steps for alignment to return within 0.02 of its start after its
largest departure, peak unrest and steps for unrest to calm below half the threshold,
final regional alignment, and each power's final mean credibility and posture.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence_sim.compile import Compiled
from influence_sim.tables import alignment_array, regional_array
from influence_sim.trajectory import Trajectory

RETURN_TOLERANCE = 0.02
"""How close to its starting value alignment must come to count as returned."""


def steps_to_calm(unrest: np.ndarray, steps: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Steps from the peak of unrest until it falls below half the state's threshold.

    Args:
        unrest: ``(R, rows, S)`` recorded unrest.
        steps: ``(rows,)`` the recorded steps.
        threshold: ``(S,)`` each state's unrest threshold.

    Returns:
        ``(R, S)``: NaN where unrest never passed the threshold; the steps left in the
        run where it never calmed.
    """
    peak_row = unrest.argmax(axis=1)  # (R, S)
    crisis = unrest.max(axis=1) > threshold
    calm = unrest < threshold / 2
    after = np.arange(unrest.shape[1])[None, :, None] > peak_row[:, None, :]
    first_calm = np.where(calm & after, np.arange(unrest.shape[1])[None, :, None], len(steps))
    row = first_calm.min(axis=1)  # (R, S)
    end = np.where(row < len(steps), steps[np.minimum(row, len(steps) - 1)], steps[-1])
    out = (end - steps[peak_row]).astype(float)
    out[~crisis] = np.nan
    return out


def steps_to_return(
    values: np.ndarray, steps: np.ndarray, tolerance: float = RETURN_TOLERANCE
) -> np.ndarray:
    """Steps from the largest departure from the start until back within ``tolerance`` of it.

    Args:
        values: ``(R, rows)`` a recorded series per replication.
        steps: ``(rows,)`` the recorded steps.
        tolerance: How close to the start counts as back.

    Returns:
        ``(R,)``: NaN where the series never left the band; the steps left in the run
        where it never came back.
    """
    gap = np.abs(values - values[:, :1])
    peak = gap.argmax(axis=1)
    left = gap.max(axis=1) > tolerance
    rows = np.arange(values.shape[1])[None, :]
    back = (gap <= tolerance) & (rows > peak[:, None])
    first = np.where(back, rows, len(steps)).min(axis=1)
    end = np.where(first < len(steps), steps[np.minimum(first, len(steps) - 1)], steps[-1])
    out = (end - steps[peak]).astype(float)
    out[~left] = np.nan
    return out


def summarise(compiled: Compiled, trajectory: Trajectory, first: int = 0) -> pd.DataFrame:
    """The ``summary`` table: one row per replication."""
    states, powers, options = compiled.states, compiled.powers, compiled.options
    align = alignment_array(trajectory)  # (R, rows, 3, S, K)
    regional = regional_array(compiled, trajectory)  # (R, rows, 3, K)
    r_n = align.shape[0]
    columns: dict[str, np.ndarray] = {"replication": np.arange(first, first + r_n)}
    for s, state in enumerate(states):
        for k, option in enumerate(options):
            columns[f"final_alignment.{state}.{option}"] = align[:, -1, 2, s, k]
        for k, power in enumerate(powers):
            columns[f"peak_alignment.{state}.{power}"] = align[:, :, 2, s, k].max(axis=1)
            columns[f"steps_to_return.{state}.{power}"] = steps_to_return(
                align[:, :, 2, s, k], trajectory.steps
            )
            columns[f"final_security_reliance.{state}.{power}"] = align[:, -1, 0, s, k]
            columns[f"final_economic_reliance.{state}.{power}"] = align[:, -1, 1, s, k]
    unrest = trajectory["unrest"]
    calm = steps_to_calm(unrest, trajectory.steps, compiled.params.unrest_threshold[0])
    for s, state in enumerate(states):
        columns[f"peak_unrest.{state}"] = unrest[:, :, s].max(axis=1)
        columns[f"steps_to_calm.{state}"] = calm[:, s]
    for k, option in enumerate(options):
        columns[f"final_regional.{option}"] = regional[:, -1, 2, k]
    for p, power in enumerate(powers):
        columns[f"final_credibility.{power}"] = trajectory["credibility"][:, -1, p].mean(axis=1)
        columns[f"final_posture.{power}"] = trajectory["posture"][:, -1, p].mean(axis=1)
    return pd.DataFrame(columns)
