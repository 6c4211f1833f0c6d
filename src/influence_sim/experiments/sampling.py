"""Drawing a sweep's points: grid, Latin hypercube, Sobol (Saltelli), Morris, or a list.

Every sampler is deterministic given the sweep's seed: the points, in order, are
the same on every machine, so a point's number is a stable id. The sampling draws
from ``SeedSequence(seed, spawn_key=(SAMPLING_KEY,))``, a stream no run uses.
"""

from __future__ import annotations

import itertools
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from influence_sim.errors import InfluenceSimError
from influence_sim.format.sweepspec import (
    DistributionParameter,
    RangeParameter,
    SweepSpec,
    ValuesParameter,
)

SAMPLING_KEY = 2**32
"""The spawn key of the sampling stream (runs use keys below 2**32)."""


def _salib() -> Any:
    try:
        import SALib  # noqa: F401
        from SALib.sample import morris, sobol
    except ImportError:
        raise InfluenceSimError(
            "the sobol and morris samplers need SALib: pip install 'influence-sim[sensitivity]'"
        ) from None
    return sobol, morris


def problem(spec: SweepSpec) -> dict[str, Any]:
    """The SALib problem of a sweep: names, bounds and distributions."""
    names: list[str] = []
    bounds: list[list[Any]] = []
    dists: list[str] = []
    for path, parameter in spec.parameters.items():
        names.append(path)
        if isinstance(parameter, RangeParameter):
            bounds.append(list(parameter.range))
            dists.append("unif")
        elif isinstance(parameter, DistributionParameter):
            kind = parameter.distribution
            if kind == "uniform":
                bounds.append([parameter.low, parameter.high])
                dists.append("unif")
            elif kind == "triangular":
                bounds.append([parameter.low, parameter.high, parameter.mode])
                dists.append("triang")
            else:
                bounds.append([parameter.mean, parameter.sd])
                dists.append("norm" if kind == "normal" else "lognorm")
    return {"num_vars": len(names), "names": names, "bounds": bounds, "dists": dists}


def _seed(spec: SweepSpec) -> int:
    return int(np.random.SeedSequence(spec.seed, spawn_key=(SAMPLING_KEY,)).generate_state(1)[0])


def sample(spec: SweepSpec) -> pd.DataFrame:
    """The sweep's points: a ``point`` column (0, 1, ...) and one column per parameter."""
    method = spec.sampler.method
    paths = list(spec.parameters)
    if method == "grid":
        axes = []
        for parameter in spec.parameters.values():
            if isinstance(parameter, ValuesParameter):
                axes.append(list(parameter.values))
            elif isinstance(parameter, RangeParameter):
                axes.append(list(np.linspace(*parameter.range, spec.sampler.n or 2)))
        rows = np.array(list(itertools.product(*axes)), dtype=float)
    elif method == "list":
        rows = np.array([[point[p] for p in paths] for point in spec.sampler.points or []])
    elif method == "lhs":
        rows = _latin(spec, int(spec.sampler.n or 1))
    else:
        sobol, morris = _salib()
        if method == "sobol":
            rows = sobol.sample(
                problem(spec), spec.sampler.n, calc_second_order=False, seed=_seed(spec)
            )
        else:
            rows = morris.sample(
                problem(spec), spec.sampler.n, num_levels=spec.sampler.levels, seed=_seed(spec)
            )
    frame = pd.DataFrame(rows, columns=paths)
    frame.insert(0, "point", np.arange(len(frame), dtype=np.int64))
    return frame


def _latin(spec: SweepSpec, n: int) -> np.ndarray:
    """A Latin hypercube: each parameter's n strata used once, in random pairings."""
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(SAMPLING_KEY,)))
    columns = []
    for parameter in spec.parameters.values():
        u = (rng.permutation(n) + rng.random(n)) / n
        columns.append(_quantile(parameter, u))
    return np.column_stack(columns)


def _quantile(parameter: Any, u: np.ndarray) -> np.ndarray:
    """Map uniform draws in (0, 1) to the parameter's distribution."""
    if isinstance(parameter, RangeParameter):
        low, high = parameter.range
        return low + u * (high - low)
    kind = parameter.distribution
    if kind == "uniform":
        return parameter.low + u * (parameter.high - parameter.low)
    if kind == "triangular":
        low, high, c = parameter.low, parameter.high, parameter.mode
        left = u < c
        out = np.empty_like(u)
        out[left] = low + (high - low) * np.sqrt(u[left] * c)
        out[~left] = high - (high - low) * np.sqrt((1 - u[~left]) * (1 - c))
        return out
    z = np.array([NormalDist().inv_cdf(float(min(max(x, 1e-12), 1 - 1e-12))) for x in u])
    values = parameter.mean + parameter.sd * z
    return np.exp(values) if kind == "lognormal" else values
