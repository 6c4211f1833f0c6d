"""Proper scores of a forecast against one observed figure, and the skill of one over another.

The continuous ranked probability score (CRPS) of an ensemble ``x`` of ``n`` values
against the observed ``y`` is ``mean|x_i - y| - mean|x_i - x_j| / 2`` (its energy form,
as ``scoringrules.crps_ensemble(..., estimator="nrg")``); a point forecast is an
ensemble of one, whose CRPS is its absolute error. Lower is better, in the figure's own
unit. The interval score of a central ``(1 - alpha)`` interval ``[l, u]`` is
``(u - l) + 2/alpha (l - y) [y < l] + 2/alpha (y - u) [y > u]`` (Gneiting and Raftery
2007). The skill of a forecast against a reference is ``1 - score / reference score``:
1 is perfect, 0 no better than the reference, negative worse.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def crps_ensemble(values: Sequence[float] | np.ndarray, observed: float) -> float:
    """The CRPS of an ensemble against an observed value (NaN values are dropped).

    Raises:
        ValueError: If no value is finite.
    """
    x = np.sort(np.asarray(values, dtype=float))
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        raise ValueError("an ensemble with no finite value has no score")
    error = float(np.mean(np.abs(x - observed)))
    # sum over i, j of |x_i - x_j| for sorted x is 2 * sum_i (2i - n + 1) x_i (i from 0)
    spread = 2.0 * float(np.sum((2.0 * np.arange(n) - n + 1.0) * x)) / (n * n)
    return error - spread / 2.0


def crps_point(forecast: float, observed: float) -> float:
    """The CRPS of a point forecast: its absolute error."""
    return abs(forecast - observed)


def interval_score(low: float, high: float, observed: float, alpha: float) -> float:
    """The interval score of the central ``1 - alpha`` interval ``[low, high]``."""
    score = high - low
    if observed < low:
        score += 2.0 / alpha * (low - observed)
    if observed > high:
        score += 2.0 / alpha * (observed - high)
    return score


def skill(score: float, reference: float) -> float:
    """``1 - score / reference``; NaN when the reference scores 0 (a perfect reference)."""
    return 1.0 - score / reference if reference > 0 else math.nan
